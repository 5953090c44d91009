#!/bin/bash
# kbisect run on a pool of three QEMU machines (issue 16), on the history of
# t-bisect: each round tests three commits at once, so the 16 commits take two
# rounds, and the culprit is checked on two machines; a machine killed between
# rounds is taken out of the pool and the bisection still ends right; bad pools
# are refused. The first run is a real lab's (issue 38): the machines come from
# a lab file (--lab, --pool), p1 powered through pdudaemon with its console
# served by ser2net, p2 through a Redfish BMC over https, p3 through QMP with a
# console file; they are powered off at the end, and kbisect machines shows it.
# needs: --kernels 1 --linux x86_64
# budget: --builds 10 --boots 34
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
CLONE=linux-pool . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
. "$LAB_TOP/tests/bisect/checks.sh"
POOL=(p1 p2 p3)

# pool_run NAME [OPTIONS]: kbisect run on the pool (machines showing the msg
# regression, commit 3), output in LAB_DIR/NAME.{out,err}, log in LAB_OUT/NAME.log.
# With LAB_FILE set, the machines, their power and their consoles are its.
pool_run() {
	local name=$1
	local -a where=(--machine p1,p2,p3 --power "${POWER:-$KBISECT qmp-reset $LAB_DIR/%m.qmp}" --console "$LAB_OUT/%m.console")
	[ -n "${LAB_FILE:-}" ] && where=(--lab "$LAB_FILE" --pool pool)
	shift
	"$KBISECT" --server "$LAB_URL" run "${where[@]}" --good "$good" --bad master --boot-timeout 60 \
		--pass "kbisect-test: PASS" --fail "kbisect: regression" \
		--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" \
		--log "$LAB_OUT/$name.log" --report "$LAB_OUT/$name.html" --mail engineer@example.org \
		--sendmail "$LAB_TOP/tests/builder/sendmail-capture" "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err"
}
export MAIL_DIR=$LAB_DIR/mail
# mail_of NAME: the mail kbisect sent at the end of run NAME (the newest).
mail_of() { ls -t "$MAIL_DIR"/mail.* 2>/dev/null | head -1; }
browser() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$LAB_DIR/chromium" --window-size=1280,900 "$@" 2>>"$LAB_DIR/chromium.log"
}
for m in "${POOL[@]}"; do machine "$m" msg; done
for m in "${POOL[@]}"; do wait_for "$m" "^kbisect: kexec into" 180 >/dev/null || lab_die "$m did not boot"; done

# --- three machines of a real lab, 16 commits --------------------------------------------
lab_tls_ca "$LAB_DIR/bmc-ca" localhost
lab_redfish_start p2 8443 --tls "$LAB_DIR/bmc-ca/server.pem" "$LAB_DIR/bmc-ca/server.key"
lab_pdudaemon_start 16421 p1
lab_ser2net_start 7001 p1
cat >"$LAB_DIR/lab.ini" <<EOF
# The lab: three machines of the pool, each reached its own way.
[p1]
power = pdu://127.0.0.1:16421/lab/1
console = tcp:127.0.0.1:7001
tags = pool
description = a machine on a PDU's outlet, its serial port on ser2net
[p2]
power = redfish://kbisect@localhost:8443/redfish/v1/Systems/1
power-secret = $LAB_DIR/p2.redfish.pass
power-ca = $LAB_DIR/bmc-ca/ca.pem
console = $LAB_OUT/p2.console
tags = pool
[p3]
power = qmp:$LAB_DIR/p3.qmp
console = $LAB_OUT/p3.console
tags = pool
arch = x86_64
EOF
LAB_FILE=$LAB_DIR/lab.ini pool_run pool --power-off-at-end
rc=$?
sed 's/^/# /' "$LAB_DIR/pool.out"
t_eq "a pool of 3 names the planted commit (3)" \
	"0 first bad commit: $(commit 3) init: regression msg" "$rc $(grep '^first bad commit: ' "$LAB_DIR/pool.out")"
