#!/bin/bash
# Lab smoke test: a QEMU test machine on Debian's kernel loads its modules, mounts the
# ganesha export over NFSv3 and NFSv4, reads a CGI through Apache, and power_cycle
# reboots it; the same from the kernel's vmlinux, as the lab's stage-1 machines boot.
# needs: --kernels 1
# budget: --boots 4
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_stage1

mkdir -p "$LAB_DIR/export" "$LAB_DIR/cgi" "$LAB_DIR/images"
token=written-by-the-test-$RANDOM$RANDOM
echo "$token" >"$LAB_DIR/export/hello.txt"
install -m 755 "$LAB_SRC/echo.cgi" "$LAB_DIR/cgi/echo"
lab_nfs_start "$LAB_DIR/export"
lab_apache_start "$LAB_DIR/cgi" "$LAB_DIR/images"

"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/smoke.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_SRC/smoke-init.sh" virtio_pci virtio_net nfsv3 nfsv4
smoke="console=ttyS0 panic=-1 smoke.v3=$LAB_NFS_V3_OPTS smoke.v4=$LAB_NFS_V4_OPTS smoke.url=$LAB_GUEST_URL/echo?from=guest"
lab_qemu_start m1 "$LAB_VMLINUZ" "$LAB_DIR/smoke.cpio.gz" "$smoke"

t_check "the guest boots Debian's kernel into the test /init" wait_for m1 '^smoke: boot ' 60
t_check "the guest reaches the end of its script" wait_for m1 '^smoke: done' 120
t_check "the guest reads the test's file over NFSv3" grep -qa "^smoke: v3 says $token" "$LAB_OUT/m1.console"
t_check "the guest reads the test's file over NFSv4" grep -qa "^smoke: v4 says $token" "$LAB_OUT/m1.console"
t_check "the guest reaches a CGI through Apache" grep -qa "^smoke: http says method=GET query=from=guest" "$LAB_OUT/m1.console"
t_check "no module failed to load" bash -c "! grep -q 'insmod .* failed' '$LAB_OUT/m1.console'"
t_check "power_cycle is accepted by QEMU" power_cycle m1
t_check "power_cycle reboots the guest (a second boot on the console)" wait_for m1 '^smoke: boot ' 60 2
t_eq "the second boot is a new boot" 2 \
	"$(grep -a '^smoke: boot ' "$LAB_OUT/m1.console" | sort -u | wc -l)"
lab_qemu_stop m1

# The other machines of the lab boot the same kernel from its vmlinux by PVH
# (LAB_STAGE1_KERNEL, tests/lab/vmlinux-of): the same kernel comes up, runs the
# same /init, and comes back after a power cycle.
banner() { grep -a -m1 '^\[ *0\.000000\] Linux version ' "$LAB_OUT/$1.console" | sed 's/^\[[^]]*\] //'; }
t_check "the stage-1 kernel the lab boots is a vmlinux (PVH), not the bzImage" \
	bash -c '[ "$1" != "$2" ] && [ "$(od -An -c -N4 "$1" | tr -d " ")" = 177ELF ]' _ "$LAB_STAGE1_KERNEL" "$LAB_VMLINUZ"
# vmlinux-of refuses what it cannot use, and leaves no file behind.
refuses() { # refuses INPUT MESSAGE
	! "$LAB_SRC/vmlinux-of" "$1" "$LAB_DIR/v.out" 2>"$LAB_DIR/v.err" && [ ! -e "$LAB_DIR/v.out" ] && grep -qF "$2" "$LAB_DIR/v.err"
}
head -c 1000000 "$LAB_VMLINUZ" >"$LAB_DIR/cut.bzImage"
t_check "vmlinux-of refuses a file that is no bzImage" refuses "$LAB_SRC/smoke-init.sh" "no Linux boot header"
t_check "vmlinux-of refuses a cut bzImage" refuses "$LAB_DIR/cut.bzImage" "outside the file"
lab_qemu_start m2 "$LAB_STAGE1_KERNEL" "$LAB_DIR/smoke.cpio.gz" "$smoke"
t_check "booted from the vmlinux, the guest reaches the end of its script" wait_for m2 '^smoke: done' 120
same_kernel() {
	local a b
	a=$(banner m1) b=$(banner m2)
	[[ $a == "Linux version $LAB_KVER "* ]] && [ "$a" = "$b" ] || { printf '#   bzImage: %s\n#   vmlinux: %s\n' "$a" "$b"; return 1; }
}
t_check "... with the bzImage's kernel (the same Linux version line)" same_kernel
cycle_m2() { power_cycle m2 && wait_for m2 '^smoke: boot ' 60 2; }
t_check "... and a power cycle boots it again" cycle_m2
lab_qemu_stop m2
t_done
