#!/bin/bash
# bench/disk-cycle.sh [RUNS] [FIRMWARE_S]: one candidate cycle on the disk machine
# (tests/lab/disk-image: Debian 12 on its own disk, GRUB), three ways, with the
# same kernel (Debian's, whose modules kbisect serves trimmed to the machine's) and
# the same test (`modprobe dummy` over ssh):
#   kbisect: power cycle -> GRUB -> stage-1's boot report -> kexec -> stage-2 ->
#     the disk's Debian answering ssh -> verdict;
#   kbisect without the firmware: kbisect-reboot over ssh (the OS shuts down and
#     kexecs into the stage-1) -> boot report -> the same;
#   plain: power cycle -> GRUB's Debian entry (no kbisect on the disk) -> the same
#     Debian answering ssh -> verdict.
# So the difference is what the stage-1 costs a cycle, and what leaving a candidate
# without the firmware saves. FIRMWARE_S (default 0) is the time every firmware
# pass takes more (KBISECT_LAB_FIRMWARE_SECONDS: a server's POST takes minutes).
# Prints the median of RUNS (default 3) for each part, and the ratios.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --disk
lab_enter --base 2400 "$0" "$@"
lab_init
runs=${1:-3}
export KBISECT_LAB_FIRMWARE_SECONDS=${2:-0}
. "$KBISECT_LAB_DISK/facts"
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"
KBISECT=$(lab_bin kbisect)
ms() { date +%s%3N; }
# wait_text FILE OFFSET REGEX: until REGEX is in FILE after OFFSET (300 s at most).
wait_text() {
	local deadline=$((SECONDS + 300))
	until tail -c +"$(($2 + 1))" "$1" 2>/dev/null | grep -aqE -- "$3"; do
		[ $SECONDS -lt $deadline ] || { echo "bench: no '$3' in $1 within 300 s" >&2; return 1; }
		sleep 0.1
	done
}
# ssh_up NAME: until the machine's sshd runs a command (300 s at most).
ssh_up() {
	local deadline=$((SECONDS + 300))
	until lab_ssh "$1" true 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { echo "bench: $1 did not answer ssh within 300 s" >&2; return 1; }
		sleep 0.2
	done
}
verdict() { lab_ssh "$1" 'modprobe dummy && rmmod dummy'; }

IMAGE=6.1.0-main_dddddddddddd_20261123_x86_64
lab_disk_debian_image "$IMAGE" disk1

# kbisect: the stage-1 installed on the disk as doc/admin.md tells an admin.
lab_disk_install disk1 "console=ttyS0 panic=-1 kbisect.machine=disk1"
# boot_report BEFORE: until disk1's newest boot report is not BEFORE (300 s at most).
boot_report() {
	local deadline=$((SECONDS + 300))
	while [ "$(curl -sS "$LAB_URL/booted?machine=disk1&limit=1")" = "$1" ]; do
		[ $SECONDS -lt $deadline ] || { echo "bench: no boot report from disk1 within 300 s" >&2; return 1; }
		sleep 0.1
	done
}
# rest_of_cycle A B C: stage-2 execs init, sshd answers, the verdict passes; sets
# the variables A, B, C to the times each was seen (ms). Uses $c and $off.
rest_of_cycle() {
	wait_text "$c" "$off" "^kbisect: stage-2: exec /sbin/init" || return 1
	printf -v "$1" '%s' "$(ms)"
	ssh_up disk1 || return 1
	printf -v "$2" '%s' "$(ms)"
	verdict disk1 || { echo "bench: the verdict failed on disk1" >&2; return 1; }
	printf -v "$3" '%s' "$(ms)"
}
lab_disk_start disk1 $((LAB_HTTP_PORT + 25))
ssh_up disk1 || exit 1
c=$LAB_OUT/disk1.console
for n in $(seq 1 "$runs"); do
	off=$(stat -c %s "$c")
	before=$(curl -sS "$LAB_URL/booted?machine=disk1&limit=1")
	t0=$(ms)
	"$KBISECT" qmp-reset "$LAB_DIR/disk1.qmp" || exit 1
	wait_text "$c" "$off" "Loading the kbisect stage-1 kernel" || exit 1
	t1=$(ms)
	boot_report "$before" || exit 1
	t2=$(ms)
	rest_of_cycle t3 t4 t5 || exit 1
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t5 - t4)) $((t5 - t0))" >>"$LAB_DIR/kbisect.times"
done
# The same cycle without the firmware: the OS (up, after the verdict) kexecs back
# into the stage-1.
for n in $(seq 1 "$runs"); do
	off=$(stat -c %s "$c")
	before=$(curl -sS "$LAB_URL/booted?machine=disk1&limit=1")
	t0=$(ms)
	lab_ssh disk1 kbisect-reboot # (ssh may see the connection end as the OS goes down: the boot report decides)
	boot_report "$before" || exit 1
	t1=$(ms)
	rest_of_cycle t2 t3 t4 || exit 1
	if tail -c +"$((off + 1))" "$c" | grep -aq "GNU GRUB"; then
		echo "bench: the kexec path went through the firmware (GRUB ran)" >&2
		exit 1
	fi
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t4 - t0))" >>"$LAB_DIR/kexec.times"
done
lab_qemu_stop disk1

