#!/bin/bash
# A bisection on the disk machine, the way an engineer runs one on a real test
# machine, and one of today's: it boots by UEFI (OVMF, GRUB's EFI build from the
# ESP of the lab's GPT disk; the other disk tests boot the same disk by BIOS). The
# disk history of tests/bisect/make-history (its regression shows
# only in the machine's own OS: `modprobe dummy` fails), every candidate built on
# demand with its modules by kbisect-builder, booted from the disk's GRUB through
# stage-1, kexec and stage-2 into the disk's Debian, and judged over ssh by
# kbisect-ssh-test. The bisection meets a candidate that panics and one that
# hangs (both after the culprit: bad, kbisect's default); a power cycle brings the
# machine back to its stage-1 each time and the bisection goes on. The candidates'
# modules are installed zstd-compressed, as Fedora and Ubuntu ship theirs. The disk's
# /boot (its ESP too), /lib/modules and /etc/default are the same afterwards.
# needs: --disk --linux x86_64
# budget: --builds 5 --boots 6
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$KBISECT_LAB_DISK/facts"
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
HISTORY=disk CLONE=disk-bisect . "$LAB_TOP/tests/bisect/history.sh"
cd "$TREE" || exit 1
BUILDER=$(lab_bin kbisect-builder)
BUILDER_INI=$LAB_DIR/builder.ini
# The candidates: the lab's x86_64 config (lab.config + disk.config, its modules
# installed zstd-compressed: zstd-modules.config; Linux 6.1 cannot load .ko.zst
# itself, so the builder decompresses them as it packs them), with their modules,
# and the command line that boots the disk's own root.
"$LAB_TOP/tests/builder/lab-ini" "$REPO" "$LAB_IMAGES" "$LAB_STATE" "$KBISECT_LAB_LINUX/trees" \
	branch.ref=refs/heads/hist-disk "arch.x86_64.cmdline=$(lab_disk_cmdline)" \
	"arch.x86_64.targets=bzImage modules" >"$BUILDER_INI" || lab_die "lab-ini failed"

lab_disk_install disk1 "console=ttyS0 panic=-1 kbisect.machine=disk1"
before=$(lab_disk_sums disk1) || lab_die "cannot read disk1's image"
port=$((LAB_HTTP_PORT + 23))
# An image of the repository's master (linux-source itself, the trees' own commit:
# nothing to compile), so that the machine boots once and the server knows it
# (kbisect run checks that the machine has reported a boot: its name is right).
"$BUILDER" --config "$BUILDER_INI" build master >"$LAB_DIR/tip-build.log" 2>&1 ||
	{ cat "$LAB_DIR/tip-build.log"; lab_die "the tip does not build"; }
lab_register disk1
lab_disk_start disk1 "$port" uefi
wait_for disk1 "^kbisect: kexec into" 300 >/dev/null || lab_die "disk1: no stage-1 kexec"
t_check "OVMF started GRUB's EFI build from the ESP, and it the stage-1, which says it was started by UEFI" \
	bash -c 'grep -aq "BdsDxe: starting Boot[0-9A-F]* \"UEFI Misc Device\"" "$1" && grep -aq "GNU GRUB" "$1" &&
		grep -aq "^kbisect: firmware: UEFI" "$1"' _ "$LAB_OUT/disk1.console"
# Up in its OS, as an engineer finds the machine, so the first step leaves it by
# the reboot command.
lab_ssh_wait disk1 300 || lab_die "disk1: master's OS does not answer ssh"

