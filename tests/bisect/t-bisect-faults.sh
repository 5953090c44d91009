#!/bin/bash
# kbisect run under faults and with ktest.pl's bisect options, on the history of
# t-bisect (tests/bisect/make-history): a bisection of the build (--build-bisect)
# and of its fix (--reverse), SIGTERM in the middle of a run then --resume, and the
# server stopped in the middle of a run. Each run must leave the engineer's clone
# where it was.
# needs: --kernels 1 --linux x86_64
# budget: --builds 16 --boots 12
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
CLONE=linux-faults . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
. "$LAB_TOP/tests/bisect/checks.sh"
build_cmd="$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64"
at_master() { [ "$(git symbolic-ref -q --short HEAD)" = master ] && [ -z "$(git status --porcelain --untracked-files=no)" ]; }

# --- the build: the commit that breaks it, and the one that fixes it ----------------
# The first bisection is described in a --config file, as one to re-run would be.
cat >"$LAB_DIR/build.ini" <<EOF
[bisect]
server = $LAB_URL
machine = buildm
good = $good
bad = $(commit 10)
build-bisect = true
check-ends = yes
build = $build_cmd
EOF
"$KBISECT" run --config "$LAB_DIR/build.ini" --log "$LAB_OUT/build.log" >"$LAB_DIR/build.out" 2>"$LAB_DIR/build.err"
rc=$?
sed 's/^/# /' "$LAB_DIR/build.out"
t_eq "--build-bisect (from a --config file) names the commit that breaks the build (10)" \
	"0 first bad commit: $(commit 10) init: a commit that does not build" "$rc $(grep '^first bad commit: ' "$LAB_DIR/build.out")"
t_check "--build-bisect --check-ends: the bad end was built and failed, the good end built" \
	bash -c 'grep -q "check: $2 is bad (1 fail: the build failed (exit 1))" "$1" && grep -q "check: $3 is good (1 pass: it builds" "$1"' \
	_ "$LAB_DIR/build.err" "$(commit 10 | cut -c1-12)" "$(commit 0 | cut -c1-12)"
t_check "--build-bisect boots nothing" bash -c '! grep -q "booted" "$1"' _ "$LAB_DIR/build.err"
t_check "after --build-bisect the clone is back on master" at_master

"$KBISECT" --server "$LAB_URL" run --machine buildm --reverse --bad "$(commit 10)" --good master --build-bisect \
	--build "$build_cmd" --log "$LAB_OUT/fix.log" >"$LAB_DIR/fix.out" 2>"$LAB_DIR/fix.err"
rc=$?
sed 's/^/# /' "$LAB_DIR/fix.out"
t_eq "--reverse finds the commit that fixes the build (11)" \
	"0 first good commit: $(commit 11) init: build again" "$rc $(grep '^first good commit: ' "$LAB_DIR/fix.out")"

# --- SIGTERM in the middle of a run, then --resume -------------------------------------
# run_bg NAME LOG [OPTIONS]: kbisect run on machine NAME (console verdict) in the
# background; its pid in RUN_PID. POWER replaces the power command.
run_bg() {
	local m=$1 log=$2
	shift 2
	"$KBISECT" --server "$LAB_URL" run --machine "$m" --good "$good" --bad master \
		--power "${POWER:-$KBISECT qmp-reset $LAB_DIR/$m.qmp}" --console "$LAB_OUT/$m.console" --boot-timeout 45 \
		--pass "kbisect-test: PASS" --fail "kbisect: regression" --build "$build_cmd" --log "$log" "$@" \
		>"$log.out" 2>"$log.err" &
	RUN_PID=$!
}
# wait_file FILE REGEX SECONDS: until FILE has a line matching REGEX.
wait_file() {
	local deadline=$((SECONDS + $3))
	until grep -qE -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { lab_log "no '$2' in $1 after $3 s"; tail -5 "$1" >&2; return 1; }
		sleep 0.5
	done
}
machine sigm msg
wait_for sigm "^kbisect: kexec into" 120 >/dev/null || lab_die "sigm did not boot"
first=$LAB_OUT/sigm-1.log
# The run's second power cycle says it has begun and takes a minute: the signal
# comes while the machine's once is set and not yet booted.
cat >"$LAB_DIR/slow-power" <<EOF
#!/bin/bash
n=\$((\$(cat "$LAB_DIR/power-count" 2>/dev/null || echo 0) + 1))
echo \$n >"$LAB_DIR/power-count"
[ \$n = 2 ] && { touch "$LAB_DIR/powering"; sleep 60; }
exec "$KBISECT" qmp-reset "$LAB_DIR/sigm.qmp"
EOF
chmod +x "$LAB_DIR/slow-power"
POWER=$LAB_DIR/slow-power run_bg sigm "$first"
lab_step "waiting for the second power cycle of sigm's run"
for _ in $(seq 1200); do [ -e "$LAB_DIR/powering" ] && break; sleep 0.5; done
curl -sSf "$LAB_URL/list?machine=sigm&format=tsv" >"$LAB_DIR/sigm.before"
t_check "SIGTERM mid-run: the signal comes while the machine's once is set" \
	bash -c '[ -e "$1" ] && cut -f6 "$2" | grep -qx once' _ "$LAB_DIR/powering" "$LAB_DIR/sigm.before"
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
sed 's/^/# /' "$first.out"
t_eq "SIGTERM mid-run: exit 128" 128 "$rc"
t_check "SIGTERM mid-run: it says it was stopped and how to go on" \
	bash -c 'grep -q "did not end (stopped by SIGTERM)" "$1" && grep -q -- "--resume $2" "$1"' _ "$first.err" "$first"
