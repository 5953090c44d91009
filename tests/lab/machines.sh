# The lab's test machines (sourced by tests/lab/lib.sh): the cached stage-1 kernel,
# QEMU machines with a serial console and QMP power control, and waits on their
# consoles. Every wait here is bounded in time.

# lab_stage1 [--arch i386 | --suite trixie] [N]: the cached Debian kernel (see
# fetch-kernel; with --arch i386 the 686 one, lab_prepare --kernels-i386; with
# --suite trixie Debian 13's, lab_prepare --kernels-trixie). Sets LAB_KVER, LAB_KROOT,
# LAB_VMLINUZ (its bzImage), LAB_STAGE1_KERNEL (what a test machine's QEMU boots
# as the stage-1: the same kernel's vmlinux, entered by PVH, where fetch-kernel
# made one, else the bzImage) and LAB_STAGE1_INIT (the init of that arch
# lab_stage1_initramfs packs). The cache is filled outside the namespace, which
# has no route out.
#   The vmlinux spares every stage-1 boot the bzImage's decompressor (~2.2 s of
# emulated xz of the ~4.5 s a Debian kernel takes to its /init here); the kernel
# that runs is the same, and the bzImage's own way in stays tested where it is
# the real one: GRUB boots it on the disk machines (tests/disk), t-guest and the
# stage-1 bench boot it by QEMU's -kernel, and kexec loads it as a candidate.
lab_stage1() {
	local line arch=x86_64 suite=()
	[ "${1:-}" = --arch ] && { arch=$2; shift 2; }
	[ "${1:-}" = --suite ] && { suite=(--suite "$2"); shift 2; }
	line=$("$LAB_SRC/fetch-kernel" --offline --arch "$arch" "${suite[@]}" "${1:-}") ||
		lab_die "no cached $arch ${suite[*]} stage-1 kernel"
	LAB_KVER=${line%% *}
	LAB_KROOT=${line#* }
	LAB_VMLINUZ=$LAB_KROOT/boot/vmlinuz-$LAB_KVER
	LAB_STAGE1_KERNEL=$LAB_KROOT/boot/vmlinux-$LAB_KVER
	[ -f "$LAB_STAGE1_KERNEL" ] || LAB_STAGE1_KERNEL=$LAB_VMLINUZ
	case $arch in
	i386) LAB_STAGE1_INIT=$(lab_bin i386/kbisect-init) ;;
	*) LAB_STAGE1_INIT=$(lab_bin kbisect-init) ;;
	esac
}

# lab_qemu_start NAME KERNEL INITRD APPEND [QEMU ARGS...]: a test machine with
# user-mode networking (the namespace's loopback is 10.0.2.2 to the guest), its
# serial console logged to LAB_OUT/NAME.console (lab_type writes to it), and QMP
# for power control. LAB_NETDEV replaces the "user" network backend. An empty
# INITRD boots the kernel without one; an empty KERNEL boots the firmware (a disk
# given in QEMU ARGS). LAB_QEMU names another QEMU (qemu-system-i386 for a 32-bit
# machine, with QEMU's default CPU for it). LAB_FIRMWARE=uefi boots OVMF (Debian's
# ovmf; its variables in $LAB_DIR/NAME.vars, kept across power cycles as a
# machine's NVRAM is) instead of SeaBIOS: with a KERNEL, OVMF starts it through its
# EFI stub, as GRUB's EFI build does. LAB_FIRMWARE=uefi-secure: OVMF's Secure Boot
# build on a q35 machine with SMM, its variables Debian's snakeoil set (PK, KEK and
# db hold the snakeoil certificate, LAB_SB_CERT, whose key LAB_SB_KEY signs): it
# starts only a KERNEL that key signed.
#   Every command line gets nosoftlockup: under emulation on a busy host the
# guest's CPU can stand still for tens of seconds, and the stage-1 kernel's
# soft-lockup watchdog then reports its own starvation as a "BUG:" line, after the
# stage-1's kexec line, where a verdict would take it for the candidate's. And
# cryptomgr.notests: the self-tests of the crypto algorithms built into Debian's
# kernel took 0.25 s of the ~1.45 s of CPU its boot to /init costs under emulation,
# on each of the ~145 boots of a Debian kernel in a make check; they test Debian's
# kernel, not kbisect (a kernel without a crypto manager ignores the option).
LAB_EMULATION_ARGS="nosoftlockup cryptomgr.notests"
lab_qemu_start() {
	local name=$1 kernel=$2 initrd=$3 append="$4 $LAB_EMULATION_ARGS"
	shift 4
	[ -n "$initrd" ] && set -- -initrd "$initrd" "$@"
	[ -n "$kernel" ] && set -- -kernel "$kernel" -append "$append" "$@"
	local code=$LAB_OVMF_CODE vars=$LAB_OVMF_VARS
	case ${LAB_FIRMWARE:-bios} in
	bios) ;;
	uefi | uefi-secure)
		[ "$LAB_FIRMWARE" = uefi ] || {
			code=$LAB_OVMF_SB_CODE vars=$LAB_OVMF_SB_VARS
			set -- -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on "$@"
		}
		[ -f "$code" ] || lab_die "no $code (Debian's ovmf)"
		[ -z "$kernel" ] || [ "$(head -c 4 "$kernel" | od -An -c | tr -d ' ')" != 177ELF ] ||
			lab_die "OVMF starts a bzImage by its EFI stub, not an ELF vmlinux ($kernel): use LAB_VMLINUZ"
		[ -f "$LAB_DIR/$name.vars" ] || cp "$vars" "$LAB_DIR/$name.vars" || lab_die "cannot copy OVMF's variables"
		set -- -drive "if=pflash,format=raw,readonly=on,file=$code" -drive "if=pflash,format=raw,file=$LAB_DIR/$name.vars" "$@"
		;;
	*) lab_die "LAB_FIRMWARE is bios, uefi or uefi-secure, not '$LAB_FIRMWARE'" ;;
	esac
	: >"$LAB_OUT/$name.console"
	"${LAB_QEMU:-qemu-system-x86_64}" -accel tcg -m 1024 -smp 1 -nodefaults -display none \
		-netdev "${LAB_NETDEV:-user},id=n0" -device virtio-net-pci,netdev=n0 \
		-chardev "socket,id=con,path=$LAB_DIR/$name.serial,server=on,wait=off,logfile=$LAB_OUT/$name.console,logappend=on" \
		-serial chardev:con \
		-qmp "unix:$LAB_DIR/$name.qmp,server=on,wait=off" \
		"$@" >"$LAB_DIR/$name.qemu.log" 2>&1 &
	echo $! >"$LAB_DIR/$name.pid"
	local deadline=$((SECONDS + 10))
	until [ -S "$LAB_DIR/$name.qmp" ]; do
		kill -0 "$(cat "$LAB_DIR/$name.pid")" 2>/dev/null ||
			{ cat "$LAB_DIR/$name.qemu.log" >&2; lab_die "qemu $name exited"; }
		[ $SECONDS -lt $deadline ] || lab_die "qemu $name: no QMP socket"
		sleep 0.1
	done
}

