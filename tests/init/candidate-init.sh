#!/bin/sh
# /init of a candidate kernel's test initrd: say which kernel runs and the marker
# the test put on its command line, then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
marker=$(sed -n 's/.*candidate\.marker=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "candidate: running $(uname -r) marker=$marker"
poweroff -f
