#!/bin/bash
# Stage-1 in QEMU: Debian's kernel with our initramfs fetches the list from our
# CGIs under Apache and kexecs the machine's default (another real Debian kernel
# with a test initrd), over HTTP and over NFSv3 and NFSv4. The machines of today
# (issue 39): over HTTP and NFSv4 the stage-1 is Debian 13's kernel, its modules
# .ko.xz kept compressed and decompressed by the kernel (finit_module's
# MODULE_INIT_COMPRESSED_FILE); over NFSv3 Debian 12's, whose modules were
# xz-compressed as a distribution ships them and which cannot decompress them: the
# initramfs has them decompressed. A machine with two ports boots over the second,
# an e1000e whose driver the init loads for its device; kbisect.if= names a port.
# needs: --kernels 2 --kernels-trixie 1
# budget: --boots 8
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$LAB_TOP/tests/init/setup.sh"

# Debian 13's stage-1: its kernel and its .ko.xz modules, kept compressed.
D12_KERNEL=$LAB_STAGE1_KERNEL D12_KROOT=$LAB_KROOT D12_KVER=$LAB_KVER
lab_stage1 --suite trixie
D13_KERNEL=$LAB_STAGE1_KERNEL D13_KVER=$LAB_KVER
lab_stage1_initramfs "$LAB_DIR/stage1-13.cpio.gz"
cp "$LAB_DIR/mkinitramfs.log" "$LAB_OUT/mkinitramfs-13.log"
lab_stage1  # Debian 12's again, for the machines below that name no other
t_check "Debian 13's stage-1 initramfs keeps its modules xz-compressed: its kernel decompresses them" \
	bash -c 'grep -q "modules kept xz-compressed: the kernel decompresses them" "$1" &&
		zcat "$2" | cpio -t 2>/dev/null | grep -q "kernel/drivers/net/virtio_net.ko.xz$"' _ "$LAB_OUT/mkinitramfs-13.log" "$LAB_DIR/stage1-13.cpio.gz"
# Debian 12's kernel with its modules xz-compressed (the skeleton's and their
# dependencies, indexed by depmod): it has no CONFIG_MODULE_DECOMPRESS.
xzroot=$LAB_DIR/xz-kroot
mkdir -p "$xzroot/boot" "$xzroot/lib/modules/$D12_KVER"
cp "$D12_KROOT/boot/config-$D12_KVER" "$xzroot/boot/"
cp "$D12_KROOT/lib/modules/$D12_KVER"/modules.{builtin,builtin.modinfo,order} "$xzroot/lib/modules/$D12_KVER/"
for mod in $(sed 's/#.*//' "$LAB_TOP/rootfs-skel/etc/kbisect/modules"); do
	modprobe -d "$D12_KROOT" -S "$D12_KVER" --show-depends "$mod" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$D12_KROOT/"}
	mkdir -p "$xzroot/$(dirname "$rel")"
	xz -c "$ko" >"$xzroot/$rel.xz"
done
depmod -b "$xzroot" "$D12_KVER"
"$LAB_TOP/scripts/kbisect-mkinitramfs" -o "$LAB_DIR/stage1-xz.cpio.gz" --kernel-modules "$xzroot/lib/modules/$D12_KVER" \
	--init "$(lab_bin kbisect-init)" >"$LAB_OUT/mkinitramfs-xz.log" 2>&1 || lab_die "kbisect-mkinitramfs (xz modules) failed"
t_check "Debian 12's kernel with .ko.xz modules: the initramfs has them decompressed, and says why" \
	bash -c 'grep -q "compressed modules decompressed here: the kernel does not decompress them itself" "$1" &&
		zcat "$2" | cpio -t 2>/dev/null | grep -q "kernel/drivers/net/virtio_net.ko$" && ! zcat "$2" | cpio -t 2>/dev/null | grep -q "\.ko\.xz$"' \
	_ "$LAB_OUT/mkinitramfs-xz.log" "$LAB_DIR/stage1-xz.cpio.gz"

# Over HTTP, default set with curl, no key pressed; the stage-1 is Debian 13's.
export BOOT_KERNEL=$D13_KERNEL BOOT_INITRD=$LAB_DIR/stage1-13.cpio.gz
set_default m1 "$OTHER"
set_default m1 "$CAND"
boot m1 ""
t_check "http: the candidate kernel runs, with the image's command line" \
	wait_for m1 "^candidate: running $CAND_KVER marker=from-image-ini" 120
