#!/bin/bash
# bench/cycle.sh [FIRMWARE_S...]: the cycles of a bisection on the disk machine
# (tests/lab/disk-image: Debian 12 on its own disk, GRUB, sshd), one of each, the
# two ways, with the same candidates (commits of the versus history, as in
# bench/versus-ktest.sh: each edits include/linux/interrupt.h), .config and test
# (`modprobe dummy` over ssh, through scripts/kbisect-ssh-test --wait 120):
#   kbisect, with the images built beforehand by kbisect-builder (the server's
#   normal state), one `kbisect step` each:
#     power        from the machine idle in its OS: once, power cycle, firmware,
#                  GRUB, the stage-1, kexec, the disk's own OS, the test;
#     no firmware  --reboot: the OS kexecs back into the stage-1 (kbisect-reboot);
#     a hang       --reboot into a kernel that hangs at boot, until the test's
#                  wait for ssh runs out (120 s, ktest's TIMEOUT below);
#     after it     the next candidate over the power path (a hung kernel runs no
#                  reboot command: `kbisect run` goes straight to the power too);
#   the old way, as ktest.pl runs a bisection (bench/ktest.conf and the three
#   tests of bench/ktest-cycle.conf):
#     a step       the commit built in ktest's O= tree (a bisect jump: half the
#                  tree compiles again), installed over ssh (kernel, modules,
#                  mkinitramfs), grub-reboot, a reboot through the firmware, the
#                  test, a reboot to the good kernel;
#     a hang       the same into the hanging kernel: no boot prompt for TIMEOUT,
#                  a power cycle into the good kernel;
#     after it     the next step, built and installed again.
# FIRMWARE_S (default: 0 60): every pass through the machine's firmware takes that
# much longer (KBISECT_LAB_FIRMWARE_SECONDS); each value runs both ways. Prints a
# table per way (build, install, firmware passes, boot and the rest, test), and the
# ratios old way/kbisect for a cycle and for a hang with the cycle after it.
# Takes about 25 min per firmware value on 2 cores (each old-way cycle compiles
# half the tree), plus the builder's three images once.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --disk --linux x86_64
lab_enter --base 1800 --builds 12 --boots 30 "$0" "$@"
lab_init
. "$LAB_TOP/bench/ktest-lab.bash"
# The candidates: a good commit, the one that hangs at boot, another good one.
step=$(commit 8) hang=$(commit 15) next=$(commit 5)

lab_step "building kbisect's images"
for c in "$step" "$hang" "$next"; do
	"$BUILDER" --config "$BUILDER_INI" build "$c" >>"$LAB_DIR/build.log" 2>&1 ||
		{ tail -n 30 "$LAB_DIR/build.log"; lab_die "the builder could not build $c"; }
done

# kbisect_step RUN LABEL COMMIT VIA [--reboot]: one `kbisect step` on COMMIT,
# timed into $LAB_DIR/RUN.steps, its exit code in STEP_RC; VIA: how it must have
# left the last candidate (reboot or power).
kbisect_step() {
	local run=$1 label=$2 c=$3 via=$4 ssh s
	shift 4
	ssh=$(lab_ssh_command disk1)
	[ "${1:-}" = --reboot ] && set -- --reboot "$ssh root@127.0.0.1 kbisect-reboot" --reboot-timeout 150
	lab_step "kbisect step: $label"
	git -C "$KB_TREE" checkout -q -f --detach "$c" || lab_die "cannot check $c out in $KB_TREE"
	s=$EPOCHREALTIME
	(cd "$KB_TREE" && "$KBISECT" --server "$LAB_URL" step --machine disk1 \
		--power "$KBISECT qmp-reset $LAB_DIR/disk1.qmp" --console "$LAB_OUT/disk1.console" \
		--test "$LAB_DIR/timed $LAB_DIR/$run.tests $TEST --ssh '$ssh' root@127.0.0.1 'modprobe dummy'" \
		--log "$LAB_DIR/$run.log" "$@") 2>&1 | stamp >>"$LAB_DIR/$run.out"
	STEP_RC=${PIPESTATUS[0]}
	echo "$s $EPOCHREALTIME 0 0 $label" >>"$LAB_DIR/$run.steps"
	# The step's row: commit image boot_s verdict step_s via machine.
	tail -n 1 "$LAB_DIR/$run.log" | awk -v via="$via" '$6 == via { ok = 1 } END { exit !ok }' ||
		{ cat "$LAB_DIR/$run.out"; lab_die "kbisect step ($label) did not leave the last candidate by $via"; }
}

