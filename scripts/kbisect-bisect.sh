# kbisect-bisect.sh: `kbisect step` and `kbisect run`, sourced by scripts/kbisect
# (its HTTP helpers, say, die and KBISECT_SELF, the program's path, come from
# there). One boot of a commit's image and its verdict (step, a `git bisect run`
# program), and a whole bisection (run).

# --- step ---------------------------------------------------------------------------
# Step options, shared with run (which passes them on).
MACHINE= ARCH=x86_64 POWER= TEST= CONSOLE= PASS_RE= FAIL_RE= ON_HANG=bad BUILD= REQUEST_DIR=
BOOT_TIMEOUT=300 REPORT_TIMEOUT=300 TEST_TIMEOUT=600 BUILD_TIMEOUT=1800 LOG=
PANIC_RE='Kernel panic|Oops:|BUG:|Call Trace:|general protection fault'

# parse_step_option "$@": consumes one option (and its value); sets SHIFT.
parse_step_option() {
	SHIFT=2
	case $1 in
	--machine) MACHINE=$2 ;;
	--arch) ARCH=$2 ;;
	--power) POWER=$2 ;;
	--test) TEST=$2 ;;
	--console) CONSOLE=$2 ;;
	--pass) PASS_RE=$2 ;;
	--fail) FAIL_RE=$2 ;;
	--on-hang) ON_HANG=$2 ;;
	--build) BUILD=$2 ;;
	--request-dir) REQUEST_DIR=$2 ;;
	--boot-timeout) BOOT_TIMEOUT=$2 ;;
	--report-timeout) REPORT_TIMEOUT=$2 ;;
	--test-timeout) TEST_TIMEOUT=$2 ;;
	--build-timeout) BUILD_TIMEOUT=$2 ;;
	--log) LOG=$2 ;;
	*) return 1 ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
}

check_step_options() {
	[ -n "$MACHINE" ] || die "--machine M is required"
	check_machine "$MACHINE"
	[ -n "$POWER" ] || die "--power CMD is required (how to power-cycle the machine)"
	[ -n "$TEST" ] || [ -n "$CONSOLE" ] || die "a verdict is required: --test CMD, or --console FILE with --pass/--fail"
	[ -z "$CONSOLE" ] || [ -n "$TEST" ] || [ -n "$PASS_RE$FAIL_RE" ] ||
		die "--console needs --pass REGEX and/or --fail REGEX (or --test CMD to judge)"
	case $ON_HANG in bad | skip) ;; *) die "--on-hang is bad or skip" ;; esac
	local n
	for n in "$BOOT_TIMEOUT" "$REPORT_TIMEOUT" "$TEST_TIMEOUT" "$BUILD_TIMEOUT"; do
		[[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || die "timeouts are whole seconds > 0, not '$n'"
	done
}

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc | sed 's/^\./0./; s/\(\.[0-9][0-9]\)[0-9]*$/\1/'; }

# image_for SHA: the machine's image of the commit, from the list's tab-separated
# form (name, commit, branch, arch, built, role).
image_for() {
	http GET "list?machine=$MACHINE&arch=$(urlencode "$ARCH")&format=tsv" || return $?
	awk -F'\t' -v sha="$1" '$2 == sha {print $1; exit}' <<<"$HTTP_BODY"
}

# newest_boot: the newest line of the machine's boot log ("" when none).
newest_boot() { http GET "booted?machine=$MACHINE&limit=1" && printf '%s' "$HTTP_BODY"; }

step_log() { [ -n "$LOG" ] && printf '%s\n' "$*" >>"$LOG"; return 0; }

# candidate_console OFFSET: the console since OFFSET, from after stage-1's last
# "kbisect: kexec into" line when it is there (the candidate's own output).
candidate_console() {
	tail -c +"$(($1 + 1))" "$CONSOLE" 2>/dev/null | awk '/kbisect: kexec into / {buf = ""; next} {buf = buf $0 "\n"} END {printf "%s", buf}'
}

