#!/bin/bash
# kbisect run end to end: a real kernel history (tests/bisect/make-history) built
# by kbisect-builder on demand, a QEMU test machine on our stage-1 power-cycled
# over QMP, and the planted commit found for each kind of regression.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_prepare --kernels 1 --linux x86_64
lab_enter --builds 16 --boots 40 "$0" "$@"
lab_init
. "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
good=$(commit 0)

# The tip image, so that each machine boots once and the server knows it.
"$BUILDER" --config "$BUILDER_INI" build master >"$LAB_DIR/tip-build.log" 2>&1 ||
	{ cat "$LAB_DIR/tip-build.log"; t_result 1 "the tip builds"; exit 1; }

# bisect NAME BUG [kbisect run OPTIONS...]: a machine showing BUG, booted once,
# then bisected good..master; the output in LAB_DIR/NAME.out.
bisect() {
	local m=$1 bug=$2
	shift 2
	machine "$m" "$bug"
	wait_for "$m" "^kbisect: kexec into" 120 >/dev/null || return 1
	"$KBISECT" --server "$LAB_URL" run --machine "$m" --good "$good" --bad master \
		--power "$KBISECT qmp-reset $LAB_DIR/$m.qmp" --console "$LAB_OUT/$m.console" --boot-timeout 30 \
		--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" \
		--log "$LAB_OUT/$m.log" "$@" >"$LAB_DIR/$m.out" 2>"$LAB_DIR/$m.err"
	echo $? >"$LAB_DIR/$m.rc"
	sed 's/^/# /' "$LAB_DIR/$m.out"
	lab_qemu_stop "$m"
}
culprit_is() { # culprit_is NAME N
	grep -q "^first bad commit: $(commit "$2") " "$LAB_DIR/$1.out" && [ "$(cat "$LAB_DIR/$1.rc")" = 0 ]
}
# The step table's times add up to the total, and every step's image is in the log.
table_ok() {
	local m=$1 steps sum total
	steps=$(grep -cE '^[0-9]+ +[0-9a-f]{12} ' "$LAB_DIR/$m.out")
	[ "$steps" -ge 2 ] || return 1
	sum=$(grep -E '^[0-9]+ +[0-9a-f]{12} ' "$LAB_DIR/$m.out" | awk '{s += $NF} END {printf "%.2f", s}')
	read -r s1 g total < <(sed -n 's/^steps \([0-9.]*\) s + git bisect and checkouts \([-0-9.]*\) s = total \([0-9.]*\) s$/\1 \2 \3/p' "$LAB_DIR/$m.out")
	[ "$s1" = "$sum" ] && [ "$(echo "$s1 + $g == $total" | bc)" = 1 ] && [ "$(echo "$g >= 0 && $g < $total" | bc)" = 1 ]
}

bisect hangm hang --pass "kbisect-test: PASS"
t_check "boot hang: the planted commit is found (power cycles, console verdict)" culprit_is hangm 6
t_check "boot hang: the step table adds up to the total" table_ok hangm
t_check "boot hang: hangs were seen as such" grep -q "no verdict on the console within 30s: a hang" "$LAB_OUT/hangm.log"
# images_in NAME FILE...: every image the bisection booted (at least 2) is in FILE.
booted_images() { awk '$2 != "-" {print $2}' "$LAB_OUT/$1.log.steps" 2>/dev/null; }
images_in() {
	local m=$1 i n=0
	shift
	for i in $(booted_images "$m"); do
		grep -q " $i\b\|^$i\b\| $i " "$@" || return 1
		n=$((n + 1))
	done
	[ $n -ge 2 ]
}
t_check "boot hang: the log names every image booted" images_in hangm "$LAB_OUT/hangm.log"
curl -sS "$LAB_URL/booted?machine=hangm" >"$LAB_DIR/hangm.booted"
t_check "boot hang: the machine's boot log has every step's image" images_in hangm "$LAB_DIR/hangm.booted"
t_check "boot hang: the repository's bisect state is reset afterwards" bash -c "! git bisect log >/dev/null 2>&1"

bisect msgm msg --pass "kbisect-test: PASS" --fail "kbisect: regression" --verify
t_check "console failure: the planted commit is found" culprit_is msgm 3
t_check "console failure: --verify confirms it" grep -q "^verified: yes" "$LAB_DIR/msgm.out"

bisect testm test --test "$LAB_TOP/tests/bisect/console-test $LAB_OUT/testm.console"
t_check "--test failure: the planted commit is found" culprit_is testm 9

bisect latem late --pass "kbisect-test: PASS" --fail "kbisect: regression"
t_check "a commit that does not build is skipped and the culprit still found" culprit_is latem 12
t_check "the commit that does not build was skipped" grep -qE "^[0-9]+ +$(commit 10 | cut -c1-12) +- .* skip" "$LAB_DIR/latem.out"

bisect flakym flaky --repeat 3 --test "$LAB_TOP/tests/bisect/console-test $LAB_OUT/flakym.console 3"
t_check "a flaky test with --repeat 3: the planted commit is found" culprit_is flakym 13

# --- bad input: clear messages, documented exit codes, bisect state reset ------------
run() { "$KBISECT" --server "${SERVER:-$LAB_URL}" run --machine "${M:-hangm}" --good "${G:-$good}" --bad "${BAD:-master}" \
	--power "${POWER:-true}" --console "$LAB_OUT/hangm.console" --pass PASS --boot-timeout 5 "$@" 2>&1; }
out=$(M=nosuchmachine run)
t_check "an unknown machine: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "machine nosuchmachine has never reported a boot" <<<"$2"' _ $? "$out"
out=$(SERVER=http://127.0.0.1:9/kbisect run)
t_check "the server down: exit 3 and why" bash -c '[ "$1" = 3 ] && grep -q "unreachable" <<<"$2"' _ $? "$out"
out=$(G=master BAD=$good run)
t_check "good not an ancestor of bad: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "is not an ancestor of the bad one" <<<"$2"' _ $? "$out"
git checkout -q "$(commit 10)"
out=$("$KBISECT" --server "$LAB_URL" step --machine hangm --power true --console "$LAB_OUT/hangm.console" --pass PASS 2>&1)
t_check "no image and no builder: step exits 125 (skip) and says why" \
	bash -c '[ "$1" = 125 ] && grep -q "no image of .* and no --build or --request-dir: skipped" <<<"$2"' _ $? "$out"
git checkout -q master
out=$(POWER=false run)
t_check "a broken power command aborts (128) and says so" bash -c '[ "$1" = 128 ] && grep -q "did not end" <<<"$2"' _ $? "$out"
t_check "after the abort the repository's bisect state is reset" bash -c "! git bisect log >/dev/null 2>&1 && [ \"\$(git rev-parse HEAD)\" = \"\$(git rev-parse master)\" ]"
t_done
