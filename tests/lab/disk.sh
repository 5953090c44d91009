# The lab's disk test machines (sourced by tests/lab/lib.sh): a copy of the base
# disk (tests/lab/disk-image: Debian 12, GRUB on the disk, sshd) per machine, our
# stage-1 installed into it the way doc/admin.md tells an admin, QEMU booting it
# from the disk alone, and ssh into the OS it runs. Needs lab_prepare --disk.

# lab_disk_install NAME CMDLINE: $LAB_DIR/NAME.img, a copy of the base disk with
# this build's stage-1 installed: make initramfs KERNEL_MODULES=<the disk's
# modules>, make install-initramfs DESTDIR=<its root>, /etc/default/kbisect
# (server, the disk's own kernel as stage-1, CMDLINE), GRUB_DEFAULT=kbisect and
# update-grub run in its root (tests/lab/disk-root). The loop device is gone when
# it returns. The stage-1's command line gets LAB_EMULATION_ARGS (see lab_qemu_start).
lab_disk_install() {
	local name=$1 cmdline="$2 $LAB_EMULATION_ARGS" img=$LAB_DIR/$1.img
	[ -n "${KBISECT_LAB_DISK:-}" ] || lab_die "no lab disk (lab_prepare --disk)"
	# shellcheck disable=SC1091
	. "$KBISECT_LAB_DISK/facts"
	lab_step "installing the stage-1 on $name's disk"
	cp --sparse=always "$KBISECT_LAB_DISK/base.img" "$img" || lab_die "cannot copy the base disk"
	local install='
make -s -C "$TOP" B="$BUILD" INITRAMFS="$INITRAMFS" KERNEL_MODULES="$ROOT/lib/modules/$KVER" initramfs
make -s -C "$TOP" B="$BUILD" INITRAMFS="$INITRAMFS" DESTDIR="$ROOT" PREFIX=/usr/local install-initramfs
printf "%s\n" "KBISECT_SERVER=$SERVER" "KBISECT_KERNEL=/boot/vmlinuz-$KVER" \
	"KBISECT_INITRAMFS=/boot/kbisect-initramfs.cpio.gz" "KBISECT_CMDLINE=\"$CMDLINE\"" >"$ROOT/etc/default/kbisect"
sed -i "s/^GRUB_DEFAULT=.*/GRUB_DEFAULT=kbisect/" "$ROOT/etc/default/grub"
chroot "$ROOT" update-grub
'
	TOP=$LAB_TOP BUILD=$LAB_BUILD INITRAMFS=$LAB_DIR/$name-initramfs.cpio.gz KVER=$KVER SERVER=$LAB_GUEST_URL \
		CMDLINE=$cmdline "$LAB_SRC/disk-root" "$img" "$UUID" "$install" >"$LAB_DIR/$name-install.log" 2>&1 ||
		{ cat "$LAB_DIR/$name-install.log" >&2; lab_die "installing the stage-1 on $name's disk failed"; }
}

# lab_disk_start NAME SSH_PORT [bios|uefi]: the machine booting from its disk alone
# (the firmware, GRUB, its default entry), sshd reachable at 127.0.0.1:SSH_PORT of
# the namespace. bios (the default): SeaBIOS and grub-pc; uefi: OVMF (see
# lab_qemu_start) and GRUB's EFI build from the ESP.
# KBISECT_LAB_FIRMWARE_SECONDS (0: none; at most 65) makes every pass through the
# firmware, power cycles and guest reboots alike, take that long more, as a real
# machine's POST does: the firmware's boot menu waits that long for a key.
lab_disk_start() {
	local fw=${KBISECT_LAB_FIRMWARE_SECONDS:-0} boot=()
	[[ $fw =~ ^[0-9]+$ ]] && [ "$fw" -le 65 ] || lab_die "KBISECT_LAB_FIRMWARE_SECONDS is 0 to 65, not '$fw'"
	[ "$fw" -gt 0 ] && boot=(-boot "menu=on,splash-time=$((fw * 1000))")
	LAB_FIRMWARE=${3:-bios} LAB_NETDEV="user,hostname=$1,hostfwd=tcp:127.0.0.1:$2-:22" lab_qemu_start "$1" "" "" "" \
		-drive "file=$LAB_DIR/$1.img,format=raw,if=virtio" "${boot[@]}"
	echo "$2" >"$LAB_DIR/$1.sshport"
}