ssh=$(lab_ssh_command disk1)
KBISECT=$(lab_bin kbisect)
# The test's --wait is the backstop, --silence the rule a hang is judged by: the
# wait must leave room for a slow boot and then the 90 s of silence. Beside a CPU
# hog with three lanes, the good candidates answered ssh after up to 71 s and the
# hanging one booted so slowly that --wait 180 ran out first (a failed check 3);
# on a quiet machine the hang still costs its boot and 90 s.
test_wait=400
lab_step "bisecting the disk history on disk1"
"$KBISECT" --server "$LAB_URL" run --machine disk1 --good "$(commit 0)" --bad master \
	--power "qmp:$LAB_DIR/disk1.qmp" --console "$LAB_OUT/disk1.console" \
	--build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch x86_64" \
	--test "$LAB_TOP/scripts/kbisect-ssh-test --wait $test_wait --silence 90 --ssh '$ssh' root@127.0.0.1 'modprobe dummy'" \
	--reboot "$ssh root@127.0.0.1 kbisect-reboot" --reboot-timeout 150 \
	--log "$LAB_OUT/disk1.log" >"$LAB_DIR/disk1.out" 2>"$LAB_DIR/disk1.err"
rc=$?
sed 's/^/# /' "$LAB_DIR/disk1.out"
[ $rc = 0 ] || sed 's/^/# /' "$LAB_DIR/disk1.err"
t_eq "the bisection names the commit that broke the module (5)" \
	"0 first bad commit: $(commit 5) net: dummy: refuse to load (the regression)" \
	"$rc $(grep '^first bad commit: ' "$LAB_DIR/disk1.out")"
log=$LAB_OUT/disk1.log
steps=$log.steps
# step_of N: the line of the steps file for the history's commit N.
step_of() { grep "^$(commit "$1") " "$steps"; }
t_check "the panicking candidate (8) was seen panicking on the console: bad" \
	bash -c '[[ $1 == *" bad "* ]] && grep -q "the candidate panicked: Kernel panic - not syncing: kbisect: planted panic" "$2"' _ "$(step_of 8)" "$log.output"
t_check "the hanging candidate (6) booted, its console went quiet for 90 s with no ssh: a hang, bad" \
	bash -c '[[ $1 == *" bad "* ]] && grep -qE "nothing new on the console for [0-9]+s and root@127.0.0.1 does not answer ssh: a hang" "$2.output" && grep -q "a hang" "$2"' _ "$(step_of 6)" "$log"
# kbisect-ssh-test watched the console of every candidate that came up (it says
# the longest silence it saw before ssh answered: the margin --silence has; 22 s
# here on a quiet machine, 32 s beside a CPU hog, mostly one ssh attempt's length).
silences=$(grep -oE "longest silence until then: [0-9]+s" "$log.output" | grep -oE "[0-9]+" | sort -n | tr '\n' ' ')
echo "# the console's longest silence before ssh answered, per candidate that came up: ${silences:-none} (s)"
t_eq "the console was watched on every candidate that answered ssh" \
	"$(grep -c "root@127.0.0.1 runs " "$log.output")" "$(wc -w <<<"$silences")"
# next_booted N: the step after commit N's booted its image: the power cycle
# brought the stage-1 back, which reported the boot.
next_booted() {
	awk -v c="$(commit "$1")" 'found {print; exit} $1 == c {found = 1}' "$steps" |
		awk '$2 != "-" && $3 ~ /^[0-9.]+$/ {ok = 1} END {exit !ok}'
}
t_check "after the panic, a power cycle brought the stage-1 back and the next candidate booted" next_booted 8
t_check "after the hang, the same" next_booted 6
t_check "a good candidate ran the disk's Debian with its own release and modules (modprobe dummy passed)" \
	bash -c '[[ $1 == *" good "* ]] && grep -q "root@127.0.0.1 runs 6\.1\.[0-9]*+; running: modprobe dummy" "$2"' _ "$(step_of 4)" "$log.output"
t_check "the culprit's candidate booted the OS and modprobe failed there" \
	bash -c '[[ $1 == *" bad "* ]] && grep -q "could not insert .dummy.: No such device" "$2"' _ "$(step_of 5)" "$log.output"