# One boot of IMAGE and its verdict. Prints "VERDICT BOOT_SECONDS" where VERDICT is
# good, bad, skip or abort (with the reason said).
boot_and_judge() {
	local image=$1 before t0 line booted_at offset=0 attempt
	for attempt in 1 2; do
		before=$(newest_boot) || { say "cannot read the boot log"; echo "abort 0"; return; }
		http PUT "default?machine=$MACHINE&once=1" "$image" >/dev/null || {
			say "cannot set the next boot of $MACHINE to $image ($HTTP_CODE)"
			echo "abort 0"
			return
		}
		# The console from here on is this boot's: stage-1, then the candidate.
		[ -n "$CONSOLE" ] && offset=$(stat -c %s "$CONSOLE" 2>/dev/null || echo 0)
		t0=$(now)
		if ! bash -c "$POWER" >&2; then
			say "the power command failed: $POWER"
			echo "abort 0"
			return
		fi
		# Wait for stage-1's report of what it is about to kexec. The stage-1 is
		# the known-good part: its time is the firmware's and the machine's
		# (--report-timeout), not the candidate's (--boot-timeout, a hang).
		line=
		local deadline=$((SECONDS + REPORT_TIMEOUT))
		while [ $SECONDS -lt $deadline ]; do
			line=$(newest_boot) || line=
			[ -n "$line" ] && [ "$line" != "$before" ] && break
			line=
			sleep 0.5
		done
		if [ -z "$line" ]; then
			say "no boot report from $MACHINE within ${REPORT_TIMEOUT}s of the power cycle (is its stage-1 running?)"
			[ $attempt = 2 ] && { echo "abort 0"; return; }
			continue
		fi
		local got
		got=$(awk '{print $2}' <<<"$line")
		if [ "$got" != "$image" ]; then
			say "$MACHINE booted $got, not $image: no verdict for it"
			[ $attempt = 2 ] && { echo "abort 0"; return; }
			continue
		fi
		booted_at=$(elapsed "$t0")
		break
	done
	say "$MACHINE is booting $image (${booted_at}s after the power cycle)"

	if [ -n "$TEST" ]; then
		KBISECT_MACHINE=$MACHINE KBISECT_IMAGE=$image KBISECT_COMMIT=$COMMIT KBISECT_CONSOLE=$CONSOLE \
			KBISECT_CONSOLE_OFFSET=$offset timeout "$TEST_TIMEOUT" bash -c "$TEST" >&2
		local rc=$?
		case $rc in
		0) echo "good $booted_at" ;;
		124) say "the test did not finish in ${TEST_TIMEOUT}s: a hang"; echo "$ON_HANG $booted_at" ;;
		125) echo "skip $booted_at" ;;
		*) echo "bad $booted_at" ;;
		esac
		return
	fi
	local deadline=$((SECONDS + BOOT_TIMEOUT)) text
	while [ $SECONDS -lt $deadline ]; do
		text=$(candidate_console "$offset")
		if [ -n "$FAIL_RE" ] && grep -aqE -- "$FAIL_RE" <<<"$text"; then
			say "console: $(grep -aE -m1 -- "$FAIL_RE" <<<"$text")"
			echo "bad $booted_at"
			return
		fi
		if grep -aqE -- "$PANIC_RE" <<<"$text"; then
			say "console: $(grep -aE -m1 -- "$PANIC_RE" <<<"$text")"
			echo "bad $booted_at"
			return
		fi
		if [ -n "$PASS_RE" ] && grep -aqE -- "$PASS_RE" <<<"$text"; then
			echo "good $booted_at"
			return
		fi
		sleep 0.5
	done
	say "no verdict on the console within ${BOOT_TIMEOUT}s: a hang"
	echo "$ON_HANG $booted_at"
}

