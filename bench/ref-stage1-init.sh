#!/bin/sh
# The reference stage-1 for bench/stage1.sh: what one would write by hand with
# busybox (udhcpc, wget, sha256sum) and kexec-tools. No menu: the first entry.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
at() { echo "ref: at $(cut -d' ' -f1 /proc/uptime) s: $1"; }
at "init started"
while read -r ko; do insmod "$ko"; done </etc/insmod.list
at "modules loaded"
ip link set lo up
ip link set eth0 up
udhcpc -i eth0 -q -f -n -t 4 -T 1 -s /etc/udhcpc.sh || { echo "ref: no DHCP"; poweroff -f; }
at "network up"
server=$(sed -n 's/.*ref\.server=\([^ ]*\).*/\1/p' /proc/cmdline)
wget -q -O /tmp/list "$server/list?machine=ref&arch=x86_64" || { echo "ref: no list"; poweroff -f; }
at "list fetched"
name=$(head -n 1 /tmp/list)
at "menu done"
cd /tmp
wget -q -O image.ini "$server/images/$name/image.ini"
val() { sed -n "s/^$1 *= *//p" image.ini; }
wget -q -O kernel "$server/images/$name/$(val kernel)"
wget -q -O initrd "$server/images/$name/$(val initrd)"
echo "$(val kernel_sha256)  kernel" | sha256sum -c -s || { echo "ref: kernel sha256 mismatch"; poweroff -f; }
echo "$(val initrd_sha256)  initrd" | sha256sum -c -s || { echo "ref: initrd sha256 mismatch"; poweroff -f; }
at "image loaded and verified"
kexec -s -l kernel --initrd=initrd --append="$(val cmdline)"
at "kexec"
kexec -e