img4=$LAB_IMAGES/$(step_of 4 | cut -d' ' -f2)
t_check "the candidates' modules were installed .ko.zst; the builder decompressed them for Linux 6.1, which cannot, and said so" \
	bash -c 'grep -q "^CONFIG_MODULE_COMPRESS_ZSTD=y" "$1/config" && ! grep -q "^CONFIG_MODULE_DECOMPRESS=y" "$1/config" &&
		grep -qE "kbisect-builder: [0-9]+ modules decompressed \(\.ko\.zst\): the kernel does not decompress them" "$1/build.log"' _ "$img4"
t_check "... its modules.cpio.gz holds dummy.ko, no .ko.zst, and modules.dep names the .ko files" \
	bash -c 'l=$(zcat "$1/modules.cpio.gz" | cpio -t --quiet) && grep -q "/kernel/drivers/net/dummy\.ko$" <<<"$l" &&
		! grep -q "\.ko\.zst$" <<<"$l" && zcat "$1/modules.cpio.gz" | cpio -i --quiet --to-stdout "*/modules.dep" |
		grep -q "^kernel/drivers/net/dummy\.ko:"' _ "$img4"
t_check "every image it booted carries its modules" bash -c '
	for i in $(awk "\$2 != \"-\" {print \$2}" "$1"); do grep -q "^modules_sha256 = " "$2/$i/image.ini" || exit 1; done' _ "$steps" "$LAB_IMAGES"
# The firmware-free path: a candidate whose OS is up (good or bad) is left with
# kbisect-reboot (kexec back into the stage-1: no GRUB banner, i.e. no firmware
# pass, before the next candidate's kexec); one that panicked or hung cannot run
# it and is not asked to: each costs one power cycle. The steps in order: 8
# (panic), 4 (good), 6 (hang), 5 (bad). (No --verify here: t-bisect verifies,
# and each of its boots would cost a boot of the disk's Debian, ~36 s of CPU.)
# via_of K: how the machine left the candidate before the K-th boot (reboot, power).
via_of() { awk -v k="$1" 'NR == k {print $6}' "$steps"; }
# firmware_before K: the GRUB banners between the (K-1)-th and the K-th kexec into a candidate.
firmware_before() {
	awk -v k="$1" '/kbisect: kexec into / {n++} /GNU GRUB/ && n == k - 1 {g++} END {print g + 0}' "$LAB_OUT/disk1.console"
}
t_eq "after the good candidate (4), kbisect-reboot: no firmware pass before the next (6)" \
	"reboot 0" "$(via_of 3) $(firmware_before 4)"
t_eq "after the hung candidate (6): one power cycle, one firmware pass" \
	"power 1" "$(via_of 4) $(firmware_before 5)"
t_check "after the hung candidate, no reboot command was tried, and it says so" \
	grep -q "the last candidate hung: power-cycling without trying --reboot" "$LAB_DIR/disk1.err"
t_eq "master's OS, up before the run, left with kbisect-reboot: no firmware pass before the first candidate" \
	"reboot 0" "$(via_of 1) $(firmware_before 2)"
# after_step N: the run's log between step N's line and the next step's.
after_step() { awk -v n="$1" '$1 == "step" && $2 == n ":" {f = 1; next} $1 == "step" {f = 0} f' "$log"; }
t_check "after the panic (8), no reboot command was tried (the machine is down), it says so, and a power cycle followed" \
	bash -c 'grep -q "the last candidate panicked: power-cycling without trying --reboot" <<<"$1" &&
		! grep -q "reboot command" <<<"$1" && [ "$2" = power ]' _ "$(after_step 1)" "$(via_of 2)"

t_check "the repository's bisect state is reset afterwards" bash -c "! git bisect log >/dev/null 2>&1"
lab_qemu_stop disk1
after=$(lab_disk_sums disk1) || lab_die "cannot read disk1's image"
t_eq "nothing under the disk's /boot, /lib/modules or /etc/default changed" "$before" "$after"
t_done