cmd_step() {
	while [ $# -gt 0 ]; do
		parse_step_option "$@" || die "step: unknown argument '$1'"
		shift "$SHIFT"
	done
	check_step_options
	local t0 image code
	t0=$(now)
	COMMIT=$(git rev-parse --verify HEAD 2>/dev/null) || die "step: not in a git repository" 128
	image=$(image_for "$COMMIT")
	code=$?
	[ $code -eq 3 ] && { step_log "$COMMIT - - abort $(elapsed "$t0")"; exit 128; }
	if [ -z "$image" ]; then
		if [ -z "$BUILD" ] && [ -z "$REQUEST_DIR" ]; then
			say "no image of ${COMMIT:0:12} for $ARCH on the server, and no --build or --request-dir: skipped"
			step_log "$COMMIT - - skip $(elapsed "$t0")"
			exit 125
		fi
		say "no image of ${COMMIT:0:12} yet: asking for one"
		if [ -n "$BUILD" ]; then
			if ! KBISECT_COMMIT=$COMMIT timeout "$BUILD_TIMEOUT" bash -c "$BUILD" >&2; then
				say "the build of ${COMMIT:0:12} failed: skipped"
				step_log "$COMMIT - - skip $(elapsed "$t0")"
				exit 125
			fi
		else
			touch "$REQUEST_DIR/$COMMIT" || die "cannot write a request in $REQUEST_DIR" 128
		fi
		local deadline=$((SECONDS + BUILD_TIMEOUT)) dropped=
		while image=$(image_for "$COMMIT") && [ -z "$image" ] && [ $SECONDS -lt $deadline ]; do
			# The builder drops a request once it has a result: no image then is a failed build.
			if [ -n "$REQUEST_DIR" ] && [ ! -e "$REQUEST_DIR/$COMMIT" ]; then
				[ -n "$dropped" ] && break
				dropped=1
			fi
			sleep 2
		done
		if [ -z "$image" ] && [ -n "$dropped" ]; then
			say "the builder answered the request for ${COMMIT:0:12} without an image (its build failed): skipped"
			step_log "$COMMIT - - skip $(elapsed "$t0")"
			exit 125
		fi
		if [ -z "$image" ]; then
			say "no image of ${COMMIT:0:12} after ${BUILD_TIMEOUT}s: skipped"
			step_log "$COMMIT - - skip $(elapsed "$t0")"
			exit 125
		fi
	fi
	local verdict boot
	read -r verdict boot < <(boot_and_judge "$image")
	say "${COMMIT:0:12} $image: $verdict"
	step_log "$COMMIT $image $boot $verdict $(elapsed "$t0")"
	case $verdict in
	good) exit 0 ;;
	bad) exit 1 ;;
	skip) exit 125 ;;
	*) exit 128 ;;
	esac
}

