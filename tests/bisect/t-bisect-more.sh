#!/bin/bash
# kbisect run end to end, continued (beside t-bisect, on the same history and
# kernel trees): a commit that does not build is skipped, a regression that the
# kernel shows one boot in three is found with its runs counted, and bad input
# gets a clear message, its exit code and a clean repository; a --reboot that
# hangs gives way to the power command.
# needs: --kernels 1 --linux x86_64
# budget: --builds 16 --boots 22
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
CLONE=linux-more . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
. "$LAB_TOP/tests/bisect/checks.sh"

bisect latem late --pass "kbisect-test: PASS" --fail "kbisect: regression"
t_check "a commit that does not build is skipped and the culprit still found" culprit_is latem 12
t_check "the commit that does not build was skipped" grep -qE "^[0-9]+ +$(commit 10 | cut -c1-12) +- .* skip" "$LAB_DIR/latem.out"

# The kernel from commit 13 on fails one boot in three by itself (a count it
# keeps in the machine's CMOS): three runs a commit catch it, a fourth counts it.
# From commit 11 (the range's first half would add runs of good commits, ~6
# boots, and no case).
GOOD=$(commit 11) bisect flakym every3 --runs 3 --max-runs 4 --pass "kbisect-test: PASS" --fail "kbisect: regression"
t_check "a regression the kernel shows one boot in three: the planted commit is found" culprit_is flakym 13
t_check "the kernel itself failed on every third boot" grep -aq "kbisect: regression every3 (boot 3)" "$LAB_OUT/flakym.console"
t_check "the culprit's counts are shown, flaky" grep -qE "^runs: $(commit 13 | cut -c1-12) [1-3] pass, [1-3] fail \(flaky\)$" "$LAB_DIR/flakym.out"
t_check "its parent passed 4 runs (once the regression showed flaky, good needs --max-runs passes)" \
	grep -qE "^runs: $(commit 12 | cut -c1-12) 4 pass$" "$LAB_DIR/flakym.out"
t_check "the end says how sure the answer is" grep -q "^sure: the regression is intermittent: it showed in .* confidence" "$LAB_DIR/flakym.out"

# --- bad input: clear messages, documented exit codes, bisect state reset ------------
run() { "$KBISECT" --server "${SERVER:-$LAB_URL}" run --machine "${M:-flakym}" --good "${G:-$good}" --bad "${BAD:-master}" \
	--power "${POWER:-true}" --console "$LAB_OUT/flakym.console" --pass PASS --boot-timeout 5 "$@" 2>&1; }
out=$(M=nosuchmachine run)
t_check "an unknown machine: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "machine nosuchmachine has never reported a boot" <<<"$2"' _ $? "$out"
out=$(SERVER=http://127.0.0.1:9/kbisect run)
t_check "the server down: exit 3 and why" bash -c '[ "$1" = 3 ] && grep -q "unreachable" <<<"$2"' _ $? "$out"
out=$(G=master BAD=$good run)
t_check "good not an ancestor of bad: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "is not an ancestor of the bad one" <<<"$2"' _ $? "$out"
git checkout -q "$(commit 10)"
out=$("$KBISECT" --server "$LAB_URL" step --machine flakym --power true --console "$LAB_OUT/flakym.console" --pass PASS 2>&1)
t_check "no image and no builder: step exits 125 (skip) and says why" \
	bash -c '[ "$1" = 125 ] && grep -q "no image of .* on the server, which has no builder" <<<"$2"' _ $? "$out"
git checkout -q master
out=$(POWER=false run)
t_check "a broken power command aborts (128) and says so" bash -c '[ "$1" = 128 ] && grep -q "did not end" <<<"$2"' _ $? "$out"
t_check "after the abort the repository's bisect state is reset" bash -c "! git bisect log >/dev/null 2>&1 && [ \"\$(git rev-parse HEAD)\" = \"\$(git rev-parse master)\" ]"

# A reboot command that hangs (the machine's OS up, as an engineer leaves it, and
# its --reboot never returns) gives way to the power command at its timeout.
machine rebm none
wait_for rebm "^kbisect: kexec into" 120 >/dev/null || lab_die "rebm did not boot"
git checkout -q "$(commit 12)"
"$KBISECT" --server "$LAB_URL" step --machine rebm --power "qmp:$LAB_DIR/rebm.qmp" --console "$LAB_OUT/rebm.console" \
	--reboot "sleep 600" --reboot-timeout 5 --pass "kbisect-test: PASS" --fail "kbisect: regression" --boot-timeout 90 \
	--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" >"$LAB_DIR/rebm.out" 2>&1
rc=$?
git checkout -q master
t_check "a reboot command that hangs: after its 5 s, a power cycle, and the verdict (good)" \
	bash -c '[ "$1" = 0 ] && grep -q "the reboot command failed (.sleep 600.: it did not finish in 5 s): power-cycling" "$2"' \
	_ "$rc" "$LAB_DIR/rebm.out"
lab_qemu_stop rebm
t_done
