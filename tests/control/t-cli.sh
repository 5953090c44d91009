#!/bin/bash
# scripts/kbisect's wrappers against the real server (the lab's Apache with our
# CGIs): what they print, their exit codes, and their errors.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
IMG_A=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
IMG_B=6.1.0-main_bbbbbbbbbbbb_20261121_x86_64
lab_store_image "$IMG_A"
lab_store_image "$IMG_B"
KB=$(lab_bin kbisect)
kb() { "$KB" "$@"; }
export KBISECT_SERVER=$LAB_URL

t_eq "list prints the machine's images, newest first" "$IMG_B $IMG_A" "$(kb list m1 | tr '\n' ' ' | sed 's/ $//')"
t_eq "set makes an image the default" "machine m1: default is $IMG_A" "$(kb set m1 "$IMG_A")"
t_eq "default prints it" "$IMG_A" "$(kb default m1)"
t_eq "once sets the next boot" "machine m1: once is $IMG_B" "$(kb once m1 "$IMG_B")"
t_check "list --json gives JSON with the once flag" bash -c "kb() { '$KB' \"\$@\"; }; kb list m1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"once\"] and d[1][\"default\"]'"
t_eq "clear --once clears it" "machine m1: once cleared" "$(kb clear m1 --once)"
curl -sS -X POST --data-binary "$IMG_A" "$LAB_URL/booted?machine=m1" >/dev/null
t_check "booted prints the boot log" bash -c "'$KB' booted m1 | grep -q ' $IMG_A 127.0.0.1$'"
# Leases (issue 16): taken, refused to another, presented with --lease, released.
token=$(kb lease m1 --owner alice --purpose "bisect drm" --seconds 600)
t_check "lease prints the lease's token" bash -c '[[ $1 =~ ^[0-9a-f]{32}$ ]]' _ "$token"
out=$(kb lease m1 2>&1)
t_check "a second lease: exit 1 and the holder's name" \
	bash -c '[ "$1" = 1 ] && [[ $2 =~ ^"kbisect: the server answered 409: machine m1 is leased by alice (bisect drm) until 20" ]]' _ $? "$out"
out=$(kb once m1 "$IMG_B" 2>&1)
t_check "once without the lease's token: exit 1 and the holder's name" \
	bash -c '[ "$1" = 1 ] && grep -q "machine m1 is leased by alice (bisect drm)" <<<"$2"' _ $? "$out"
t_eq "once --lease TOKEN goes through" "machine m1: once is $IMG_B" "$(kb once m1 "$IMG_B" --lease "$token")"
t_eq "clear --once --lease TOKEN too" "machine m1: once cleared" "$(kb clear m1 --once --lease "$token")"
t_check "lease --show prints the holder, never the token" \
	bash -c 'out=$("$1" lease m1 --show) && grep -qx "owner=alice" <<<"$out" && ! grep -q "$2" <<<"$out"' _ "$KB" "$token"
t_check "lease --renew TOKEN renews it" bash -c '"$1" lease m1 --renew "$2" --seconds 60 | grep -q "^machine m1 is leased by alice"' _ "$KB" "$token"
t_eq "lease --release TOKEN releases it" "machine m1: lease released" "$(kb lease m1 --release "$token")"
t_eq "... and the machine is free" "free" "$(kb lease m1 --show)"
out=$(kb lease m1 --seconds 0 2>&1)
t_check "lease --seconds 0: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "seconds is a number from 1 to 86400" <<<"$2"' _ $? "$out"
out=$(kb lease m1 --release 2>&1)
t_check "lease --release without a token: exit 2 and the usage" bash -c '[ "$1" = 2 ] && grep -q "usage: lease MACHINE" <<<"$2"' _ $? "$out"
out=$(kb once m1 "$IMG_B" --lease 2>&1)
t_check "once --lease without a token: exit 2" bash -c '[ "$1" = 2 ] && grep -q "lease needs the lease" <<<"$2"' _ $? "$out"
t_eq "a lease taken without --owner names the user and the host" "owner=${USER:-${LOGNAME:-kbisect}}@$(hostname)" \
	"$(t=$(kb lease m1) && kb lease m1 --show | head -n1; kb lease m1 --release "$t" >/dev/null)"