# plain: the same disk without kbisect, GRUB's default entry is Debian's kernel.
cp --sparse=always "$KBISECT_LAB_DISK/base.img" "$LAB_DIR/plain.img"
lab_disk_start plain $((LAB_HTTP_PORT + 26))
ssh_up plain || exit 1
c=$LAB_OUT/plain.console
for n in $(seq 1 "$runs"); do
	off=$(stat -c %s "$c")
	t0=$(ms)
	"$KBISECT" qmp-reset "$LAB_DIR/plain.qmp" || exit 1
	wait_text "$c" "$off" "Loading Linux $KVER" || exit 1
	t1=$(ms)
	ssh_up plain || exit 1
	t2=$(ms)
	verdict plain || { echo "bench: the verdict failed on plain" >&2; exit 1; }
	t3=$(ms)
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t3 - t0))" >>"$LAB_DIR/plain.times"
done
lab_qemu_stop plain

median() { cut -d' ' -f"$2" "$LAB_DIR/$1.times" | sort -n | awk '{v[NR] = $1} END {printf "%.2f", v[int((NR + 1) / 2)] / 1000}'; }
echo "one candidate cycle on the disk machine, seconds (median of $runs; TCG QEMU on 2 cores;"
echo "the same kernel $KVER and Debian 12 every way; the verdict: modprobe dummy over ssh;"
echo "every firmware pass takes ${KBISECT_LAB_FIRMWARE_SECONDS} s more)"
echo "kbisect:"
printf '  %-58s %7s\n' "power cycle to GRUB loading the stage-1 kernel" "$(median kbisect 1)" \
	"stage-1: modules, network, list, until its boot report" "$(median kbisect 2)" \
	"kernel and modules loaded, kexec, stage-2 up to exec init" "$(median kbisect 3)" \
	"the disk's Debian up to sshd answering" "$(median kbisect 4)" \
	"verdict over ssh" "$(median kbisect 5)" \
	"total" "$(median kbisect 6)"
echo "kbisect without the firmware (kbisect-reboot: the OS kexecs into the stage-1):"
printf '  %-58s %7s\n' "kbisect-reboot, OS shutdown, stage-1 until its boot report" "$(median kexec 1)" \
	"kernel and modules loaded, kexec, stage-2 up to exec init" "$(median kexec 2)" \
	"the disk's Debian up to sshd answering" "$(median kexec 3)" \
	"verdict over ssh" "$(median kexec 4)" \
	"total" "$(median kexec 5)"
echo "plain GRUB boot of the same disk, no kbisect:"
printf '  %-58s %7s\n' "power cycle to GRUB loading the kernel" "$(median plain 1)" \
	"Debian (with its initramfs) up to sshd answering" "$(median plain 2)" \
	"verdict over ssh" "$(median plain 3)" \
	"total" "$(median plain 4)"
printf 'kbisect/plain: %.2fx (what the stage-1 adds to a cycle: %.2f s)\n' \
	"$(echo "$(median kbisect 6) / $(median plain 4)" | bc -l)" "$(echo "$(median kbisect 6) - $(median plain 4)" | bc -l)"
printf 'kbisect without the firmware/plain: %.2fx; /kbisect over the power path: %.2fx\n' \
	"$(echo "$(median kexec 5) / $(median plain 4)" | bc -l)" "$(echo "$(median kexec 5) / $(median kbisect 6)" | bc -l)"
echo "(the plain boot is not a bisection: it boots the disk's installed kernel; installing a"
echo " candidate there costs a build of the package, its install, and a reinstall after a hang)"