t_check "the 16 commits took 2 rounds of 3 boots at once" \
	bash -c 'grep -q "^rounds: 2 to bisect" "$1" && [ "$(grep -c "kbisect: round [0-9]*: " "$2")" = 2 ] &&
		grep -q "kbisect: round 1: [0-9a-f]* [a-z]* on p1, [0-9a-f]* [a-z]* on p2, [0-9a-f]* [a-z]* on p3 " "$2"' \
	_ "$LAB_DIR/pool.out" "$LAB_DIR/pool.err"
t_check "round 1 cut the range in four: commits 4, 8 and 12" \
	bash -c 'grep -q "round 1: ${1:0:12} bad on p1, ${2:0:12} bad on p2, ${3:0:12} bad on p3" "$4"' \
	_ "$(commit 4)" "$(commit 8)" "$(commit 12)" "$LAB_DIR/pool.err"
t_check "each machine booted its own images" \
	bash -c 'for m in p1 p2 p3; do grep -q "kbisect: $m booted " "$1" || exit 1; done' _ "$LAB_DIR/pool.err"
t_check "the boots of a round ran at once: the run took less than its boots one after another" \
	bash -c 'sum=$(grep -E "^[0-9]+ +p[123] +[0-9a-f]{12} " "$1" | awk "{s += \$NF} END {print s}")
		total=$(sed -n "s/^8 boots in 3 rounds on 3 machines: total \([0-9.]*\) s$/\1/p" "$1")
		[ -n "$total" ] && [ "$(echo "$sum > 1.5 * $total" | bc)" = 1 ]' _ "$LAB_DIR/pool.out"
t_check "the culprit was checked on two machines: it fails, its parent passes" \
	bash -c 'grep -q "^verified: yes" "$1" && grep -q "check: ${2:0:12} is bad (2 fail), its parent ${3:0:12} is good (2 pass)" "$4"' \
	_ "$LAB_DIR/pool.out" "$(commit 3)" "$(commit 2)" "$LAB_DIR/pool.err"
t_check "the table shows each boot's round and machine" \
	bash -c 'grep -qE "^1 +p1 +[0-9a-f]{12} " "$1" && grep -qE "^2 +p3 +[0-9a-f]{12} " "$1" && grep -q "^8 boots in 3 rounds on 3 machines: total " "$1"' \
	_ "$LAB_DIR/pool.out"
mail=$(mail_of)
t_check "the end was mailed: to, subject with the culprit, and the summary" \
	bash -c 'grep -q "^To: engineer@example.org$" "$1" && grep -q "^Subject: kbisect: p1, p2, p3: first bad commit: ${2:0:12} init: regression msg$" "$1" &&
		grep -q "^culprit: $2$" "$1" && grep -q "^author: kbisect <kbisect@localhost>$" "$1" && grep -q "^boots: 8 in 3 rounds, 8 power cycles$" "$1"' \
	_ "$mail" "$(commit 3)"
dom=$(browser --dump-dom "file://$LAB_OUT/pool.html")
t_check "the report renders in Chromium: the answer, and a row per boot" \
	bash -c 'grep -q "<h1>first bad commit: ${2:0:12} init: regression msg</h1>" <<<"$1" && [ "$(grep -o "<tr class=\"boot\">" <<<"$1" | wc -l)" = 8 ]' \
	_ "$dom" "$(commit 3)"
t_check "the report's rows hold round, machine, commit and what decided it" \
	bash -c 'grep -q "<tr class=\"boot\"><td>1</td><td>p1</td><td class=\"sha\" title=\"$2\">${2:0:12}</td>" <<<"$1" && grep -q "<td class=\"why\">kbisect: regression msg</td>" <<<"$1"' \
	_ "$dom" "$(commit 4)"
browser --screenshot="$LAB_OUT/pool.png" "file://$LAB_OUT/pool.html" >/dev/null
t_check "the report draws (a screenshot of it)" test -s "$LAB_OUT/pool.png"
t_check "p1 was switched through pdudaemon's outlet, p2 through its Redfish BMC" \
	bash -c 'grep -q "outlet 1 off" "$1" && grep -q "outlet 1 on" "$1" && grep -q "\"POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset HTTP/1.1\" 204" "$2"' \
	_ "$LAB_OUT/pdu-outlets.log" "$LAB_OUT/p2.redfish.log"
t_check "p1's console was captured through ser2net beside the log, and judged from it" \
	bash -c 'grep -q "kbisect: kexec into" "$1" && grep -q "kbisect: regression msg" "$1"' _ "$LAB_OUT/pool.log.p1.console"
