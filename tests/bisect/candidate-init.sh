#!/bin/sh
# /init of the bisection candidates' test initrd: the machine's "test suite".
# It says PASS when it gets to run; a regression shows before it (a message, a
# hang). It stays up: the next step power-cycles the machine.
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
echo "kbisect-test: PASS on $(uname -r)"
while :; do sleep 3600; done
