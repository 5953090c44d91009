# Sourced by bench/versus-ktest.sh and bench/cycle.sh (after lab_init, with
# lab_prepare --disk --linux x86_64): the versus history (tests/bisect/make-history
# versus) and the two ways to bisect it on the lab's disk machine.
#   kbisect: disk1, its stage-1 installed (GRUB's default), Debian's own kernel as
#     its default image; its engineer's clone KB_TREE; the builder's BUILDER_INI.
#   ktest.pl: ktest1, the base disk as an admin sets it up for ktest
#     (bench/ktest.conf); the ktest clone TREE and its O= tree KT_OUT;
#     ktest_run RUN F CONF writes RUN's config (the lab's values, bench/ktest.conf,
#     then CONF: its tests) and runs ktest.pl on it with F s of firmware.
# Both run the same test, TEST (`modprobe dummy` over ssh) through $LAB_DIR/timed,
# which appends "START END RC" of each run to a file. Sets TREE, REPO, commit()
# (tests/bisect/history.sh), KBISECT, BUILDER, CONFIG_FILE (the builder's .config),
# and fws: the script's FIRMWARE_S arguments (default 0 60).
fws=("$@")
[ ${#fws[@]} -gt 0 ] || fws=(0 60)
for f in "${fws[@]}"; do [[ $f =~ ^[0-9]+$ ]] && [ "$f" -le 65 ] || lab_die "FIRMWARE_S is 0 to 65, not '$f'"; done
. "$KBISECT_LAB_DISK/facts"
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
KBISECT=$(lab_bin kbisect)
BUILDER=$(lab_bin kbisect-builder)
HISTORY=versus CLONE=ktest . "$LAB_TOP/tests/bisect/history.sh"
# kbisect's work tree: its own clone (git bisect's state in ktest's is ktest's).
KB_TREE=$BISECT_CACHE/kbisect
[ -f "$KB_TREE.complete" ] || { rm -rf "$KB_TREE" && git clone -q -b hist-versus "$REPO" "$KB_TREE" &&
	touch "$KB_TREE.complete"; } || lab_die "cannot clone $REPO"
BUILDER_INI=$LAB_DIR/builder.ini
# (builder.ccache=no: ktest.pl compiles for real, and so does kbisect here)
"$LAB_TOP/tests/builder/lab-ini" "$REPO" "$LAB_IMAGES" "$LAB_STATE" "$KBISECT_LAB_LINUX/trees" \
	branch.ref=refs/heads/hist-versus "arch.x86_64.cmdline=root=UUID=$UUID ro console=ttyS0" \
	"arch.x86_64.targets=bzImage modules" builder.ccache=no >"$BUILDER_INI" || lab_die "lab-ini failed"
CONFIG_FILE=$KBISECT_LAB_LINUX/trees/x86_64/config/.config
[ -s "$CONFIG_FILE" ] || lab_die "no builder config at $CONFIG_FILE"
cp "$CONFIG_FILE" "$LAB_DIR/candidate.config"
CONFIG_FILE=$LAB_DIR/candidate.config

# stamp: each line of stdin with the time it came (epoch seconds with ms).
stamp() { while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME:0:-3}" "$l"; done; }
# The test both tools run, timed: appends "START END RC" to FILE.
cat >"$LAB_DIR/timed" <<'EOF'
#!/bin/bash
f=$1
shift
s=$EPOCHREALTIME
"$@"
rc=$?
echo "$s $EPOCHREALTIME $rc" >>"$f"
exit $rc
EOF
chmod +x "$LAB_DIR/timed"
TEST="$LAB_TOP/scripts/kbisect-ssh-test --wait 120"
# console_stamps NAME RUN: the machine's console, stamped, into $LAB_DIR/RUN.console,
# until stop_stamps NAME.
console_stamps() { tail -n 0 -F "$LAB_OUT/$1.console" 2>/dev/null | stamp >"$LAB_DIR/$2.console" & }
stop_stamps() { pkill -f "tail -n 0 -F $LAB_OUT/$1.console" 2>/dev/null; true; }

# ktest's O= directory (kept under the lab's cache, as an engineer keeps one),
# built at the good commit before each ktest run (not timed), so that its first
# step compiles what the history changed since, as the builder's first build
# for kbisect does (its work tree is at the lab's base, whose interrupt.h is the
# good commit's).
KT_OUT=$BISECT_CACHE/ktest-out
ktest_warm() {
	lab_step "building ktest's O= directory at the good commit"
	git -C "$TREE" bisect reset >/dev/null 2>&1
	[ -f "$KT_OUT.complete" ] || { rm -rf "$KT_OUT" && mkdir -p "$KT_OUT"; } || lab_die "cannot make $KT_OUT"
	git -C "$TREE" checkout -q -f "$(commit 0)"
	cp "$CONFIG_FILE" "$KT_OUT/.config"
	echo -ktest >"$KT_OUT/localversion"
	{ make -C "$TREE" O="$KT_OUT" olddefconfig && make -C "$TREE" O="$KT_OUT" -j2; } >"$LAB_DIR/ktest-warm.log" 2>&1 ||
		{ tail -n 30 "$LAB_DIR/ktest-warm.log"; lab_die "the build of the good commit in ktest's O= failed"; }
	touch "$KT_OUT.complete"
	git -C "$TREE" checkout -q -f master
}
git --git-dir="$REPO" show "$(commit 0):tools/testing/ktest/ktest.pl" >"$LAB_DIR/ktest.pl" ||
	lab_die "no ktest.pl in linux-source"

lab_step "making ktest's machine"
# ktest's machine: the lab's disk as an admin sets it up for ktest (bench/ktest.conf).
cp --sparse=always "$KBISECT_LAB_DISK/base.img" "$LAB_DIR/ktest1.img" || lab_die "cannot copy the base disk"
# shellcheck disable=SC2016 # expanded by disk-root's shell
UUID=$UUID "$LAB_SRC/disk-root" "$LAB_DIR/ktest1.img" "$UUID" '
cat >>"$ROOT/etc/grub.d/40_custom" <<ENTRY
menuentry "ktest" {
	search --no-floppy --fs-uuid --set=root $UUID
	linux /boot/vmlinuz-ktest root=UUID=$UUID ro console=ttyS0
	initrd /boot/initrd.img-ktest
}
ENTRY
sed -i "s/^GRUB_DEFAULT=.*/GRUB_DEFAULT=saved/" "$ROOT/etc/default/grub"
printf "%s\n" GRUB_DISABLE_SUBMENU=y "GRUB_CMDLINE_LINUX_DEFAULT=\"\"" >>"$ROOT/etc/default/grub"
chroot "$ROOT" update-grub
chroot "$ROOT" grub-set-default 0
' >"$LAB_DIR/ktest1-setup.log" 2>&1 || { cat "$LAB_DIR/ktest1-setup.log"; lab_die "cannot set the ktest machine up"; }

lab_step "installing the stage-1 on kbisect's machine"
lab_disk_install disk1 "console=ttyS0 panic=-1 kbisect.machine=disk1"
# Its default: Debian's own kernel, so that it boots before anything is built.
lab_disk_debian_image 6.1.0-main_dddddddddddd_20261123_x86_64 disk1

# ktest_run RUN F CONF [NAME=VALUE...]: ktest.pl with F s of firmware on ktest1,
# with the lab's values (and each NAME := VALUE), bench/ktest.conf and CONF (its
# TEST_START sections). Its output, stamped: $LAB_DIR/RUN.out (first line
# "<t> start", last "<t> end"); the console: RUN.console; the test's runs: RUN.tests.
ktest_run() {
	local run=$1 f=$2 conf=$3 port=$((LAB_HTTP_PORT + 30)) ssh scp v
	shift 3
	export KBISECT_LAB_FIRMWARE_SECONDS=$f
	ktest_warm
	lab_step "ktest.pl $run, firmware $f s"
	lab_disk_start ktest1 "$port"
	lab_ssh_wait ktest1 600 || exit 1
	ssh=$(lab_ssh_command ktest1)
	scp=${ssh/ssh -q/scp -q}
	scp=${scp/ -p $port/ -P $port}
	git -C "$TREE" bisect reset >/dev/null 2>&1
	git -C "$TREE" checkout -q -f master
	mkdir -p "$LAB_DIR/ktest-tmp"
	{
		cat <<-EOF
		SSH := $ssh
		SCP := $scp
		BUILD_TREE := $TREE
		OUT_TREE := $KT_OUT
		KTEST_TMP := $LAB_DIR/ktest-tmp
		KTEST_LOG := $LAB_OUT/$run.log
		CONFIG_FILE := $CONFIG_FILE
		POWER := $KBISECT qmp-reset $LAB_DIR/ktest1.qmp
		CONSOLE_CMD := tail -n 0 -F $LAB_OUT/ktest1.console
		TEST_CMD := $LAB_DIR/timed $LAB_DIR/$run.tests $TEST --ssh '$ssh' root@127.0.0.1 'modprobe dummy'
		EOF
		for v in "$@"; do echo "${v%%=*} := ${v#*=}"; done
		echo "INCLUDE $LAB_TOP/bench/ktest.conf"
		echo "INCLUDE $conf"
	} >"$LAB_DIR/$run.conf"
	console_stamps ktest1 "$run"
	echo "$EPOCHREALTIME start" >"$LAB_DIR/$run.out"
	# ktest reads the terminal (a key to the console): a stdin that never speaks.
	perl "$LAB_DIR/ktest.pl" "$LAB_DIR/$run.conf" < <(sleep 100000) 2>&1 | stamp >>"$LAB_DIR/$run.out"
	echo "$EPOCHREALTIME end" >>"$LAB_DIR/$run.out"
	stop_stamps ktest1
	lab_qemu_stop ktest1
	cp "$LAB_DIR/$run.out" "$LAB_DIR/$run.conf" "$LAB_OUT/"
}

# steps_table RUN F HEAD [TOTAL]: the per-step table (bench/steps.awk) of
# $LAB_DIR/RUN.steps, with RUN's console and test runs; HEAD: the header of the
# steps' labels; TOTAL: the "all" line's total (default: the steps' sum).
steps_table() {
	local tests=$LAB_DIR/$1.tests
	[ -f "$tests" ] || tests=/dev/null
	awk -v f="$2" -v head="$3" -v total="${4:-}" -f "$LAB_TOP/bench/steps.awk" \
		"$LAB_DIR/$1.steps" "$LAB_DIR/$1.console" "$tests"
}

# ratio A B [DECIMALS]: A/B, rounded (default: two decimals).
ratio() { printf "%.${3:-2}f" "$(echo "$1 / $2" | bc -l)"; }
