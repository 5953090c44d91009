#!/bin/sh
# /init of the lab smoke test's guest: load modules, configure user-mode networking,
# mount the lab's NFS export over v3 and v4, print a file from each, fetch a CGI.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "smoke: boot $(cat /proc/sys/kernel/random/boot_id)"
while read -r ko; do
	insmod "$ko" || echo "smoke: insmod $ko failed"
done </etc/insmod.list
opt() { sed -n "s/.*smoke\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
ip link set lo up
i=0
until ip link set eth0 up 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mkdir -p /mnt/v3 /mnt/v4
if mount -t nfs -o "ro,$(opt v3)" 10.0.2.2:/export /mnt/v3; then
	echo "smoke: v3 says $(cat /mnt/v3/hello.txt)"
else
	echo "smoke: v3 mount failed"
fi
if mount -t nfs4 -o "ro,$(opt v4)" 10.0.2.2:/export /mnt/v4; then
	echo "smoke: v4 says $(cat /mnt/v4/hello.txt)"
else
	echo "smoke: v4 mount failed"
fi
echo "smoke: http says $(wget -q -O - "$(opt url)" 2>&1 | tr "\n" " ")"
echo "smoke: done"
sleep 600
