#!/bin/bash
# Stage-1 in QEMU: Debian's kernel with our initramfs fetches the list from our
# CGIs under Apache and kexecs the machine's default (another real Debian kernel
# with a test initrd), over HTTP and over NFSv3 and NFSv4.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
"$LAB_SRC/fetch-kernel" 0 >/dev/null && "$LAB_SRC/fetch-kernel" 1 >/dev/null ||
	{ t_result 1 "two Debian kernels in the cache"; exit 1; }
lab_enter 600 "$0" "$@"
lab_init
lab_stage1
read -r CAND_KVER CAND_ROOT < <("$LAB_SRC/fetch-kernel" --offline 1)
lab_kbisect_install
lab_nfs_start "$LAB_IMAGES"
lab_apache_start_with "$LAB_SNIPPET"
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"

"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/candidate.cpio.gz" "$CAND_ROOT" "$CAND_KVER" "$LAB_TOP/tests/init/candidate-init.sh"
CAND=6.1.0-main_cccccccccccc_20261122_x86_64
OTHER=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=from-image-ini" lab_store_image "$CAND"
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=other" lab_store_image "$OTHER"

# boot NAME EXTRA_CMDLINE: power the machine NAME up on stage-1 with our initramfs.
boot() {
	lab_qemu_start "$1" "$LAB_VMLINUZ" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$1 $2" -no-reboot
}

# Over HTTP, default set with curl, no key pressed.
curl -sS -X PUT --data-binary "$OTHER" "$LAB_URL/default?machine=m1" >/dev/null
curl -sS -X PUT --data-binary "$CAND" "$LAB_URL/default?machine=m1" >/dev/null
boot m1 ""
t_check "http: the candidate kernel runs, with the image's command line" \
	wait_for m1 "^candidate: running $CAND_KVER marker=from-image-ini" 120
t_check "http: stage-1 checked the kernel's and the initrd's sha256" \
	bash -c "grep -aq 'kbisect: image: bzImage sha256 ok' '$LAB_OUT/m1.console' && grep -aq 'kbisect: image: initrd sha256 ok' '$LAB_OUT/m1.console'"
t_check "http: the server's boot log names the image" \
	bash -c "curl -sS '$LAB_URL/booted?machine=m1' | grep -q ' $CAND 127.0.0.1\$'"
lab_qemu_stop m1

# Over NFS, v3 and v4, with the command line from kbisect.append.
for v in 3 4; do
	m=nfs$v
	curl -sS -X PUT --data-binary "$CAND" "$LAB_URL/default?machine=$m" >/dev/null
	boot $m "kbisect.nfs=10.0.2.2:/export,vers=$v kbisect.append=\"console=ttyS0 candidate.marker=append-v$v\""
	t_check "nfsv$v: the candidate kernel runs, with kbisect.append's command line" \
		wait_for $m "^candidate: running $CAND_KVER marker=append-v$v" 120
	t_check "nfsv$v: stage-1 mounted the store with vers=$v and read the image from it" \
		bash -c "grep -aq 'kbisect: nfs: mounted 10.0.2.2:/export (.*vers=$v' '$LAB_OUT/$m.console' &&
			grep -aq 'kbisect: image: $CAND over NFS' '$LAB_OUT/$m.console'"
	t_check "nfsv$v: the boot log names the image" \
		bash -c "curl -sS '$LAB_URL/booted?machine=$m' | grep -q ' $CAND '"
	lab_qemu_stop $m
done

# A key stops the countdown; a number and Enter picks another entry.
curl -sS -X PUT --data-binary "$CAND" "$LAB_URL/default?machine=keys" >/dev/null
boot keys "kbisect.timeout=30"
t_check "keys: the menu counts down from 30 s" wait_for keys "^kbisect: booting 1 in 30 s" 90
lab_type keys " "
t_check "keys: a key stops the countdown" wait_for keys "^kbisect: countdown stopped" 20
lab_type keys "2\r"
t_check "keys: 2 and Enter picks the second entry" wait_for keys "^kbisect: picked 2" 20
t_check "keys: the second entry's kernel runs" wait_for keys "^candidate: running $CAND_KVER marker=other" 120
t_check "keys: the boot log names the picked image" \
	bash -c "curl -sS '$LAB_URL/booted?machine=keys' | grep -q ' $OTHER '"
lab_qemu_stop keys
t_done
