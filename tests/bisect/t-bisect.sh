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

# A server with a BMC (issue 38): OpenIPMI's ipmi_sim starts the machine's QEMU on
# power on and serves its serial port over Serial-over-LAN; the bisection powers
# it and reads its console only through IPMI (--power ipmi://, --console ipmi-sol),
# the console captured by kbisect itself. A SOL session someone left active (a
# killed ipmitool) is there when it starts.
lab_register msgm
lab_ipmi_sim_start msgm 9623 "$LAB_STAGE1_KERNEL" "$LAB_DIR/stage1.cpio.gz" \
	"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=msgm kbisect.timeout=0 kbisect.append=\"console=ttyS0 kbisect_bug=msg\""
BMC="ipmi://kbisect@127.0.0.1:9623?cipher=3"
ipmi() { "$KBISECT" power "$BMC" "$@" --power-secret "$LAB_DIR/msgm.ipmi.pass" 2>&1; }
t_eq "IPMI power status: the machine starts off" "off" "$(ipmi status)"
# Its first boot, by an admin with ipmitool (the server takes a machine's reports
# once it has booted), then off again: the run starts with the machine off.
lab_ipmitool msgm chassis power on >/dev/null
t_check "ipmitool power on: the BMC starts the machine, its stage-1 boots" wait_for msgm "^kbisect: kexec into" 120
lab_ipmitool msgm chassis power off >/dev/null
sleep 60 | ipmitool -I lanplus -C 3 -H 127.0.0.1 -p 9623 -U kbisect -f "$LAB_DIR/msgm.ipmi.pass" sol activate >/dev/null 2>&1 &
stale=$!
disown
sleep 3
kill -9 "$stale" 2>/dev/null
t_check "a SOL session left active is refused to another client" \
	bash -c 'out=$(sleep 5 | ipmitool -I lanplus -C 3 -N 1 -R 2 -H 127.0.0.1 -p 9623 -U kbisect -f "$1" sol activate 2>&1)
		grep -q "SOL payload already active on another session" <<<"$out"' _ "$LAB_DIR/msgm.ipmi.pass"
"$KBISECT" --server "$LAB_URL" run --machine msgm --good "$good" --bad master \
	--power "$BMC" --power-secret "$LAB_DIR/msgm.ipmi.pass" --console ipmi-sol --boot-timeout 90 \
	--pass "kbisect-test: PASS" --fail "kbisect: regression" --verify --power-off-at-end \
	--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" \
	--log "$LAB_OUT/msgm.log" >"$LAB_DIR/msgm.out" 2>"$LAB_DIR/msgm.err"
echo $? >"$LAB_DIR/msgm.rc"
sed 's/^/# /' "$LAB_DIR/msgm.out"
t_check "IPMI only: the planted commit is found (the machine started off: only the BMC powered it)" culprit_is msgm 3
t_check "IPMI only: --verify confirms it" grep -q "^verified: yes" "$LAB_DIR/msgm.out"
t_check "IPMI only: judged from the SOL console kbisect captured beside its log" \
	bash -c '[ "$(grep -ac "^kbisect: kexec into " "$1")" -ge 4 ] && grep -aq "kbisect: regression" "$1"' \
	_ "$LAB_OUT/msgm.log.msgm.console"
t_check "IPMI only: the run powered the machine off at its end, and the BMC says it is off" \
	bash -c 'grep -q "^kbisect: machine msgm: powered off$" "$1" && [ "$2" = off ]' _ "$LAB_DIR/msgm.err" "$(ipmi status)"
t_check "IPMI power with a wrong password: exit 3 and the BMC's refusal" \
	bash -c 'printf "wrong\n" >"$1" && chmod 600 "$1" && out=$("$2" power "$3" status --power-secret "$1" 2>&1)
		[ $? = 3 ] && grep -q "IPMI kbisect@127.0.0.1:9623: chassis power status: .*Unable to establish IPMI v2 / RMCP+ session" <<<"$out"' \
	_ "$LAB_DIR/wrong.pass" "$KBISECT" "$BMC"
lab_ipmi_sim_stop msgm
t_check "IPMI power of a BMC that is down: exit 3 and why, within the power timeout" \
	bash -c 'out=$(timeout 60 "$1" power "$2" status --power-secret "$3" 2>&1)
		[ $? = 3 ] && grep -q "IPMI kbisect@127.0.0.1:9623: chassis power status: " <<<"$out"' \
	_ "$KBISECT" "$BMC" "$LAB_DIR/msgm.ipmi.pass"

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