LAB_OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
LAB_OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
LAB_OVMF_SB_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
LAB_OVMF_SB_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
LAB_SB_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem

# lab_sb_key: LAB_SB_KEY, the snakeoil certificate's private key without its
# passphrase (Debian ships it with "snakeoil"), as a lab admin prepares a db key
# for the builder (which signs unattended).
lab_sb_key() {
	LAB_SB_KEY=$LAB_DIR/snakeoil.key
	[ -f "$LAB_SB_KEY" ] ||
		openssl pkey -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil -out "$LAB_SB_KEY" ||
		lab_die "cannot read Debian's snakeoil key"
}

# lab_sb_esp OUT KERNEL INITRD APPEND: a disk image (GPT, one ESP) that boots a
# stage-1 the way a Secure Boot machine of a Debian lab does: OVMF starts shim
# (Debian's shim-unsigned) from the removable-media path, shim GRUB's EFI build
# (grubx64.efi beside it, made with grub-mkimage from Debian's grub-efi-amd64-bin),
# and GRUB, through shim's verifier, the KERNEL (with INITRD, unverified, as GRUB
# does) on the serial console. shim, GRUB and KERNEL are signed with the lab's db
# key (lab_sb_key), which shim checks against the firmware's db as it does its MOK
# list. GRUB's SBAT metadata is that of Debian's own signed build of the same
# package (grub-efi-amd64-signed), whose generations shim's revocations accept.
lab_sb_esp() {
	local out=$1 kernel=$2 initrd=$3 append="$4 $LAB_EMULATION_ARGS" d=$LAB_DIR/esp.$$ ver f
	lab_sb_key
	mkdir -p "$d"
	ver=$(dpkg-query -W -f '${Version}' grub-efi-amd64-bin) || lab_die "no grub-efi-amd64-bin (Debian's GRUB EFI build)"
	printf '%s\n' "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md" \
		"grub,5,Free Software Foundation,grub,${ver%%-*},https://www.gnu.org/software/grub/" \
		"grub.debian,5,Debian,grub2,$ver,https://tracker.debian.org/pkg/grub2" \
		"grub.debian12,1,Debian,grub2,$ver,https://tracker.debian.org/pkg/grub2" >"$d/sbat.csv"
	printf '%s\n' "serial --speed=115200" "terminal_input serial" "terminal_output serial" \
		"echo 'kbisect lab: GRUB loads the stage-1'" "linux /kbisect/vmlinuz $append" "initrd /kbisect/initramfs" boot >"$d/grub.cfg"
	grub-mkimage -O x86_64-efi -d /usr/lib/grub/x86_64-efi -p /EFI/BOOT --sbat "$d/sbat.csv" -o "$d/grubx64.efi" \
		part_gpt fat normal linux configfile echo serial terminal test || lab_die "grub-mkimage failed"
	for f in /usr/lib/shim/shimx64.efi "$d/grubx64.efi" "$kernel"; do
		[ -r "$f" ] || lab_die "lab_sb_esp: no $f (Debian's shim-unsigned?)"
		sbsign --key "$LAB_SB_KEY" --cert "$LAB_SB_CERT" --output "$d/$(basename "$f").signed" "$f" >>"$d/sbsign.log" 2>&1 ||
			{ cat "$d/sbsign.log" >&2; lab_die "cannot sign $f"; }
	done
	rm -f "$out"
	truncate -s 64M "$out"
	printf 'label: gpt\nstart=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp\n' | sfdisk -q "$out" >/dev/null &&
		mkfs.vfat -F 32 --offset=2048 "$out" >/dev/null || lab_die "cannot make the ESP"
	# (mtools asks the image for a geometry it does not have, and says so)
	local m=("-i" "$out@@1M")
	{ mmd "${m[@]}" ::/EFI ::/EFI/BOOT ::/kbisect &&
		mcopy "${m[@]}" "$d/shimx64.efi.signed" ::/EFI/BOOT/BOOTX64.EFI &&
		mcopy "${m[@]}" "$d/grubx64.efi.signed" ::/EFI/BOOT/grubx64.efi &&
		mcopy "${m[@]}" "$d/grub.cfg" ::/EFI/BOOT/grub.cfg &&
		mcopy "${m[@]}" "$d/$(basename "$kernel").signed" ::/kbisect/vmlinuz &&
		mcopy "${m[@]}" "$initrd" ::/kbisect/initramfs; } 2> >(grep -v "Could not get geometry" >&2) ||
		lab_die "cannot fill the ESP"
	rm -rf "$d"
}

