#!/bin/bash
# bench/pool.sh: rounds and time to the culprit with 1, 2 and 3 machines on one
# history (tests/bisect/make-history's test history, the planted console message
# of commit 3), the same QEMU test machines on our stage-1, the images built
# beforehand (the server's normal state), console verdicts, no culprit check
# (--no-verify: the bisection alone; the check costs a pool one more round). Prints
# a table and each pool's time as a ratio of the one machine's, measured here in the
# same run. Takes about 10 minutes on 2 cores, most of it building the 15 images.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --kernels 1 --linux x86_64
lab_enter --base 600 --builds 16 --boots 30 "$0" "$@"
lab_init
CLONE=linux-bench-pool . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
good=$(commit 0)

lab_step "building the history's images"
for n in $(seq 1 16); do
	[ "$n" = 10 ] && continue # does not build
	"$BUILDER" --config "$BUILDER_INI" build "$(commit "$n")" --arch x86_64 >>"$LAB_DIR/build.log" 2>&1 ||
		{ tail -n 30 "$LAB_DIR/build.log"; lab_die "the builder could not build commit $n"; }
done
for m in b1 b2 b3; do machine "$m" msg; done
for m in b1 b2 b3; do wait_for "$m" "^kbisect: kexec into" 180 >/dev/null || lab_die "$m did not boot"; done

# pool N: a bisection on the first N machines; "rounds boots seconds" on stdout.
pool() {
	local machines=b1 n=$1 out=$LAB_DIR/pool-$1
	[ "$n" -ge 2 ] && machines=b1,b2
	[ "$n" -ge 3 ] && machines=b1,b2,b3
	lab_step "bisecting on $n machines"
	"$KBISECT" --server "$LAB_URL" run --machine "$machines" --good "$good" --bad master --no-verify \
		--power "$KBISECT qmp-reset $LAB_DIR/%m.qmp" --console "$LAB_OUT/%m.console" --boot-timeout 60 \
		--pass "kbisect-test: PASS" --fail "kbisect: regression" --log "$LAB_OUT/pool-$n.log" \
		>"$out.out" 2>"$out.err" || { cat "$out.out" "$out.err" >&2; lab_die "the bisection on $n machines failed"; }
	grep -q "^first bad commit: $(commit 3) " "$out.out" || lab_die "the bisection on $n machines named another commit"
	local boots seconds rounds
	boots=$(grep -cE '^[0-9]+ +(b[123] +)?[0-9a-f]{12} ' "$out.out")
	seconds=$(sed -n 's/.*total \([0-9.]*\) s$/\1/p' "$out.out")
	rounds=$(grep -c "kbisect: \(round\|step\) [0-9]*: " "$out.err")
	echo "$rounds $boots $seconds"
}
declare -A R B S
for n in 1 2 3; do
	pool "$n" >"$LAB_DIR/figures-$n" || exit 1
	read -r R[$n] B[$n] S[$n] <"$LAB_DIR/figures-$n"
done
printf '%-9s %6s %6s %10s %12s\n' machines rounds boots seconds "time ratio"
for n in 1 2 3; do
	printf '%-9s %6s %6s %10s %11sx\n' "$n" "${R[$n]}" "${B[$n]}" "${S[$n]}" "$(echo "scale=2; ${S[$n]} / ${S[1]}" | bc)"
done
echo "(16 commits, the culprit is commit 3; a round is one boot on each machine at once: 3 machines"
echo " on 2 host cores run their QEMU boots slower than one alone, so a round costs more than a step)"
