# Shared by the stage-1 tests (source it after lab_init): the server installed as an
# admin would, ganesha exporting the store, our stage-1 initramfs, and two images
# of a second real Debian kernel with a test initrd that prints a marker.
lab_stage1
read -r CAND_KVER CAND_ROOT < <("$LAB_SRC/fetch-kernel" --offline 1)
lab_kbisect_install
lab_nfs_start "$LAB_IMAGES"
lab_apache_start_with "$LAB_SNIPPET"
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/candidate.cpio.gz" "$CAND_ROOT" "$CAND_KVER" \
	"$LAB_TOP/tests/init/candidate-init.sh"
CAND=6.1.0-main_cccccccccccc_20261122_x86_64
OTHER=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=from-image-ini" lab_store_image "$CAND"
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=other" lab_store_image "$OTHER"

# boot NAME CMDLINE [QEMU ARGS...]: powers machine NAME up on stage-1 with our
# initramfs (BOOT_KERNEL and BOOT_INITRD name another stage-1); the guest ends
# when it reboots unless QEMU ARGS say otherwise.
boot() {
	local m=$1 extra=$2
	shift 2
	[ $# -gt 0 ] || set -- -no-reboot
	lab_qemu_start "$m" "${BOOT_KERNEL:-$LAB_STAGE1_KERNEL}" "${BOOT_INITRD:-$LAB_DIR/stage1.cpio.gz}" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$m $extra" "$@"
}

# set_default MACHINE NAME [once]
set_default() {
	curl -sS -f -X PUT --data-binary "$2" "$LAB_URL/default?machine=$1${3:+&once=1}" >/dev/null
}

# console_has MACHINE TEXT: TEXT (fixed string) is on the machine's console.
console_has() { grep -aqF -- "$2" "$LAB_OUT/$1.console"; }