t_check "http: stage-1 checked the kernel's and the initrd's sha256" \
	bash -c "grep -aq 'kbisect: image: bzImage sha256 ok' '$LAB_OUT/m1.console' && grep -aq 'kbisect: image: initrd sha256 ok' '$LAB_OUT/m1.console'"
t_check "http: a 64-bit candidate on the 64-bit stage-1 went through kexec_file_load (no purgatory)" \
	bash -c "! grep -aq -e 'kexec_load' -e 'kbisect purgatory' '$LAB_OUT/m1.console'"
t_check "http: a stage-1 without a key says that images are not signature-checked" \
	console_has m1 "kbisect: images are not signature-checked: this stage-1 has no key (make initramfs SIGNING_KEY=PUB.pem)"
t_check "http: the server's boot log names the image" \
	bash -c "curl -sS '$LAB_URL/booted?machine=m1' | grep -q ' $CAND 127.0.0.1\$'"
t_check "http: without kbisect.nfs= the NFS client's modules are not loaded (one load, no sunrpc)" \
	bash -c "[ \$(grep -ac '^kbisect: modules: loaded ' '$LAB_OUT/m1.console') = 1 ] && ! grep -aq 'RPC: Registered' '$LAB_OUT/m1.console'"
lab_qemu_stop m1

t_check "http: Debian 13's stage-1 loaded its compressed modules (virtio_pci is built in: said, not a failure)" \
	bash -c 'grep -aq "^\[ *[0-9.]*\] Linux version $2 " "$1" && grep -aq "^kbisect: modules: virtio_pci: not a module of this kernel (built in?)" "$1" &&
		grep -aq "^kbisect: modules: loaded 3 in " "$1" && ! grep -aq "cannot decompress" "$1"' _ "$LAB_OUT/m1.console" "$D13_KVER"

# Over NFS, v3 and v4, with the command line from kbisect.append: v3 on Debian 12's
# stage-1 with the modules it had compressed, v4 on Debian 13's.
for v in 3 4; do
	m=nfs$v
	if [ $v = 3 ]; then
		export BOOT_KERNEL=$D12_KERNEL BOOT_INITRD=$LAB_DIR/stage1-xz.cpio.gz
	else
		export BOOT_KERNEL=$D13_KERNEL BOOT_INITRD=$LAB_DIR/stage1-13.cpio.gz
	fi
	set_default $m "$CAND"
	boot $m "kbisect.nfs=10.0.2.2:/export,vers=$v kbisect.append=\"console=ttyS0 candidate.marker=append-v$v\""
	t_check "nfsv$v: the candidate kernel runs, with kbisect.append's command line" \
		wait_for $m "^candidate: running $CAND_KVER marker=append-v$v" 120
	t_check "nfsv$v: stage-1 mounted the store with vers=$v and read the image from it" \
		bash -c "grep -aq 'kbisect: nfs: mounted 10.0.2.2:/export (.*vers=$v' '$LAB_OUT/$m.console' &&
			grep -aq 'kbisect: image: $CAND over NFS' '$LAB_OUT/$m.console'"
	t_check "nfsv$v: the NFS client's modules were loaded after the others, before the mount" \
		bash -c "[ \"\$(awk '/^kbisect: modules: loaded /{n++} /^kbisect: nfs: mounted/{print n; exit}' '$LAB_OUT/$m.console')\" = 2 ]"
	t_check "nfsv$v: the boot log names the image" \
		bash -c "curl -sS '$LAB_URL/booted?machine=$m' | grep -q ' $CAND '"
	lab_qemu_stop $m
done
unset BOOT_KERNEL BOOT_INITRD

# A server's ports: the first (virtio, on a hub that goes nowhere) has no DHCP,
# the second is an Intel 82574 (e1000e), whose driver the init loads from the
# initramfs's NIC set for the device it finds. DHCP on the first gives up, the
# second gets the lease, and the candidate boots over it.
LAB_NICS=default lab_stage1_initramfs "$LAB_DIR/stage1-nics.cpio.gz"
nics_size=$(stat -c %s "$LAB_DIR/stage1-nics.cpio.gz")
echo "# the stage-1 initramfs with the default NIC set: $nics_size bytes (budget 8 MB)"
t_check "the stage-1 initramfs with the default NIC set is within 8 MB ($nics_size bytes)" test "$nics_size" -le 8388608
set_default nic2 "$CAND"
NIC2_MAC=52:54:00:12:34:77
BOOT_INITRD=$LAB_DIR/stage1-nics.cpio.gz LAB_NETDEV=hubport,hubid=9 boot nic2 "" \
	-netdev user,id=n1 -device e1000e,netdev=n1,mac=$NIC2_MAC -no-reboot
