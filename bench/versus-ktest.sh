#!/bin/bash
# bench/versus-ktest.sh [FIRMWARE_S...]: time to culprit on the same disk machine
# (tests/lab/disk-image: Debian 12 on its own disk, GRUB, sshd), with the same
# history, kernel config and test, bisected three ways:
#   ktest.pl   from Debian's linux-source-6.1, configured by bench/ktest.conf:
#              each step builds, installs over ssh (kernel, modules, initramfs),
#              grub-reboots into the kernel, runs the test, reboots to the good
#              kernel, power-cycles when the machine does not answer;
#   kbisect, cold      kbisect-builder starts watching the branch at the same
#              moment as `kbisect run`, which asks it for each image it needs;
#   kbisect, prebuilt  the same bisection with the images already built (the
#              server's normal state: its builder builds every new commit); run
#              right after the cold one, whose builds (the tip and every commit
#              the bisection visits) are what it needs.
# The history (tests/bisect/make-history versus): 30 commits on linux-source-6.1,
# each but two editing include/linux/interrupt.h (half of the config's objects
# include it), commit 12 breaks the dummy network driver (the test, `modprobe
# dummy` over ssh, fails), commit 15 hangs at boot (git bisect's first pick) and 16
# fixes it. Both tools must name commit 12.
# FIRMWARE_S (default: 0 60): every pass through the machine's firmware takes that
# much longer (KBISECT_LAB_FIRMWARE_SECONDS; a server's POST takes minutes); each
# value runs the three bisections. Prints a table per bisection (per step: build,
# install, firmware, boot and the rest, test), the times to culprit and their
# ratios, and last, for 60 s and the prebuilt images, the line
#   versus-ktest: culprit <sha12> both; ktest <s> s; kbisect <s> s; ratio <R>x
# Takes about 75 min per firmware value on 2 cores (the 60 s run: ktest 47 min,
# kbisect cold 19, prebuilt 6, and a build of ktest's O= at the good commit before
# each ktest run): each ktest step and each cold kbisect step compiles half the tree.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --disk --linux x86_64
lab_enter --base 1200 --builds 30 --boots 80 "$0" "$@"
lab_init
. "$LAB_TOP/bench/ktest-lab.bash"
good=$(commit 0) bad=$(commit 30) culprit=$(commit 12)
git -C "$KB_TREE" checkout -q -f --detach "$bad"

# run_ktest F: ktest.pl's bisection with F s of firmware (bench/ktest-bisect.conf).
run_ktest() {
	ktest_run "ktest-$1" "$1" "$LAB_TOP/bench/ktest-bisect.conf" GOOD="$good" BAD="$bad"
	grep -q "Bad commit was \[" "$LAB_DIR/ktest-$1.out" ||
		{ tail -n 15 "$LAB_DIR/ktest-$1.out"; lab_die "ktest.pl named no culprit (its log: $LAB_OUT/ktest-$1.log)"; }
}

