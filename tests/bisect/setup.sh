# Shared by the bisection tests and the demo (source after lab_init): the server,
# the 16-commit history of tests/bisect/make-history on the lab's linux-source
# repository (tests/lab/linux-lab, branch hist-$HISTORY), the builder for it on the
# lab's shared work trees, and the engineer's clone (CLONE, default linux). The
# history's commits are deterministic, so the history and the clone are made once,
# under the lab's directory, and every build after the lab's first is incremental.
: "${HISTORY:=test}"
lab_stage1
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
[ -n "${KBISECT_LAB_LINUX:-}" ] || lab_die "no lab kernel trees (lab_prepare --linux)"
BISECT_CACHE=$KBISECT_LAB_LINUX/hist-$HISTORY
REPO=$KBISECT_LAB_LINUX/linux.git
# The engineer's clone: one per test file (CLONE), as tests run side by side and
# git bisect keeps its state in the clone; made once, like the history.
TREE=$BISECT_CACHE/${CLONE:-linux}
mkdir -p "$BISECT_CACHE"
(
	flock 7
	if [ ! -f "$BISECT_CACHE/history.complete" ]; then
		lab_step "making the $HISTORY history"
		git --git-dir="$REPO" update-ref "refs/heads/hist-$HISTORY" refs/heads/master
		"$LAB_TOP/tests/bisect/make-history" "$REPO" "$HISTORY" "hist-$HISTORY" >"$BISECT_CACHE/history"
		touch "$BISECT_CACHE/history.complete"
	fi
) 7>"$BISECT_CACHE/.lock" || lab_die "the $HISTORY history could not be made"
# Held while this test lives: another make check on this machine (another clone)
# waits for the clone instead of moving its bisection under it.
exec 6>"$TREE.lock"
flock -w 3600 6 || lab_die "$TREE is in use by another run for an hour"
if [ ! -f "$TREE.complete" ]; then
	lab_step "making the engineer's clone $TREE"
	rm -rf "$TREE"
	git clone -q -b "hist-$HISTORY" "$REPO" "$TREE"
	git -C "$TREE" branch -m "hist-$HISTORY" master
	touch "$TREE.complete"
fi
git -C "$TREE" bisect reset -q >/dev/null 2>&1
git -C "$TREE" checkout -q -f master
# commit N: the sha of the history's N-th commit (0: linux-source itself).
commit() {
	if [ "$1" = 0 ]; then git -C "$TREE" rev-parse master~16; else awk -v n="$1" '$1 == n {print $2}' "$BISECT_CACHE/history"; fi
}
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/test-initrd.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_TOP/tests/bisect/candidate-init.sh"
BUILDER=$(lab_bin kbisect-builder)
BUILDER_INI=$LAB_DIR/builder.ini
"$LAB_TOP/tests/builder/lab-ini" "$REPO" "$LAB_IMAGES" "$LAB_STATE" "$KBISECT_LAB_LINUX/trees" \
	branch.ref="refs/heads/hist-$HISTORY" arch.x86_64.cmdline=console=ttyS0 \
	arch.x86_64.initrd="$LAB_DIR/test-initrd.cpio.gz" >"$BUILDER_INI" || lab_die "lab-ini failed"
KBISECT=$LAB_TOP/scripts/kbisect

# machine NAME BUG: a test machine on our stage-1 whose candidates boot with
# kbisect_bug=BUG (the planted regression that shows).
machine() {
	lab_qemu_start "$1" "$LAB_VMLINUZ" "$LAB_DIR/stage1.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$1 kbisect.timeout=0 kbisect.append=\"console=ttyS0 kbisect_bug=$2\""
}
