#!/bin/bash
# The x86_64 stage-1's kexec_load path (design.md "Loading the candidate"): with
# kbisect.arch=i386, on a machine booted by UEFI (OVMF, the stage-1 through its
# EFI stub), it boots a 32-bit candidate (Debian's 686 kernel: the purgatory hands
# it the e820 map and EFI's ACPI table, nothing of EFI's runtime), after
# refusing, before any kexec and each said, four bad 32-bit images the menu offers
# first: a truncated bzImage, one of too old a boot protocol, one that is not
# relocatable and whose fixed address is not RAM, one whose initrd limit leaves no
# room; with kbisect.kexec=load it boots a 64-bit candidate by kexec_load too.
# needs: --kernels 2 --kernels-i386 1
# budget: --boots 3
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$LAB_TOP/tests/init/setup.sh"

read -r KVER32 ROOT32 < <("$LAB_SRC/fetch-kernel" --offline --arch i386 0)
K32=$ROOT32/boot/vmlinuz-$KVER32
lab_candidate_initrd_i386 "$LAB_DIR/cand32.cpio.gz"
# patched NAME OFFSET HEXBYTES: a copy of the 686 kernel with bytes set at OFFSET.
patched() {
	cp "$K32" "$LAB_DIR/$1"
	printf "$3" | dd of="$LAB_DIR/$1" bs=1 seek=$(($2)) conv=notrunc status=none
	echo "$LAB_DIR/$1"
}
TRUNC=6.1.0-main_a1a1a1a1a1a1_20261130_i386
OLDP=6.1.0-main_a2a2a2a2a2a2_20261129_i386
FIXED=6.1.0-main_a3a3a3a3a3a3_20261128_i386
NORD=6.1.0-main_a4a4a4a4a4a4_20261127_i386
GOOD=6.1.0-main_a5a5a5a5a5a5_20261126_i386
head -c $(($(stat -c %s "$K32") / 2)) "$K32" >"$LAB_DIR/trunc"
IMAGE_KERNEL=$LAB_DIR/trunc lab_store_image "$TRUNC"
IMAGE_KERNEL=$(patched oldp 0x206 '\x09\x02') lab_store_image "$OLDP"
# Not relocatable, loaded at 0xfff00000 (the BIOS ROM, not RAM).
patched fixed 0x234 '\x00' >/dev/null
printf '\x00\x00\xf0\xff' | dd of="$LAB_DIR/fixed" bs=1 seek=$((0x214)) conv=notrunc status=none
IMAGE_KERNEL=$LAB_DIR/fixed lab_store_image "$FIXED"
# An initrd limit below 1 MiB: no room for any initrd.
IMAGE_KERNEL=$(patched nord 0x22c '\xff\xff\x0f\x00') IMAGE_INITRD=$LAB_DIR/cand32.cpio.gz lab_store_image "$NORD"
IMAGE_KERNEL=$K32 IMAGE_INITRD=$LAB_DIR/cand32.cpio.gz IMAGE_CMDLINE="console=ttyS0 candidate.marker=on-64" \
	lab_store_image "$GOOD"

lab_register x32
LAB_FIRMWARE=uefi BOOT_KERNEL=$LAB_VMLINUZ boot x32 "kbisect.timeout=0 kbisect.arch=i386"
t_check "the stage-1 was started by UEFI (OVMF), and says so" wait_for x32 "^kbisect: firmware: UEFI" 120
t_check "the 32-bit candidate runs on the x86_64 stage-1: its marker, uname -m = i686" \
	wait_for x32 "^candidate: running $KVER32 i686 marker=on-64" 300
refused() { console_has x32 "kbisect: kexec: $1: refused before kexec: $2"; }
t_check "truncated bzImage: refused before kexec" refused "$TRUNC" "truncated: the file is shorter than its header says"
t_check "too old a boot protocol: refused before kexec, its version said" \
	refused "$OLDP" "its boot protocol is older than 2.10, the oldest kexec_load takes here (it has 2.9)"
t_check "not relocatable, at an address that is not RAM: refused before kexec" \
	refused "$FIXED" "it is not relocatable, and the fixed address it loads or runs at is not free RAM here"
t_check "an initrd above the kernel's limit: refused before kexec" \
	refused "$NORD" "the initrd does not fit in free RAM below the kernel's initrd limit (its initrd_addr_max)"
t_eq "only the good image was kexec'd (one kexec, one boot report)" "1 $GOOD" \
	"$(grep -ac '^kbisect: kexec into ' "$LAB_OUT/x32.console") $(curl -sS "$LAB_URL/booted?machine=x32" | awk '{print $2}' | sort -u)"
t_check "32-bit: kexec_load, and the purgatory checked the segments" bash -c "
	grep -aq '^kbisect: kexec: kexec_load: 32-bit kernel at 0x' '$LAB_OUT/x32.console' &&
	grep -aq '^kbisect purgatory: segments ok, entering the kernel at 0x' '$LAB_OUT/x32.console'"
t_check "the 32-bit candidate found the machine's ACPI tables through the RSDP it was handed (EFI's)" \
	grep -aqE "ACPI: RSDP 0x0*[0-9A-F]+ [0-9A-F]+ \(v02 " "$LAB_OUT/x32.console"
lab_qemu_stop x32

# kbisect.kexec=load: a 64-bit candidate by kexec_load (its 32-bit entry, from long mode).
set_default x64 "$CAND"
boot x64 "kbisect.timeout=0 kbisect.kexec=load"
t_check "kbisect.kexec=load: the 64-bit candidate runs" wait_for x64 "^candidate: running $CAND_KVER marker=from-image-ini" 300
t_check "kbisect.kexec=load: by kexec_load and the purgatory" bash -c "
	grep -aq '^kbisect: kexec: kexec_load: 64-bit kernel at 0x' '$LAB_OUT/x64.console' &&
	grep -aq '^kbisect purgatory: segments ok' '$LAB_OUT/x64.console'"
lab_qemu_stop x64
t_done