t_check "at the end every machine was powered off" \
	bash -c 'for m in p1 p2 p3; do grep -q "kbisect: machine $m: powered off" "$1" || exit 1; done' _ "$LAB_DIR/pool.err"
"$KBISECT" --server "$LAB_URL" machines --lab "$LAB_DIR/lab.ini" >"$LAB_DIR/machines.out" 2>"$LAB_DIR/machines.err"
rc=$?
sed 's/^/# /' "$LAB_DIR/machines.out" "$LAB_DIR/machines.err"
t_check "kbisect machines lists the lab: the BMC's and QMP's off, the PDU's unknown, leases free, last boots" \
	bash -c '[ "$1" = 0 ] && grep -qE "^p1 +x86_64 +pool +\(cannot tell\) +free +20[0-9-]+T[0-9:]+Z [^ ]+ [0-9.]+$" "$2" &&
		grep -qE "^p2 +x86_64 +pool +off +free +20" "$2" && grep -qE "^p3 +x86_64 +pool +off +free +20" "$2"' \
	_ "$rc" "$LAB_DIR/machines.out"
# The lab's faults: each a message and an abort, never a verdict.
printf 'wrong\n' >"$LAB_DIR/wrong.pass" && chmod 600 "$LAB_DIR/wrong.pass"
out=$("$KBISECT" power redfish://kbisect@localhost:8443/redfish/v1/Systems/1 status --power-secret "$LAB_DIR/wrong.pass" \
	--power-ca "$LAB_DIR/bmc-ca/ca.pem" 2>&1; echo "rc=$?")
t_check "Redfish with a wrong password: exit 3, the BMC's 401 said" \
	bash -c 'grep -q "^rc=3$" <<<"$1" && grep -q "the BMC answered 401: wrong user or password" <<<"$1"' _ "$out"
