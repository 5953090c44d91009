# Shared by the bisection tests and the demo (source after lab_init): the server,
# the history and the engineer's clone (tests/bisect/history.sh), the builder for
# it on the lab's shared work trees, and machine(), a QEMU test machine on our
# stage-1 whose candidates run a test initrd.
: "${HISTORY:=test}"
lab_stage1
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
. "$LAB_TOP/tests/bisect/history.sh"
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/test-initrd.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_TOP/tests/bisect/candidate-init.sh"
BUILDER=$(lab_bin kbisect-builder)
BUILDER_INI=$LAB_DIR/builder.ini
"$LAB_TOP/tests/builder/lab-ini" "$REPO" "$LAB_IMAGES" "$LAB_STATE" "$KBISECT_LAB_LINUX/trees" \
	branch.ref="refs/heads/hist-$HISTORY" arch.x86_64.cmdline=console=ttyS0 \
	arch.x86_64.initrd="$LAB_DIR/test-initrd.cpio.gz" >"$BUILDER_INI" || lab_die "lab-ini failed"
KBISECT=$(lab_bin kbisect)

# machine NAME BUG: a test machine on our stage-1 whose candidates boot with
# kbisect_bug=BUG (the planted regression that shows).
machine() {
	lab_register "$1"
	lab_qemu_start "$1" "$LAB_VMLINUZ" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$1 kbisect.timeout=0 kbisect.append=\"console=ttyS0 kbisect_bug=$2\""
}