lab_qmp_raw() {
	printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" |
		timeout 5 socat -t 2 - "UNIX-CONNECT:$1"
}

# lab_qmp NAME JSON: one QMP command; fails when QEMU answers with an error.
lab_qmp() {
	local out
	out=$(lab_qmp_raw "$LAB_DIR/$1.qmp" "$2") || { lab_log "qmp $1: no answer"; return 1; }
	case $out in *'"error"'*) lab_log "qmp $1: $out"; return 1 ;; esac
	return 0
}

# lab_type NAME TEXT: types TEXT (printf escapes) on the machine's serial console.
lab_type() {
	printf "$2" | timeout 5 socat -t 1 - "UNIX-CONNECT:$LAB_DIR/$1.serial"
}

# lab_stage1_initramfs OUT [kbisect-mkinitramfs ARGS...]: our stage-1 initramfs with
# the lab kernel's modules (run lab_stage1 first), and the init of this build (LAB_BUILD)
# for that kernel's arch. Its network drivers: the skeleton's virtio ones only
# (LAB_NICS=default for the set a real machine's has: 4.7 MB more to unpack at
# every boot under emulation).
lab_stage1_initramfs() {
	local out=$1
	shift
	"$LAB_TOP/scripts/kbisect-mkinitramfs" -o "$out" --kernel-modules "$LAB_KROOT/lib/modules/$LAB_KVER" \
		--init "${LAB_STAGE1_INIT:-$(lab_bin kbisect-init)}" --nics "${LAB_NICS:-none}" "$@" \
		>"$LAB_DIR/mkinitramfs.log" 2>&1 || { cat "$LAB_DIR/mkinitramfs.log" >&2; lab_die "kbisect-mkinitramfs failed"; }
}

# lab_candidate_initrd_i386 OUT: a 32-bit candidate's test initrd (the lab's busybox
# is amd64): its /init, tests/init/candidate-init.c built static for i386 with
# musl, prints "candidate: running RELEASE MACHINE marker=M" and powers off.
lab_candidate_initrd_i386() {
	local d=$LAB_DIR/cand-i386
	mkdir -p "$d/proc"
	i686-linux-gnu-gcc -specs /usr/lib/i386-linux-musl/musl-gcc.specs -static -std=c11 -Os -Wall -Wextra -Werror \
		-s -o "$d/init" "$LAB_TOP/tests/init/candidate-init.c" || lab_die "cannot build the candidate's /init"
	"$LAB_SRC/pack-cpio" "$d" >"$1"
}

# power_cycle NAME: the machine's reset line (QEMU restarts with the same -kernel/-initrd).
power_cycle() { lab_qmp "$1" '{"execute":"system_reset"}'; }

lab_qemu_stop() {
	lab_qmp "$1" '{"execute":"quit"}' >/dev/null 2>&1
	local pid
	pid=$(cat "$LAB_DIR/$1.pid" 2>/dev/null) || return 0
	timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null
	return 0
}

# wait_for NAME REGEX SECONDS [COUNT]: until REGEX (grep -E) has matched COUNT lines
# (default 1) of NAME's console. On timeout prints the console's tail and fails.
wait_for() {
	local name=$1 re=$2 count=${4:-1} deadline=$((SECONDS + $3)) n
	local console=$LAB_OUT/$name.console
	while :; do
		n=$(grep -acE -- "$re" "$console" 2>/dev/null)
		[ "${n:-0}" -ge "$count" ] && return 0
		[ $SECONDS -lt $deadline ] || break
		sleep 0.2
	done
	lab_log "$name: '$re' seen ${n:-0} of $count times in $3 s; console tail:"
	tail -n 15 "$console" | sed 's/^/    /' >&2
	return 1
}