# lab_disk_sums NAME: the sha256 of every file under the disk's /boot (with the
# ESP, /boot/efi), /usr/lib/modules (Debian's /lib/modules) and /etc/default, read from the image
# itself (from a copy, whose journal the mount may replay after a power cut): what
# no kbisect cycle may change.
lab_disk_sums() {
	local copy=$LAB_DIR/$1.sums.img rc=0
	cp --sparse=always "$LAB_DIR/$1.img" "$copy" || return 1
	"$LAB_SRC/disk-root" "$copy" - \
		'cd "$ROOT" && find boot usr/lib/modules etc/default -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum &&
		esp=$(mktemp -d) && trap "rm -rf $esp" EXIT && mcopy -s -n -i "${LOOP}p3" ::/ "$esp/" 2>/dev/null &&
		cd "$esp" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed "s| \./| boot/efi/|"' ||
		rc=$?
	rm -f "$copy"
	return $rc
}

# lab_disk_cmdline: the command line of a candidate that boots the disk's own root.
# tsc=reliable: under emulation on a busy host the guest's timer interrupts fall
# behind the TSC, and the clocksource watchdog then marks the TSC unstable and
# prints so, minutes into a boot; on a candidate that hangs at boot that line
# broke the console's silence that kbisect-ssh-test --silence judges a hang by
# (a make check with three lanes of QEMU machines on 2 cores: the hang was only
# seen when --wait ran out).
lab_disk_cmdline() {
	# shellcheck disable=SC1091
	. "$KBISECT_LAB_DISK/facts"
	echo "root=UUID=$UUID ro console=ttyS0 tsc=reliable"
}

# lab_disk_debian_image IMAGE MACHINE [CMDLINE_EXTRA]: the disk's own Debian kernel
# and its (trimmed) modules (or IMAGE_KERNEL's and IMAGE_MODULES': another
# distribution kernel's) published as IMAGE, booting the disk's root with
# CMDLINE_EXTRA, and made MACHINE's default: a kernel that boots the disk's OS
# before anything is built.
lab_disk_debian_image() {
	# shellcheck disable=SC1091
	. "$KBISECT_LAB_DISK/facts"
	IMAGE_KERNEL=${IMAGE_KERNEL:-$KBISECT_LAB_DISK/vmlinuz-$KVER} \
		IMAGE_MODULES=${IMAGE_MODULES:-$KBISECT_LAB_DISK/modules-$KVER.cpio.gz} \
		IMAGE_CMDLINE="$(lab_disk_cmdline)${3:+ $3}" lab_store_image "$1"
	curl -sS -f -X PUT --data-binary "$1" "$LAB_URL/default?machine=$2" >/dev/null ||
		lab_die "cannot make $1 $2's default"
}

# lab_ssh_command NAME: the ssh command (without its destination, root@127.0.0.1)
# that reaches the machine's OS with the lab's key, as kbisect-ssh-test's --ssh
# takes it (a key path without spaces: /var/cache/kbisect/...).
lab_ssh_command() {
	echo "ssh -q -i $KBISECT_LAB_DISK/id_ed25519 -p $(cat "$LAB_DIR/$1.sshport") -o BatchMode=yes" \
		"-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20"
}

# lab_ssh NAME CMD...: CMD as root on the machine's OS (bounded: 20 s to connect,
# 120 s in all).
lab_ssh() {
	local name=$1 cmd
	shift
	cmd=$(lab_ssh_command "$name")
	# shellcheck disable=SC2086 # the command's words
	timeout 120 $cmd root@127.0.0.1 "$@"
}

# lab_ssh_wait NAME SECONDS: until sshd on the machine runs a command.
lab_ssh_wait() {
	local deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		lab_ssh "$1" true 2>/dev/null && return 0
		sleep 2
	done
	lab_log "$1: no ssh after $2 s"
	return 1
}