t_check "two ports: the candidate boots over the second, an e1000e" \
	wait_for nic2 "^candidate: running $CAND_KVER marker=from-image-ini" 180
t_check "two ports: the init loaded e1000e for its device, DHCP gave up on eth0 and took eth1" \
	bash -c 'grep -aq "^kbisect: modules: loaded e1000e" "$1" && grep -aq "^kbisect: dhcp: no answer on eth0 after 4 tries" "$1" &&
		grep -aq "^kbisect: network: eth1 10.0.2.15/24 via 10.0.2.2 (DHCP)" "$1"' _ "$LAB_OUT/nic2.console"
lab_qemu_stop nic2
# kbisect.if= names the port by its MAC: no time spent on the other.
BOOT_INITRD=$LAB_DIR/stage1-nics.cpio.gz LAB_NETDEV=hubport,hubid=9 boot nicif "kbisect.if=$NIC2_MAC" \
	-netdev user,id=n1 -device e1000e,netdev=n1,mac=$NIC2_MAC -no-reboot
t_check "kbisect.if=MAC: that port only, straight away" \
	bash -c 'deadline=$((SECONDS + 120)); until grep -aq "^kbisect: network: " "$1" || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
		grep -aq "^kbisect: network: eth1 10.0.2.15/24 via 10.0.2.2 (DHCP)" "$1" && ! grep -aq "dhcp: no answer on eth0" "$1"' _ "$LAB_OUT/nicif.console"
lab_qemu_stop nicif

# A key stops the countdown; a number and Enter picks another entry.
set_default keys "$CAND"
boot keys "kbisect.timeout=30"
t_check "keys: the menu counts down from 30 s" wait_for keys "^kbisect: booting 1 in 30 s" 90
# What an IPMI SOL session or a telnet client sends by itself is no key: NULs, a
# negotiation (IAC WILL ECHO, IAC DO LINEMODE: '"'), an escape sequence.
lab_type keys '\0\0\0\377\373\001\377\375\042\033[2J'
sleep 3
t_check "keys: line noise and a client's negotiation do not stop the countdown" \
	bash -c '! grep -aq "countdown stopped" "$1" && tail -n 3 "$1" | grep -aqE "^kbisect: booting 1 in [0-9]+ s"' \
	_ "$LAB_OUT/keys.console"
lab_type keys " "
t_check "keys: a key stops the countdown" wait_for keys "^kbisect: countdown stopped" 20
lab_type keys "2\r"
t_check "keys: 2 and Enter picks the second entry" wait_for keys "^kbisect: picked 2" 20
t_check "keys: the second entry's kernel runs" wait_for keys "^candidate: running $CAND_KVER marker=other" 120
t_check "keys: the boot log names the picked image" \
	bash -c "curl -sS '$LAB_URL/booted?machine=keys' | grep -q ' $OTHER '"
lab_qemu_stop keys

# The machine's name without kbisect.machine: the DHCP host name, else the MAC.
# And a static address instead of DHCP.
set_default lab-host "$CAND"
set_default 52-54-00-12-34-56 "$OTHER"
set_default static "$CAND"
unnamed() { # unnamed NAME CMDLINE: boots with no kbisect.machine
	lab_qemu_start "$1" "$LAB_STAGE1_KERNEL" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL $2" -no-reboot
}
# named VM MARKER NAME: VM ran the candidate with MARKER as machine NAME.
named() { wait_for "$1" "^candidate: running $CAND_KVER marker=$2" 120 && console_has "$1" "kbisect: machine $3,"; }
LAB_NETDEV=user,hostname=lab-host unnamed dhcpname ""
t_check "dhcp host name: the machine is named by DHCP and boots its default" named dhcpname from-image-ini lab-host
lab_qemu_stop dhcpname
unnamed macname ""
t_check "no host name: the machine is named by its MAC and boots its default" named macname other 52-54-00-12-34-56
lab_qemu_stop macname
boot static "kbisect.ip=10.0.2.15::10.0.2.2:255.255.255.0"
t_check "static ip=: the machine boots without DHCP" wait_for static "^candidate: running $CAND_KVER" 120
t_check "static ip=: the address is the given one" console_has static "kbisect: network: eth0 10.0.2.15/24 via 10.0.2.2 (static)"
t_check "static ip=: no DHCP was done" bash -c "! grep -aq 'kbisect: dhcp:' '$LAB_OUT/static.console'"
lab_qemu_stop static
t_done
