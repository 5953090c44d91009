#!/bin/bash
# bench/cycle.sh [RUNS]: one bisection candidate cycle, two ways, on the same QEMU
# machine with the same candidate image (a tinyconfig kernel of the bisection
# history and its test initrd):
#   kbisect: set once -> power cycle -> boot report -> verdict on the console;
#   the old way: install the kernel into a bootable image (grub-mkrescue), boot
#   it through the firmware and GRUB, wait for the same verdict.
# Prints each part and the totals, and the ratio (mean of RUNS, default 3).
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --kernels 1 --linux x86_64
lab_enter --base 1800 "$0" "$@"
lab_init
runs=${1:-3}
. "$LAB_TOP/tests/bisect/setup.sh"
"$BUILDER" --config "$BUILDER_INI" build master >"$LAB_DIR/build.log" 2>&1 || { cat "$LAB_DIR/build.log"; exit 1; }
image=$(ls "$LAB_IMAGES" | grep _x86_64 | head -n1)
pass='kbisect-test: PASS'
ms() { date +%s%3N; }
# wait_text FILE OFFSET TEXT: until TEXT is in FILE after OFFSET (120 s at most).
wait_text() {
	local deadline=$((SECONDS + 120))
	until tail -c +"$(($2 + 1))" "$1" 2>/dev/null | grep -aqF -- "$3"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

# kbisect: the machine runs our stage-1; each cycle is what `kbisect step` does.
machine lab1 none
wait_for lab1 "^$pass" 120 >/dev/null || exit 1
for n in $(seq 1 "$runs"); do
	c=$LAB_OUT/lab1.console
	off=$(stat -c %s "$c")
	before=$(curl -sS "$LAB_URL/booted?machine=lab1&limit=1")
	t0=$(ms)
	curl -sS -f -X PUT --data-binary "$image" "$LAB_URL/default?machine=lab1&once=1" >/dev/null
	t1=$(ms)
	"$KBISECT" qmp-reset "$LAB_DIR/lab1.qmp"
	t2=$(ms)
	while [ "$(curl -sS "$LAB_URL/booted?machine=lab1&limit=1")" = "$before" ]; do sleep 0.05; done
	t3=$(ms)
	wait_text "$c" "$off" "$pass" || exit 1
	t4=$(ms)
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t4 - t0))" >>"$LAB_DIR/kbisect.times"
done
lab_qemu_stop lab1

# The old way: the kernel into a GRUB-bootable image, then firmware + GRUB + boot.
iso=$LAB_DIR/iso
mkdir -p "$iso/boot/grub"
for n in $(seq 1 "$runs"); do
	: >"$LAB_OUT/old.console"
	t0=$(ms)
	cp "$LAB_IMAGES/$image/bzImage" "$LAB_IMAGES/$image/initrd" "$iso/boot/"
	cat >"$iso/boot/grub/grub.cfg" <<-CFG
	serial --unit=0 --speed=115200
	terminal_output serial
	set timeout=0
	menuentry candidate {
	    linux /boot/bzImage console=ttyS0
	    initrd /boot/initrd
	}
	CFG
	grub-mkrescue -o "$LAB_DIR/candidate.iso" "$iso" >/dev/null 2>&1 || { echo "grub-mkrescue failed"; exit 1; }
	t1=$(ms)
	qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults -display none -cdrom "$LAB_DIR/candidate.iso" \
		-boot d -serial "file:$LAB_OUT/old.console" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
		>/dev/null 2>&1 &
	qemu=$!
	wait_text "$LAB_OUT/old.console" 0 "Linux version" || exit 1
	t2=$(ms)
	wait_text "$LAB_OUT/old.console" 0 "$pass" || exit 1
	t3=$(ms)
	kill $qemu
	wait $qemu 2>/dev/null
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t3 - t0))" >>"$LAB_DIR/old.times"
done

mean() { awk -v c="$2" '{s += $c; n++} END {printf "%.2f", s / n / 1000}' "$LAB_DIR/$1.times"; }
echo "one candidate cycle, seconds (mean of $runs; TCG QEMU on 2 cores; the same image $image)"
echo "kbisect:"
printf '  %-44s %6s\n' "set once (PUT default?once=1)" "$(mean kbisect 1)" \
	"power cycle (QMP system_reset)" "$(mean kbisect 2)" \
	"until stage-1's boot report" "$(mean kbisect 3)" \
	"kexec, candidate boot, verdict on the console" "$(mean kbisect 4)" \
	"total" "$(mean kbisect 5)"
echo "the old way:"
printf '  %-44s %6s\n' "install into a bootable image (grub-mkrescue)" "$(mean old 1)" \
	"firmware + GRUB until the kernel starts" "$(mean old 2)" \
	"candidate boot, verdict on the console" "$(mean old 3)" \
	"total" "$(mean old 4)"
printf 'ratio old/kbisect: %.2fx\n' "$(echo "$(mean old 4) / $(mean kbisect 5)" | bc -l)"
echo "(a hang adds the verdict timeout to both ways; on real hardware the old way also"
echo " reinstalls a good kernel after a hang, and firmware POST takes far longer than QEMU's)"
