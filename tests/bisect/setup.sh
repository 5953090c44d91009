# Shared by the bisection tests and the demo (source after lab_init): the server,
# the history and the engineer's clone (tests/bisect/history.sh), the builder for
# it on the lab's shared work trees, and machine(), a QEMU test machine on our
# stage-1 whose candidates run a test initrd. BISECT_ARCH (x86_64 or i386) is the
# arch the bisection's candidates are built for; the builder builds x86_64 too
# (the x86_64 machine's first boot), each arch with its own test initrd.
: "${HISTORY:=test}" "${BISECT_ARCH:=x86_64}"
lab_stage1
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
# The default list of modules, as an admin's initramfs: the machines fetch over
# HTTP, so the stage-1 does not load its NFS client's (the NFS path is tests/init's).
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
. "$LAB_TOP/tests/bisect/history.sh"
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/test-initrd.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_TOP/tests/bisect/candidate-init.sh"
BUILDER=$(lab_bin kbisect-builder)
BUILDER_INI=$LAB_DIR/builder.ini
ini_arches=(arches=x86_64 arch.x86_64.cmdline=console=ttyS0 arch.x86_64.initrd="$LAB_DIR/test-initrd.cpio.gz")
case $BISECT_ARCH in
x86_64) ;;
i386)
	"$LAB_SRC/mkinitramfs-i386" "$LAB_DIR/test-initrd-i386.cpio.gz" || lab_die "mkinitramfs-i386 failed"
	ini_arches[0]=arches=x86_64,i386
	ini_arches+=(arch.i386.cmdline=console=ttyS0 arch.i386.initrd="$LAB_DIR/test-initrd-i386.cpio.gz")
	;;
*) lab_die "BISECT_ARCH=$BISECT_ARCH: x86_64 or i386" ;;
esac
# In a make check, the bisections of one history share one store and one builder
# state (tests/run's KBISECT_LAB_SHARED), as a real lab's machines share its one
# builder: a commit another test built (with the same config, initrd and command
# line) is there already, and one two tests want at once is built once (the
# builder's locks). Each test keeps its own server state (machines, defaults, boots).
# The server's own state has no builder, in a make check as standalone: a step
# without an image skips (t-bisect-more checks it; the demo's builder, which
# keeps its server's state and takes kbisect's requests over HTTP, is its own).
builder_state=$LAB_DIR/builder-state
if [ -n "${KBISECT_LAB_SHARED:-}" ]; then
	shared=$KBISECT_LAB_SHARED/$(basename "$BISECT_CACHE")
	mkdir -p "$shared/images" "$shared/builder-state" || lab_die "cannot make $shared"
	chmod 755 "$KBISECT_LAB_SHARED" "$shared" "$shared/images"
	mount --bind "$shared/images" "$LAB_IMAGES" || lab_die "cannot mount $shared/images on $LAB_IMAGES"
	builder_state=$shared/builder-state
fi
"$LAB_TOP/tests/builder/lab-ini" "$REPO" "$LAB_IMAGES" "$builder_state" "$KBISECT_LAB_LINUX/trees" \
	branch.ref="refs/heads/hist-$HISTORY" "${ini_arches[@]}" >"$BUILDER_INI" || lab_die "lab-ini failed"
KBISECT=$(lab_bin kbisect)

# machine NAME BUG: a test machine on our stage-1 whose candidates boot with
# kbisect_bug=BUG (the planted regression that shows).
machine() {
	lab_register "$1"
	lab_qemu_start "$1" "$LAB_STAGE1_KERNEL" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$1 kbisect.timeout=0 kbisect.append=\"console=ttyS0 kbisect_bug=$2\""
}
