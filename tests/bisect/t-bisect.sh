#!/bin/bash
# kbisect run end to end: a real kernel history (tests/bisect/make-history) built
# by kbisect-builder on demand, a QEMU test machine on our stage-1 power-cycled
# over QMP, and the planted commit found for a hang, a console message and a
# --test verdict. (t-bisect-more: skips, flaky tests and bad input.)
# needs: --kernels 1 --linux x86_64
# budget: --builds 16 --boots 20
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
CLONE=linux . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
. "$LAB_TOP/tests/bisect/checks.sh"

BOOT_TIMEOUT=45 bisect hangm hang --pass "kbisect-test: PASS"
t_check "boot hang: the planted commit is found (power cycles, console verdict)" culprit_is hangm 6
t_check "boot hang: the step table adds up to the total" table_ok hangm
t_check "boot hang: hangs were seen as such" grep -q "no verdict on the console within 45 s: a hang" "$LAB_OUT/hangm.log"
t_check "boot hang: the log names every image booted" images_in hangm "$LAB_OUT/hangm.log"
curl -sS "$LAB_URL/booted?machine=hangm" >"$LAB_DIR/hangm.booted"
t_check "boot hang: the machine's boot log has every step's image" images_in hangm "$LAB_DIR/hangm.booted"
t_check "boot hang: the repository's bisect state is reset afterwards" bash -c "! git bisect log >/dev/null 2>&1"

# The console kbisect captures itself (--console command:CMD): QEMU's serial port
# read by socat, as a SOL client's or a console server's output would be.
bisect msgm msg --pass "kbisect-test: PASS" --fail "kbisect: regression" --verify \
	--console "command:socat -u UNIX-CONNECT:$LAB_DIR/msgm.serial -"
t_check "console failure: the planted commit is found" culprit_is msgm 3
t_check "console failure: --verify confirms it" grep -q "^verified: yes" "$LAB_DIR/msgm.out"
t_check "console failure: judged from the console kbisect captured beside its log" \
	bash -c '[ "$(grep -ac "^kbisect: kexec into " "$1")" -ge 4 ] && grep -aq "kbisect: regression" "$1"' \
	_ "$LAB_OUT/msgm.log.msgm.console"

# kbisect's QMP power backend (--power qmp:SOCKET, what bisect() above drives) on
# the last machine, verb by verb, as an admin checks a switch before a run.
machine powm test
wait_for powm "^kbisect: kexec into" 120 >/dev/null
pw() { "$KBISECT" power "qmp:$LAB_DIR/powm.qmp" "$@" 2>&1; }
t_eq "power status: a running machine is on" "on" "$(pw status)"
pw off >/dev/null
size=$(stat -c %s "$LAB_OUT/powm.console")
sleep 3
t_eq "power off: the machine is off and its console says nothing more" "off $size" \
	"$(pw status) $(stat -c %s "$LAB_OUT/powm.console")"
pw on >/dev/null
t_check "power on: the machine boots its stage-1 again" wait_for powm "^kbisect: kexec into" 120 2
t_eq "power with a verb it does not know: a usage error" "2" "$(pw reboot >/dev/null; echo $?)"
t_check "power through a command: status is refused (exit 2), saying why" \
	bash -c 'out=$("$1" power true status 2>&1); [ $? = 2 ] && grep -q "the power command .true. cannot tell the power state" <<<"$out"' \
	_ "$KBISECT"
lab_qemu_stop powm

bisect testm test --test "$LAB_TOP/tests/bisect/console-test $LAB_OUT/testm.console"
t_check "--test failure: the planted commit is found" culprit_is testm 9
t_done