# run_kbisect F cold|prebuilt: kbisect's bisection on disk1 (up, idle in a good OS).
run_kbisect() {
	local f=$1 mode=$2 run=kbisect-$2-$1 ssh builder_pid='' extra=()
	lab_step "kbisect $mode, firmware $f s"
	ssh=$(lab_ssh_command disk1)
	if [ "$mode" = cold ]; then
		# Nothing built: the store holds only the machine's default.
		find "$LAB_IMAGES" -mindepth 1 -maxdepth 1 -name '*-master_*' -exec rm -rf {} +
		rm -rf "$LAB_STATE/builder" "$LAB_STATE/requests"
		mkdir -p "$LAB_STATE/requests"
		extra=(--request-dir "$LAB_STATE/requests")
	fi
	console_stamps disk1 "$run"
	echo "$EPOCHREALTIME start" >"$LAB_DIR/$run.out"
	if [ "$mode" = cold ]; then
		"$BUILDER" --config "$BUILDER_INI" watch 2>&1 | stamp >"$LAB_DIR/$run.builder" &
		builder_pid=$!
	fi
	(cd "$KB_TREE" && "$KBISECT" --server "$LAB_URL" run --machine disk1 --good "$good" --bad "$bad" \
		--power "$KBISECT qmp-reset $LAB_DIR/disk1.qmp" --console "$LAB_OUT/disk1.console" \
		--test "$LAB_DIR/timed $LAB_DIR/$run.tests $TEST --ssh '$ssh' root@127.0.0.1 'modprobe dummy'" \
		--reboot "$ssh root@127.0.0.1 kbisect-reboot" --reboot-timeout 150 \
		--log "$LAB_OUT/$run.log" "${extra[@]}") 2>&1 | stamp >>"$LAB_DIR/$run.out"
	echo "$EPOCHREALTIME end" >>"$LAB_DIR/$run.out"
	if [ -n "$builder_pid" ]; then
		pkill -TERM -f "$BUILDER --config $BUILDER_INI watch"
		timeout 120 tail --pid="$builder_pid" -f /dev/null
		cp "$LAB_DIR/$run.builder" "$LAB_OUT/"
	fi
	stop_stamps disk1
	cp "$LAB_DIR/$run.out" "$LAB_OUT/"
	grep -q "first bad commit: " "$LAB_DIR/$run.out" ||
		{ tail -n 15 "$LAB_DIR/$run.out"; lab_die "kbisect named no culprit (its log: $LAB_OUT/$run.log)"; }
}

# table RUN F: the per-step table of a run (bench/steps.awk), and "RUN culprit
# seconds steps" into $LAB_DIR/summary. Steps end where the tool says a commit's
# verdict; a step's build is ktest's "Build time" or, for kbisect, from asking the
# builder to the image's publication; install is ktest's "Install time".
table() {
	local run=$1 f=$2
	# The program from stdin, after ktest-time.awk's secs().
	awk -v run="$run" -v f="$f" -v dir="$LAB_DIR" -v hist="$BISECT_CACHE/history" \
		-f "$LAB_TOP/bench/ktest-time.awk" -f /dev/stdin \
		"$LAB_DIR/$run.out" $([ -f "$LAB_DIR/$run.builder" ] && echo "$LAB_DIR/$run.builder") <<'AWK'
	BEGIN {
		while ((getline l < hist) > 0) { split(l, h, " "); num[h[2]] = h[1] }
	}
	FILENAME ~ /\.out$/ {
		t = $1; $1 = ""; sub(/^ /, "")
		if ($0 == "start") { t0 = t; last = t; next }
		if ($0 == "end") { if (!t1) t1 = t; next }
		if (run ~ /^ktest/) {
			if ($0 ~ /^Bisecting: .*\[[0-9a-f]+\]/) { s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); cur = s }
			if ($0 ~ /^git bisect (good|bad|skip) \.\.\. .*SUCCESS/) {
				n++; split($0, w, " "); verdict[n] = w[3]; c[n] = cur; start[n] = last; end[n] = t; last = t
			}
			if ($0 ~ /^Build time: /) { s = $0; sub(/^Build time: */, "", s); build[n] = secs(s) }
			if ($0 ~ /^Install time: /) { s = $0; sub(/^Install time: */, "", s); inst[n] = secs(s) }
			if ($0 ~ /^Bad commit was \[[0-9a-f]+\]/) { s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); culprit = s; t1 = t }
		} else {
			if (match($0, /^kbisect: no image of [0-9a-f]+ yet/)) { split($0, w, " "); asked[w[5]] = t }
			if (match($0, /^kbisect: step [0-9]+: [0-9a-f]+ [a-z]+ /)) {
				n++; split($0, w, " "); c[n] = w[4]; verdict[n] = w[5]; start[n] = last; end[n] = t; last = t
			}
			if ($0 ~ /^first bad commit: /) { split($0, w, " "); culprit = w[4]; t1 = t }
		}
		next
	}
	FILENAME ~ /\.builder$/ {
		if (match($0, /published [^ ]+ in /)) { split($0, w, " "); for (i = 1; i <= NF; i++) if (w[i] == "published") img = w[i + 1]
			split(img, p, "_"); published[p[2]] = $1 }
		next
	}
	END {
		printf "%s, firmware %d s: culprit %s in %.0f s, %d steps\n", run, f, substr(culprit, 1, 12), t1 - t0, n
		for (i = 1; i <= n; i++) {
			b = build[i] + 0
			for (k in asked) if (index(c[i], k) == 1 && (substr(c[i], 1, 12) in published)) b = published[substr(c[i], 1, 12)] - asked[k]
			if (b < 0) b = 0
			cn = "?"; for (k in num) if (index(k, c[i]) == 1) cn = num[k]
			printf "%s %s %.1f %.1f %4d %-12s %3s %-7s\n", start[i], end[i], b, inst[i] + 0, i, substr(c[i], 1, 12), cn, verdict[i] >(dir "/" run ".steps")
		}
		printf "%.3f\n", t1 - t0 >(dir "/" run ".total")
		printf "%s %s %.0f %d\n", run, culprit, t1 - t0, n >>(dir "/summary")
	}