# run_kbisect F: the four kbisect steps on disk1 (up, idle in a good OS).
run_kbisect() {
	local run=kbisect-$1
	console_stamps disk1 "$run"
	kbisect_step "$run" "power" "$step" power
	[ "$STEP_RC" = 0 ] || lab_die "kbisect step on commit 8 (good) answered $STEP_RC"
	kbisect_step "$run" "no firmware" "$next" reboot --reboot
	[ "$STEP_RC" = 0 ] || lab_die "kbisect step on commit 5 (good) answered $STEP_RC"
	kbisect_step "$run" "a hang" "$hang" reboot --reboot
	grep -q ": a hang)" "$LAB_DIR/$run.out" || lab_die "kbisect step on commit 15 saw no hang (answered $STEP_RC)"
	kbisect_step "$run" "after it" "$step" power
	[ "$STEP_RC" = 0 ] || lab_die "kbisect step on commit 8 (good) after the hang answered $STEP_RC"
	stop_stamps disk1
	cp "$LAB_DIR/$run.out" "$LAB_DIR/$run.log" "$LAB_OUT/"
}

# ktest_steps RUN: RUN.steps from ktest's output: a test from its "RUNNING TEST"
# line to the next one (or ktest's end), with its "Build time" and "Install time".
ktest_steps() {
	awk -v labels="a step|a hang|after it" -f "$LAB_TOP/bench/ktest-time.awk" -f /dev/stdin \
		"$LAB_DIR/$1.out" >"$LAB_DIR/$1.steps" <<'AWK'
	BEGIN { split(labels, label, "|") }
	{ t = $1; $1 = ""; sub(/^ /, "") }
	/^RUNNING TEST [0-9]+ of / || $0 == "end" {
		if (n) printf "%s %s %.1f %.1f %s\n", start, t, build + 0, inst + 0, label[n]
		n++; start = t; build = inst = 0
	}
	/^Build time: / { sub(/^Build time: */, ""); build = secs($0) }
	/^Install time: / { sub(/^Install time: */, ""); inst = secs($0) }
AWK
}

# run_ktest F: ktest.pl's three tests; the step and the one after it must pass,
# the hang must fail to boot.
run_ktest() {
	local run=ktest-$1
	ktest_run "$run" "$1" "$LAB_TOP/bench/ktest-cycle.conf" STEP="$step" HANG="$hang" NEXT="$next"
	grep -q "KTEST RESULT: TEST 1 SUCCESS" "$LAB_DIR/$run.out" &&
		grep -q "KTEST RESULT: TEST 2 Failed: failed - never got a boot prompt" "$LAB_DIR/$run.out" &&
		grep -q "KTEST RESULT: TEST 3 SUCCESS" "$LAB_DIR/$run.out" ||
		{ grep "KTEST RESULT" "$LAB_DIR/$run.out"; lab_die "ktest.pl's cycles did not end as expected (its log: $LAB_OUT/$run.log)"; }
	ktest_steps "$run"
}

# secs RUN LINE: the total of the LINE-th step of RUN.
secs() { awk -v n="$2" 'NR == n {printf "%.1f", $2 - $1}' "$LAB_DIR/$1.steps"; }
for f in "${fws[@]}"; do
	export KBISECT_LAB_FIRMWARE_SECONDS=$f
	lab_disk_start disk1 $((LAB_HTTP_PORT + 31))
	lab_ssh_wait disk1 600 || exit 1
	run_kbisect "$f"
	lab_qemu_stop disk1
	run_ktest "$f"
	{
		echo "one cycle each, firmware $f s (seconds; TCG QEMU, 2 cores):"
		echo "kbisect (images built beforehand):"
		steps_table "kbisect-$f" "$f" "$(printf '%-12s' way)"
		echo "the old way (ktest.pl: build, install, grub-reboot, reboot):"
		steps_table "ktest-$f" "$f" "$(printf '%-12s' way)"
		printf 'old way/kbisect: a cycle %sx (against the power path), %sx (without the firmware);\n' \
			"$(ratio "$(secs "ktest-$f" 1)" "$(secs "kbisect-$f" 1)")" "$(ratio "$(secs "ktest-$f" 1)" "$(secs "kbisect-$f" 2)")"
		printf '  a hang and the cycle after it %sx (%s s against %s s)\n' \
			"$(ratio "$(echo "$(secs "ktest-$f" 2) + $(secs "ktest-$f" 3)" | bc -l)" "$(echo "$(secs "kbisect-$f" 3) + $(secs "kbisect-$f" 4)" | bc -l)")" \
			"$(echo "$(secs "ktest-$f" 2) + $(secs "ktest-$f" 3)" | bc -l)" "$(echo "$(secs "kbisect-$f" 3) + $(secs "kbisect-$f" 4)" | bc -l)"
	} | tee -a "$LAB_DIR/tables"
done
cp "$LAB_DIR/tables" "$LAB_OUT/"