# --- run ----------------------------------------------------------------------------
cmd_run() {
	local good= bad= repeat=1 verify= step_args=() t0
	while [ $# -gt 0 ]; do
		case $1 in
		--good) good=${2:?}; shift 2 ;;
		--bad) bad=${2:?}; shift 2 ;;
		--repeat) repeat=${2:?}; shift 2 ;;
		--verify) verify=1; shift ;;
		*)
			parse_step_option "$@" || die "run: unknown argument '$1'"
			[ "$1" != --log ] && step_args+=("$1" "$2")
			shift "$SHIFT"
			;;
		esac
	done
	[ -n "$good" ] && [ -n "$bad" ] || die "run needs --good COMMIT and --bad COMMIT"
	[[ $repeat =~ ^[1-9][0-9]?$ ]] || die "--repeat is a number from 1 to 99"
	check_step_options
	git rev-parse --git-dir >/dev/null 2>&1 || die "run: not in a git repository"
	[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || die "run: the work tree has changes"
	local g b
	g=$(git rev-parse --verify "$good^{commit}" 2>/dev/null) || die "no commit '$good'"
	b=$(git rev-parse --verify "$bad^{commit}" 2>/dev/null) || die "no commit '$bad'"
	git merge-base --is-ancestor "$g" "$b" || die "the good commit ${g:0:12} is not an ancestor of the bad one ${b:0:12}"
	http GET "list?machine=$MACHINE&arch=$(urlencode "$ARCH")" >/dev/null
	case $? in 3) exit 3 ;; 1) die "the server refused the list for $MACHINE ($HTTP_CODE)" 3 ;; esac
	[ -n "$(newest_boot)" ] ||
		die "machine $MACHINE has never reported a boot to $SERVER (check its kbisect.machine)" 2

	[ -n "$LOG" ] || LOG=kbisect-$MACHINE-$(date -u +%Y%m%dT%H%M%SZ).log
	: >"$LOG.steps"
	local start_head
	start_head=$(git symbolic-ref -q --short HEAD || git rev-parse HEAD)
	t0=$(now)
	say "bisecting ${g:0:12}..${b:0:12} on $MACHINE; log: $LOG"
	git bisect start "$b" "$g" >>"$LOG" 2>&1 || die "git bisect start failed (see $LOG)"
	# Each step runs `kbisect step` up to --repeat times: good only if all pass.
	local step_cmd
	step_cmd=$(printf '%q ' "$KBISECT_SELF" --server "$SERVER" step "${step_args[@]}" --log "$LOG.steps")
	local runner="rc=0; for i in \$(seq 1 $repeat); do $step_cmd; rc=\$?; [ \$rc -eq 0 ] || break; done; exit \$rc"
	git bisect run bash -c "$runner" >>"$LOG" 2>&1
	local rc=$?
	local culprit
	culprit=$(git rev-parse --verify -q refs/bisect/bad)
	if ! grep -q 'is the first bad commit' "$LOG"; then
		say "the bisection did not end (git bisect run exited $rc); see $LOG"
		git bisect log >>"$LOG" 2>&1
		git bisect reset "$start_head" >/dev/null 2>&1 || git bisect reset >/dev/null 2>&1
		print_table "$t0"
		grep -q ' abort ' "$LOG.steps" && exit 128
		exit 1
	fi
	git bisect log >>"$LOG" 2>&1
	local verified=
	if [ -n "$verify" ]; then
		git checkout -q "$culprit" && bash -c "$step_cmd" >>"$LOG" 2>&1
		local v1=$?
		git checkout -q "$culprit^" && bash -c "$step_cmd" >>"$LOG" 2>&1
		local v2=$?
		if [ $v1 -eq 1 ] && [ $v2 -eq 0 ]; then verified=yes; else verified="no (culprit $v1, parent $v2)"; fi
	fi
	git bisect reset "$start_head" >/dev/null 2>&1 || git bisect reset >/dev/null 2>&1
	print_table "$t0"
	echo "first bad commit: $(git log -1 --format='%H %s' "$culprit")"
	[ -n "$verify" ] && echo "verified: $verified (the culprit fails, its parent passes)"
	echo "log: $LOG"
	[ -z "$verify" ] || [ "$verified" = yes ] || exit 1
	exit 0
}

# The steps of the log with their times, and the total they add up to.
print_table() {
	local total sum
	total=$(elapsed "$1")
	printf '%-4s %-12s %-58s %7s %-7s %7s\n' step commit image boot_s verdict step_s
	awk '{n++; printf "%-4d %-12.12s %-58s %7s %-7s %7s\n", n, $1, $2, $3, $4, $5}' "$LOG.steps"
	sum=$(awk '{s += $5} END {printf "%.2f", s}' "$LOG.steps")
	printf 'steps %s s + git bisect and checkouts %s s = total %s s\n' "$sum" \
		"$(echo "$total - $sum" | bc | sed 's/^\./0./; s/^-\./-0./')" "$total"
	cat "$LOG.steps" >>"$LOG"
}
