# TAP output for shell tests (kernel-selftest style): one "ok N - what" or
# "not ok N - what" line per check; "ok N - what # SKIP why" for a skipped one.
# tests/run counts these lines.
T_N=0
T_FAILED=0

t_result() { # t_result RC DESC
	T_N=$((T_N + 1))
	# For a test that runs past its limit (tests/lab/lib.sh): the last check done.
	[ -n "${LAB_STEP_FILE:-}" ] && printf 'last check: %s - %s\n' "$T_N" "$2" >"$LAB_STEP_FILE.check"
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_check DESC CMD...: passes when CMD exits 0.
t_check() {
	local desc=$1
	shift
	"$@"
	t_result $? "$desc"
}

# t_eq DESC EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then
		t_result 0 "$1"
	else
		printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3"
		t_result 1 "$1"
	fi
}

t_skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

t_done() { [ "$T_FAILED" -eq 0 ]; }