out=$("$KBISECT" power redfish://kbisect@localhost:8443/redfish/v1/Systems/1 status --power-secret "$LAB_DIR/p2.redfish.pass" 2>&1; echo "rc=$?")
t_check "Redfish over https with a certificate the system does not trust: exit 3, curl's reason" \
	bash -c 'grep -q "^rc=3$" <<<"$1" && grep -qi "certificate" <<<"$1"' _ "$out"
"$KBISECT" --server "$LAB_URL" run --lab "$LAB_DIR/lab.ini" --machine p1 --power pdu://127.0.0.1:16421/nosuch/1 \
	--good "$(commit 2)" --bad "$(commit 3)" --verify --pass "kbisect-test: PASS" --fail "kbisect: regression" \
	--log "$LAB_OUT/pdu-refuses.log" >"$LAB_DIR/pdu-refuses.out" 2>"$LAB_DIR/pdu-refuses.err"
rc=$?
t_check "a PDU that refuses: the run stops (128) naming pdudaemon's answer, tried twice, no verdict" \
	bash -c '[ "$1" = 128 ] && grep -q "the power switch failed twice, 5 s apart: PDU nosuch port 1 (pdudaemon http://127.0.0.1:16421): reboot: pdudaemon answered 500: Invalid request" "$2" &&
		! grep -q "^ran " "$3"' _ "$rc" "$LAB_DIR/pdu-refuses.err" "$LAB_OUT/pdu-refuses.log"
# p1's console (ser2net) drops while a candidate runs and comes back: the run still
# gets its verdicts (or boots again), never a hang for the lost output.
( deadline=$((SECONDS + 300)) n=$(grep -c "kbisect: kexec into" "$LAB_OUT/p1.console")
  until [ "$(grep -c "kbisect: kexec into" "$LAB_OUT/p1.console")" -gt "$n" ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
  kill "$(cat "$LAB_DIR/ser2net.pid")"; sleep 1
  ser2net -d -u -c "$LAB_DIR/ser2net.yaml" -P "$LAB_DIR/ser2net.pid" >>"$LAB_OUT/ser2net.log" 2>&1 & ) &
dropper=$!
"$KBISECT" --server "$LAB_URL" run --lab "$LAB_DIR/lab.ini" --machine p1 --good "$(commit 2)" --bad "$(commit 3)" \
	--verify --boot-timeout 45 --pass "kbisect-test: PASS" --fail "kbisect: regression" \
	--log "$LAB_OUT/drop.log" >"$LAB_DIR/drop.out" 2>"$LAB_DIR/drop.err"
rc=$?
wait "$dropper"
sed 's/^/# /' "$LAB_DIR/drop.out"
t_check "a console that drops mid-boot and comes back: the culprit is still 3, verified, no hang" \
	bash -c '[ "$1" = 0 ] && grep -q "^first bad commit: $2 " "$3" && grep -q "^verified: yes" "$3" && ! grep -q " hang" "$4"' \
	_ "$rc" "$(commit 3)" "$LAB_DIR/drop.out" "$LAB_OUT/drop.log"
t_check "... and its capture has both boots' kexec lines, across the drop" \
	bash -c '[ "$(grep -ac "^kbisect: kexec into " "$1")" -ge 2 ]' _ "$LAB_OUT/drop.log.p1.console"
for m in "${POOL[@]}"; do
	curl -sS "$LAB_URL/booted?machine=$m" >"$LAB_DIR/$m.booted"
done
t_check "each machine's boot log has the images it booted" \
	bash -c 'for m in p1 p2 p3; do awk -v m=$m "\$7 == m && \$2 != \"-\" {print \$2}" "$1.steps" | while read -r i; do grep -q "$i" "$2/$m.booted" || exit 1; done || exit 1; done' \
	_ "$LAB_OUT/pool.log" "$LAB_DIR"

# --- a machine killed mid-bisection --------------------------------------------------------
# p2 dies right after its first power cycle (before its stage-1 reports a boot).
POWER="$KBISECT qmp-reset $LAB_DIR/%m.qmp && touch $LAB_DIR/%m.cycled" pool_run kill --report-timeout 40 &
pid=$!
deadline=$((SECONDS + 600))
until [ -e "$LAB_DIR/p2.cycled" ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
curl -sS "$LAB_URL/lease?machine=p1" >"$LAB_DIR/p1.lease"
lab_qemu_stop p2
wait "$pid"
rc=$?
sed 's/^/# /' "$LAB_DIR/kill.out"
t_eq "p2 killed in round 1: the bisection still names commit 3" \
	"0 first bad commit: $(commit 3) init: regression msg" "$rc $(grep '^first bad commit: ' "$LAB_DIR/kill.out")"
t_check "p2 was taken out of the pool, and why" \
	bash -c 'grep -q "kbisect: machine p2 is taken out of the pool: the power switch failed twice, 5 s apart: the power command" "$1" && grep -q "^taken out of the pool: p2: " "$2"' \
	_ "$LAB_DIR/kill.err" "$LAB_DIR/kill.out"
t_check "p2's one boot is an abort, not a verdict, and it was given nothing after it" \
	bash -c '[ "$(awk "\$7 == \"p2\" {print \$4}" "$1.steps")" = abort ]' _ "$LAB_OUT/kill.log"
t_check "the two machines left did the rest: rounds 2 and 3, and the check" \
	bash -c 'grep -q "kbisect: round 3: " "$1" && grep -q "^verified: yes" "$2"' _ "$LAB_DIR/kill.err" "$LAB_DIR/kill.out"

t_check "while it ran, the run held a lease on each machine" \
	bash -c 'grep -q "^owner=.*@" "$1" && grep -q "^purpose=kbisect run " "$1"' _ "$LAB_DIR/p1.lease"
t_check "at its end it released them" \
	bash -c 'for m in p1 p2 p3; do [ "$(curl -sS "$1/lease?machine=$m")" = free ] || exit 1; done' _ "$LAB_URL"

# --- a culprit that changed nothing built ---------------------------------------------------
# Commit 2 only adds a comment: its kernel's code is commit 1's (image.ini code_sha256),
# and commit 3's differs.
code_of() { curl -sS "$LAB_URL/images/$(curl -sS "$LAB_URL/list?machine=p1&format=tsv" | awk -v c="$1" '$2 == c {print $1}')/image.ini" | sed -n 's/^code_sha256 = //p'; }
c1=$(code_of "$(commit 1)") c2=$(code_of "$(commit 2)") c3=$(code_of "$(commit 3)")
t_check "a commit that changes only a comment has its parent's kernel code; a code change has another" \
	bash -c '[ ${#1} = 64 ] && [ "$1" = "$2" ] && [ ${#3} = 64 ] && [ "$2" != "$3" ]' _ "$c1" "$c2" "$c3"
# A test that fails on p1 whatever it boots (a broken machine) blames commit 2 on
# the first round; the check finds its kernel is its parent's and rejects it.
"$KBISECT" --server "$LAB_URL" run --machine p1,p3 --good "$(commit 1)" --bad "$(commit 3)" \
	--power "$KBISECT qmp-reset $LAB_DIR/%m.qmp" --test 'test %m = p3' --log "$LAB_OUT/noop.log" \
	>"$LAB_DIR/noop.out" 2>"$LAB_DIR/noop.err"
rc=$?
sed 's/^/# /' "$LAB_DIR/noop.out"
t_check "a culprit whose kernel is its parent's is rejected, and why" \
	bash -c 'grep -q "^rejected as the culprit: $2 (its kernel is its parent'"'"'s: code ${3:0:12})$" "$1" &&
		grep -q "check: ${2:0:12} and its parent ${4:0:12} have identical kernels: it cannot be the culprit" "$5"' \
	_ "$LAB_DIR/noop.out" "$(commit 2)" "$c2" "$(commit 1)" "$LAB_DIR/noop.err"
t_check "its parent is the good end, whose kernel it is: the regression is not in the range (exit 1)" \
	bash -c '[ "$1" = 1 ] && grep -q "^verified: no (it changes nothing built: its kernel is the good end.s, which the runs of the two then say is bad (1 pass, 2 fail); the first bad commit is not in this range)$" "$2"' \
	_ "$rc" "$LAB_DIR/noop.out"

# --- --revert-check: the bad end with the culprit reverted ----------------------------------
revert_run() { # revert_run NAME GOOD BAD [OPTIONS]
	local name=$1 g=$2 b=$3
	shift 3
	"$KBISECT" --server "$LAB_URL" run --machine p1,p3 --good "$g" --bad "$b" \
		--power "$KBISECT qmp-reset $LAB_DIR/%m.qmp" --console "$LAB_OUT/%m.console" --boot-timeout 60 \
		--pass "kbisect-test: PASS" --fail "kbisect: regression" \
		--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" \
		--revert-check --revert-remote "$REPO" --log "$LAB_OUT/$name.log" --report "$LAB_OUT/$name.html" "$@" \
		>"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err"
}
revert_run revert "$(commit 0)" "$(commit 3)"
rc=$?
sed 's/^/# /' "$LAB_DIR/revert.out"
ref=refs/kbisect/revert/$(commit 3 | cut -c1-12)
t_check "--revert-check: the bad end with the culprit reverted was built, booted and passes" \
	bash -c '[ "$1" = 0 ] && grep -q "^revert check: ${2:0:12} with ${2:0:12} reverted ([0-9a-f]\{12\}, $3) is good (1 pass: kbisect-test: PASS on .*): the culprit is what makes it bad$" "$4"' \
	_ "$rc" "$(commit 3)" "$ref" "$LAB_DIR/revert.out"
t_check "the revert is kbisect's commit on a ref of its own in the builder's repository, on top of the bad end" \
	bash -c '[ "$(git --git-dir="$1" rev-parse "$2^")" = "$3" ] && [ "$(git --git-dir="$1" rev-parse "$2^{tree}")" = "$(git --git-dir="$1" rev-parse "$4^{tree}")" ] &&
		git --git-dir="$1" log -1 --format=%an "$2" | grep -qx kbisect' _ "$REPO" "$ref" "$(commit 3)" "$(commit 2)"
t_check "the report has the revert check" grep -q "<th>revert check</th><td>revert check: " "$LAB_OUT/revert.html"
# Commit 4 appends next to what 3 added: the revert does not apply there, and says so.
revert_run conflict "$(commit 2)" "$(commit 4)" --no-verify
rc=$?
t_check "--revert-check where the revert conflicts: said, nothing booted for it, the culprit still stands (exit 0)" \
	bash -c '[ "$1" = 0 ] && grep -q "^revert check: ${2:0:12} with ${3:0:12} reverted: it does not revert cleanly (a conflict in init/main.c): not checked$" "$4" &&
		grep -q "^first bad commit: $3 " "$4"' _ "$rc" "$(commit 4)" "$(commit 3)" "$LAB_DIR/conflict.out"
t_check "after the revert checks the clone is back on master, clean" \
	bash -c '[ "$(git symbolic-ref -q --short HEAD)" = master ] && [ -z "$(git status --porcelain --untracked-files=no)" ]'

# --- all of the pool gone: the run stops, saying where it stood ----------------------------
lab_qemu_stop p1
lab_qemu_stop p3
pool_run gone --no-verify
rc=$?
t_eq "every machine gone: exit 128" 128 "$rc"
t_check "every machine gone: it says so, where it stood and how to go on" \
	bash -c 'grep -q "did not end: no machine is left in the pool (3 taken out)" "$1" && grep -q "where it stood: 15 commits left" "$1" && grep -q -- "--resume " "$1"' \
	_ "$LAB_DIR/gone.err"
t_check "every machine gone: the abort was mailed too, and the report written" \
	bash -c 'grep -q "^Subject: kbisect: p1, p2, p3: the bisection did not end: no machine is left in the pool" "$1" && grep -q "no machine is left" "$2"' \
	_ "$(mail_of)" "$LAB_OUT/gone.html"

# --- a machine another engineer has leased -----------------------------------------------------
token=$("$KBISECT" --server "$LAB_URL" lease p1 --owner alice --purpose "chasing a hang" --seconds 15)
one() { "$KBISECT" --server "$LAB_URL" run --machine p1 --good "$(commit 2)" --bad "$(commit 3)" --power true \
	--console /dev/null --pass P --log "$LAB_OUT/one.log" 2>&1; }
out=$(one)
rc=$?
sed 's/^/# /' <<<"$out"
t_check "a bisection on a leased machine is refused (exit 1), naming the holder" \
	bash -c '[ "$1" = 1 ] && grep -q "machine p1 is leased by alice (chasing a hang) until " <<<"$2"' _ $rc "$out"
t_check "the holder's lease is still there" bash -c 'curl -sS "$1/lease?machine=p1" | grep -q "^owner=alice$"' _ "$LAB_URL"
deadline=$((SECONDS + 40))
until [ "$(curl -sS "$LAB_URL/lease?machine=p1")" = free ] || [ $SECONDS -ge $deadline ]; do sleep 1; done
out=$(one)
t_check "once the lease has expired the bisection proceeds" \
	bash -c '[ "$1" = 0 ] && grep -q "^first bad commit: $3 " <<<"$2"' _ $? "$out" "$(commit 3)"
t_check "and its own lease is released at its end" bash -c '[ "$(curl -sS "$1/lease?machine=p1")" = free ]' _ "$LAB_URL"
[ -n "$token" ] || t_result 1 "kbisect lease printed a token"

# --- bad pools ---------------------------------------------------------------------------------
bad() { "$KBISECT" --server "$LAB_URL" run --good "$good" --bad master --power true --console /dev/null --pass P "$@" 2>&1; }
out=$(bad --machine p1,p1)
t_check "a machine twice in the pool: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "machine p1 is in the pool twice" <<<"$2"' _ $? "$out"
out=$(bad --machine "p1,,p2")
t_check "an empty name in the pool: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "bad machine name '"''"'" <<<"$2"' _ $? "$out"
out=$(bad --machine "")
t_check "an empty pool: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q -- "--machine needs a value" <<<"$2"' _ $? "$out"
out=$(bad --machine p1 --runs 0)
t_check "--runs 0: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q -- "--runs is a number from 1 to 99" <<<"$2"' _ $? "$out"
out=$(bad --machine p1,nosuch)
t_check "a machine of the pool that never booted: exit 2 and its name" \
	bash -c '[ "$1" = 2 ] && grep -q "machine nosuch has never reported a boot" <<<"$2"' _ $? "$out"
t_check "after every run the clone is back on master" \
	bash -c '[ "$(git symbolic-ref -q --short HEAD)" = master ] && [ -z "$(git status --porcelain --untracked-files=no)" ]'
t_done