t_check "SIGTERM mid-run: the clone is back on master" at_master
t_check "SIGTERM mid-run: the power command's group was ended (no second qmp-reset)" \
	bash -c 'sleep 2; [ "$(cat "$1")" = 2 ] && ! pgrep -f "^sleep 60$" >/dev/null' _ "$LAB_DIR/power-count"
t_check "SIGTERM mid-run: the machine's once is cleared" \
	bash -c 'curl -sSf "$1/list?machine=sigm&format=tsv" >"$2" && ! cut -f6 "$2" | grep -qx once' _ "$LAB_URL" "$LAB_DIR/sigm.list"
decided=$(sed -n 's/^ran \([0-9a-f]*\) .*/\1/p' "$first")
second=$LAB_OUT/sigm-2.log
run_bg sigm "$second" --resume "$first"
wait "$RUN_PID"
rc=$?
sed 's/^/# /' "$second.out"
t_eq "--resume finishes the bisection: the planted commit (3)" \
	"0 first bad commit: $(commit 3) init: regression msg" "$rc $(grep '^first bad commit: ' "$second.out")"
t_check "--resume tests none of the commits the stopped run decided" \
	bash -c 'for c in $1; do grep -q "^$c " "$2" && exit 1; done; [ -n "$1" ]' _ "$decided" "$second.steps"
t_check "--resume says what it replayed" grep -q "resumed: $(wc -w <<<"$decided") runs of $(wc -w <<<"$decided") commits replayed" "$second.err"
lab_qemu_stop sigm

# --- a console that is not this machine's (a wrong path, another's logger) ----------------
machine srvm msg
wait_for srvm "^kbisect: kexec into" 120 >/dev/null || lab_die "srvm did not boot"
log=$LAB_OUT/wrongcon.log
run_bg srvm "$log" --console "$LAB_OUT/sigm.console" --boot-timeout 20
wait "$RUN_PID"
rc=$?
sed 's/^/# /' "$log.out"
t_eq "a console that never shows the stage-1: exit 128, an abort" 128 "$rc"
t_check "... said as a lab fault, not a verdict, after one more boot" \
	bash -c 'grep -q "srvm: a lab fault, not a verdict: .*: tried once more" "$1" &&
		grep -q "srvm is taken out of the pool: a lab fault, not a verdict: .* never showed the stage-1.s .kbisect: kexec into. line" "$1" &&
		grep -q "did not end" "$1"' \
	_ "$log.err"
t_check "... and no commit got a verdict from it" bash -c '! grep -qE " (good|bad|skip) " "$1"' _ "$log.steps"

# --- the server stopped in the middle of a run -------------------------------------------
log=$LAB_OUT/srvm.log
run_bg srvm "$log"
wait_file "$log.err" "kbisect: srvm booted " 600
apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop >/dev/null 2>&1
lab_wait_port_closed "$LAB_HTTP_PORT" 30
wait "$RUN_PID"
rc=$?
sed 's/^/# /' "$log.out"
t_eq "the server stopped mid-run: exit 128 (an abort, never a skip)" 128 "$rc"
t_check "the server stopped mid-run: it says the server is unreachable" grep -q "did not end: .*unreachable" "$log.err"
t_check "the server stopped mid-run: no commit was skipped for it" bash -c '! grep -q " skip " "$1"' _ "$log.steps"
t_check "the server stopped mid-run: the clone is back on master" at_master
lab_qemu_stop srvm
t_done
