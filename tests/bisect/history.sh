# Sourced by the bisection tests and the demo (after lab_init): the history of
# tests/bisect/make-history (HISTORY: test, demo or disk) on the lab's
# linux-source repository (tests/lab/linux-lab, branch hist-$HISTORY), and the
# engineer's clone of it (CLONE, default linux), as REPO, TREE and commit(). The
# history's commits are deterministic, so the history and the clone are made once,
# under the lab's directory (again when make-history changes), and every build after
# the lab's first is incremental.
[ -n "${KBISECT_LAB_LINUX:-}" ] || lab_die "no lab kernel trees (lab_prepare --linux)"
# Keyed by the scripts that make it: a changed history is made again.
BISECT_CACHE=$KBISECT_LAB_LINUX/hist-$HISTORY-$(cat "$LAB_TOP/tests/bisect/make-history" \
	"$LAB_TOP/tests/builder/commit-change" <(echo "${KBISECT_VERSUS_HEADER:-}") | sha256sum | cut -c1-12)
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
git -C "$TREE" bisect reset >/dev/null 2>&1
git -C "$TREE" checkout -q -f master
# commit N: the sha of the history's N-th commit (0: linux-source itself).
commit() {
	if [ "$1" = 0 ]; then git -C "$TREE" rev-parse "master~$(wc -l <"$BISECT_CACHE/history")"; else awk -v n="$1" '$1 == n {print $2}' "$BISECT_CACHE/history"; fi
}