t_eq "--server overrides KBISECT_SERVER" "$IMG_A" "$(KBISECT_SERVER=http://127.0.0.1:1/x kb --server "$LAB_URL" default m1)"

out=$(kb set m1 6.1.0-main_eeeeeeeeeeee_20261122_x86_64 2>&1)
t_eq "an unknown image: exit 1 and the server's reason" "1 kbisect: the server answered 404: no image named 6.1.0-main_eeeeeeeeeeee_20261122_x86_64" "$? $out"
out=$(kb default m2 2>&1)
t_eq "no default: exit 1 and the reason" "1 kbisect: the server answered 404: machine m2 has no default" "$? $out"
out=$(kb set ../etc "$IMG_A" 2>&1)
t_check "a bad machine name: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "bad machine name" <<<"$2"' _ $? "$out"
out=$(kb --server http://127.0.0.1:9/kbisect list m1 2>&1)
t_check "the server unreachable: exit 3 and why" bash -c '[ "$1" = 3 ] && grep -q "server http://127.0.0.1:9/kbisect unreachable" <<<"$2"' _ $? "$out"
out=$(KBISECT_SERVER= kb list m1 2>&1)
t_check "no server given: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "no server" <<<"$2"' _ $? "$out"
out=$(kb frobnicate 2>&1)
t_check "an unknown command: exit 2" bash -c '[ "$1" = 2 ] && grep -q "unknown command" <<<"$2"' _ $? "$out"
out=$(kb step --machine m1 2>&1)
t_check "step without --power: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "power CMD is required" <<<"$2"' _ $? "$out"
out=$(kb step --machine m1 --power true 2>&1)
t_check "step without a verdict: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "a verdict is required" <<<"$2"' _ $? "$out"
out=$(kb run --machine m1 --power true --test true 2>&1)
t_check "run without --good/--bad: exit 2" bash -c '[ "$1" = 2 ] && grep -q "needs --good" <<<"$2"' _ $? "$out"
out=$(kb list 2>&1)
t_check "list without a machine: exit 2 and the usage" bash -c '[ "$1" = 2 ] && [ "$2" = "kbisect: usage: list MACHINE [--arch A] [--json]" ]' _ $? "$out"
out=$(kb qmp-reset "$LAB_DIR/no.qmp" 2>&1)
t_check "qmp-reset on a socket nobody listens on: exit 3 and why" bash -c '[ "$1" = 3 ] && grep -q "cannot connect to .*no.qmp" <<<"$2"' _ $? "$out"
out=$(kb run --machine m1 --power true --test true --boot-timeout soon 2>&1)
t_check "a timeout that is not seconds: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "boot-timeout is seconds" <<<"$2"' _ $? "$out"
printf '[bisect]\nmachine = m1\npowr = true\n' >"$LAB_DIR/bad.ini"
out=$(kb run --config "$LAB_DIR/bad.ini" 2>&1)
t_check "a --config file with an unknown key: exit 2 and the key" bash -c '[ "$1" = 2 ] && grep -q "bad.ini: unknown key .powr." <<<"$2"' _ $? "$out"
printf '[bisect]\nmachine = m1\n' >"$LAB_DIR/short.ini"
out=$(kb run --config "$LAB_DIR/short.ini" --power true --test true 2>&1)
t_check "a --config file and the command line together: what is still missing" bash -c '[ "$1" = 2 ] && grep -q "needs --good" <<<"$2"' _ $? "$out"
# The curl example of a `git bisect run` program, on a commit without an image.
git init -q "$LAB_DIR/repo" && git -C "$LAB_DIR/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m x
out=$(cd "$LAB_DIR/repo" && "$LAB_TOP/scripts/kbisect-curl-step" "$LAB_URL" m1 false true 2>&1)
t_check "kbisect-curl-step: a commit without an image is a skip (125)" bash -c '[ "$1" = 125 ] && grep -q "no image of" <<<"$2"' _ $? "$out"
# kbisect-reboot (its kexec path runs for real in tests/disk/t-disk-bisect.sh):
# unconfigured, and a stage-1 that cannot be loaded.
out=$(KBISECT_DEFAULTS=$LAB_DIR/none "$LAB_TOP/scripts/kbisect-reboot" 2>&1)
t_check "kbisect-reboot unconfigured: exit 2 and why, nothing rebooted" \
	bash -c '[ "$1" = 2 ] && grep -q "KBISECT_SERVER and KBISECT_KERNEL must be set" <<<"$2"' _ $? "$out"
out=$("$(lab_bin kbisect-init)" --load "$LAB_DIR/no-kernel" "" "console=ttyS0" 2>&1)
t_check "kbisect-init --load: a missing kernel is exit 1 and named" \
	bash -c '[ "$1" = 1 ] && grep -q "kbisect: load: .*no-kernel (open: ENOENT)" <<<"$2"' _ $? "$out"
t_check "--help describes the exit codes" bash -c "'$KB' --help | grep -q '125 skip'"

# kbisect-ssh-test, the --test for a machine that boots its own OS (its ssh path
# runs for real in tests/disk/t-disk-bisect.sh): bad input, an OS that never
# answers, and a panic on this boot's console.
st() { "$LAB_TOP/scripts/kbisect-ssh-test" "$@"; }
out=$(st 2>&1)
t_check "ssh-test without DEST and TEST: exit 2 and the usage" bash -c '[ "$1" = 2 ] && grep -q "usage:" <<<"$2"' _ $? "$out"
out=$(st --wait soon m1 true 2>&1)
t_check "ssh-test --wait soon: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "wait is whole seconds" <<<"$2"' _ $? "$out"
out=$(st --on-panic ignore m1 true 2>&1)
t_check "ssh-test --on-panic ignore: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "on-panic is bad or skip" <<<"$2"' _ $? "$out"
nossh="ssh -o BatchMode=yes -o ConnectTimeout=2 -p 9"
out=$(st --wait 3 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test: no ssh within --wait is a hang (124) and says so" \
	bash -c '[ "$1" = 124 ] && grep -q "root@127.0.0.1 did not answer ssh within 3s" <<<"$2"' _ $? "$out"
console=$LAB_DIR/ssh-test.console
printf 'kbisect: kexec into X\nKernel panic - not syncing: an earlier boot\n' >"$console"
offset=$(stat -c %s "$console")
out=$(KBISECT_CONSOLE=$console KBISECT_CONSOLE_OFFSET=$offset st --wait 3 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_eq "ssh-test: an earlier boot's panic (before the offset) is not this boot's" 124 "$?"
printf 'stage-1 here\nkbisect: kexec into Y\nwatchdog: BUG: soft lockup - CPU#0 stuck for 26s! [init:1]\nkbisect: kexec into Y\nLinux version 6.1\n' >>"$console"
out=$(KBISECT_CONSOLE=$console KBISECT_CONSOLE_OFFSET=$offset st --wait 3 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test: the stage-1's own BUG line (before its last kexec line) is not the candidate's" \
	bash -c '[ "$1" = 124 ] && ! grep -q "panicked" <<<"$2"' _ $? "$out"
printf 'Kernel panic - not syncing: kbisect: planted panic\n' >>"$console"
out=$(KBISECT_CONSOLE=$console KBISECT_CONSOLE_OFFSET=$offset timeout 10 "$LAB_TOP/scripts/kbisect-ssh-test" --wait 300 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test: this boot's panic is bad at once, and named" \
	bash -c '[ "$1" = 1 ] && grep -q "the candidate panicked: Kernel panic - not syncing: kbisect: planted panic" <<<"$2"' _ $? "$out"
out=$(KBISECT_CONSOLE=$console KBISECT_CONSOLE_OFFSET=$offset timeout 10 "$LAB_TOP/scripts/kbisect-ssh-test" --on-panic skip --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_eq "ssh-test --on-panic skip: this boot's panic is a skip (125)" 125 "$?"
out=$(st --silence 0 m1 true 2>&1)
t_check "ssh-test --silence 0: exit 2 and why" bash -c '[ "$1" = 2 ] && grep -q "silence is whole seconds > 0" <<<"$2"' _ $? "$out"
# --silence: a console that stays quiet is a hang long before --wait; one that
# keeps printing (a slow boot) is not, and --wait still bounds it.
quiet=$LAB_DIR/quiet.console
printf 'kbisect: kexec into Z
Linux version 6.1
' >"$quiet"
t0=$SECONDS
out=$(KBISECT_CONSOLE=$quiet timeout 60 "$LAB_TOP/scripts/kbisect-ssh-test" --wait 300 --silence 4 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test --silence 4: a silent console and no ssh is a hang (124) in seconds, not --wait's 300" \
	bash -c '[ "$1" = 124 ] && grep -qE "nothing new on the console for [4-9]s and root@127.0.0.1 does not answer ssh: a hang" <<<"$2" && [ "$3" -lt 30 ]' \
	_ $? "$out" $((SECONDS - t0))
busy=$LAB_DIR/busy.console
printf 'kbisect: kexec into Z
' >"$busy"
(for i in $(seq 20); do echo "[ OK ] started unit $i" >>"$busy"; sleep 1; done) &
writer=$!
out=$(KBISECT_CONSOLE=$busy timeout 60 "$LAB_TOP/scripts/kbisect-ssh-test" --wait 8 --silence 4 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test --silence 4: a console that keeps printing is no hang; --wait ends it (124)" \
	bash -c '[ "$1" = 124 ] && grep -q "did not answer ssh within 8s" <<<"$2" && ! grep -q "nothing new" <<<"$2"' _ $? "$out"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
# An OS that comes up after a 6 s pause in its output: a good verdict, and the
# pause is the longest silence said (a stand-in ssh answers once "up" exists).
fake_ssh=$LAB_DIR/fake-ssh
printf '#!/bin/sh\n[ -e %s/up ] || exit 255\nshift\n[ "$1" = "uname -r" ] || [ "$1" = uname ] && { echo 6.1.0-lab; exit 0; }\nexec sh -c "$*"\n' "$LAB_DIR" >"$fake_ssh"
chmod +x "$fake_ssh"
slow=$LAB_DIR/slow.console
printf 'kbisect: kexec into Z\n' >"$slow"
(echo "[ OK ] one" >>"$slow"; sleep 6; echo "[ OK ] two" >>"$slow"; sleep 1; touch "$LAB_DIR/up") &
writer=$!
out=$(KBISECT_CONSOLE=$slow timeout 60 "$LAB_TOP/scripts/kbisect-ssh-test" --wait 60 --silence 20 --ssh "$fake_ssh" root@127.0.0.1 true 2>&1)
rc=$?
wait "$writer" 2>/dev/null
t_check "ssh-test --silence 20: an OS that pauses 6 s and comes up is good (0), the pause said as the longest silence" \
	bash -c '[ "$1" = 0 ] && [[ $2 =~ longest\ silence\ until\ then:\ ([0-9]+)s ]] && [ "${BASH_REMATCH[1]}" -ge 5 ] && [ "${BASH_REMATCH[1]}" -le 12 ]' \
	_ $rc "$out"
out=$(st --wait 3 --silence 1 --ssh "$nossh" root@127.0.0.1 true 2>&1)
t_check "ssh-test --silence without a console: says so and waits for ssh only" \
	bash -c '[ "$1" = 124 ] && grep -q "no console to watch" <<<"$2" && grep -q "did not answer ssh within 3s" <<<"$2"' _ $? "$out"
t_done