AWK
	touch "$LAB_DIR/$run.steps"
	steps_table "$run" "$f" "$(printf '%4s %-12s %3s %-7s' step commit '#' verdict)" "$(cat "$LAB_DIR/$run.total")"
}

: >"$LAB_DIR/summary"
for f in "${fws[@]}"; do
	run_ktest "$f"
	table "ktest-$f" "$f" | tee -a "$LAB_DIR/tables"
	export KBISECT_LAB_FIRMWARE_SECONDS=$f
	lab_disk_start disk1 $((LAB_HTTP_PORT + 31))
	lab_ssh_wait disk1 600 || exit 1
	run_kbisect "$f" cold
	table "kbisect-cold-$f" "$f" | tee -a "$LAB_DIR/tables"
	run_kbisect "$f" prebuilt
	table "kbisect-prebuilt-$f" "$f" | tee -a "$LAB_DIR/tables"
	lab_qemu_stop disk1
done
cp "$LAB_DIR/tables" "$LAB_DIR/summary" "$LAB_OUT/"

echo
echo "time to culprit, seconds (TCG QEMU, 2 cores; the history's culprit: ${culprit:0:12}, commit 12 of 30)"
printf '  %-9s %-22s %-22s %-22s %-10s %-10s\n' firmware ktest.pl "kbisect cold" "kbisect prebuilt" "ktest/cold" "ktest/prebuilt"
rc=0
for f in "${fws[@]}"; do
	read -r _ kc kt ks < <(grep "^ktest-$f " "$LAB_DIR/summary")
	read -r _ cc ct cs < <(grep "^kbisect-cold-$f " "$LAB_DIR/summary")
	read -r _ pc pt ps < <(grep "^kbisect-prebuilt-$f " "$LAB_DIR/summary")
	printf '  %-9s %-22s %-22s %-22s %-10s %s\n' "$f s" "$kt ($ks steps)" "$ct ($cs steps)" "$pt ($ps steps)" \
		"$(ratio "$kt" "$ct" 2)x" "$(ratio "$kt" "$pt" 2)x"
	for c in "$kc" "$cc" "$pc"; do
		[ "$c" = "$culprit" ] || { echo "  firmware $f s: a bisection named ${c:-nothing}, not ${culprit:0:12}" >&2; rc=1; }
	done
	if [ "$f" = 60 ]; then
		last="versus-ktest: culprit ${culprit:0:12} both; ktest $kt s; kbisect $pt s; ratio $(ratio "$kt" "$pt" 1)x"
		[ "$kc" = "$culprit" ] && [ "$pc" = "$culprit" ] || last="versus-ktest: culprit differs: ktest ${kc:0:12}, kbisect ${pc:0:12}"
	fi
done
echo "${last:-versus-ktest: no 60 s run (FIRMWARE_S: ${fws[*]})}"
exit $rc
