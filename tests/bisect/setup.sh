# Shared by the bisection tests and the demo (source after lab_init): the server,
# the 16-commit history of tests/bisect/make-history on linux-source, the
# builder for it, and the engineer's clone. The history's commits are
# deterministic, so the repository, the clone and the builder's work tree are
# cached under $KBISECT_CACHE/bisect-$HISTORY and later runs build incrementally.
: "${HISTORY:=test}"
lab_stage1
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
BISECT_CACHE=$KBISECT_CACHE/bisect-$HISTORY
REPO=$BISECT_CACHE/linux.git
TREE=$BISECT_CACHE/linux
if [ ! -f "$BISECT_CACHE/.complete" ]; then
	rm -rf "$BISECT_CACHE"
	mkdir -p "$BISECT_CACHE"
	git clone -q --bare --local "$("$LAB_TOP/tests/builder/linux-repo")" "$REPO"
	"$LAB_TOP/tests/bisect/make-history" "$REPO" "$HISTORY" >"$BISECT_CACHE/history"
	git clone -q "$REPO" "$TREE"
	touch "$BISECT_CACHE/.complete"
fi
git -C "$TREE" bisect reset -q >/dev/null 2>&1
git -C "$TREE" checkout -q -f master
# commit N: the sha of the history's N-th commit (0: linux-source itself).
commit() {
	if [ "$1" = 0 ]; then git -C "$TREE" rev-parse master~16; else awk -v n="$1" '$1 == n {print $2}' "$BISECT_CACHE/history"; fi
}
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/test-initrd.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_TOP/tests/bisect/candidate-init.sh"
BUILDER=$LAB_TOP/${B:-build}/kbisect-builder
[ -x "$BUILDER" ] || BUILDER=$LAB_TOP/build/kbisect-builder
BUILDER_INI=$LAB_DIR/builder.ini
cat >"$BUILDER_INI" <<INI
[builder]
repo = $REPO
images = $LAB_IMAGES
state = $LAB_STATE
work = $BISECT_CACHE/work
jobs = 2
poll = 2
[branch master]
[arch x86_64]
config = tinyconfig
fragments = $LAB_TOP/tests/builder/lab.config
cmdline = console=ttyS0
initrd = $LAB_DIR/test-initrd.cpio.gz
INI
KBISECT=$LAB_TOP/scripts/kbisect

# machine NAME BUG: a test machine on our stage-1 whose candidates boot with
# kbisect_bug=BUG (the planted regression that shows).
machine() {
	lab_qemu_start "$1" "$LAB_VMLINUZ" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$1 kbisect.timeout=0 kbisect.append=\"console=ttyS0 kbisect_bug=$2\""
}
