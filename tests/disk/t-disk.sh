#!/bin/bash
# A test machine of today with its own disk: Debian 13 (tests/lab/disk-image --suite
# trixie: its root tree from the mirror's trixie suite, GRUB on the disk), our
# stage-1 installed the way the README tells an admin, with the disk's own Debian 13
# kernel as the stage-1 kernel (its modules .ko.xz, kept compressed: it decompresses
# them), QEMU booting the disk alone (SeaBIOS, GRUB's default entry = kbisect,
# stage-1, kexec), and the candidate booting the disk's own Debian to multi-user
# with sshd through stage-2. The candidate is a distribution's kernel of today,
# Debian 13's, from the server (its disk's and filesystem's drivers are modules,
# shipped xz-compressed, which stage-2 and then the OS's kmod load as they are: the
# kernel decompresses them), with its modules trimmed to what the machine needs
# (tests/lab/trim-modules): stage-2 mounts them over the disk's own, nothing of the
# candidate is written to the disk's /boot or /lib/modules. Then bad candidates on
# the same machine: each refused, said, and the machine back in its stage-1.
# needs: --disk-trixie --kernels-trixie 1
# budget: --boots 7
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$KBISECT_LAB_DISK/facts"
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"

# The candidate, from the server: Debian 13's kernel and its modules (.ko.xz), with
# a command line of the image's own (marked, so the OS can tell who booted it).
read -r CKVER CROOT < <("$LAB_SRC/fetch-kernel" --offline --suite trixie 0) || lab_die "no cached Debian 13 kernel"
CAND=6.12.0-main_dddddddddddd_20261101_x86_64
CKVER_RE=${CKVER//+/\\+} # for grep -E: Debian 13's release has a "+"
"$LAB_SRC/trim-modules" "$CROOT/usr/lib/modules/$CKVER" "$LAB_DIR/cand-modules.cpio.gz" \
	virtio_blk virtio_net ext4 crc32c_generic dummy || lab_die "cannot trim Debian 13's modules"
IMAGE_KERNEL=$CROOT/boot/vmlinuz-$CKVER IMAGE_MODULES=$LAB_DIR/cand-modules.cpio.gz \
	lab_disk_debian_image "$CAND" disk1 kbisect.lab=candidate
t_check "the candidate's modules are xz-compressed, as Debian 13 ships them" \
	bash -c 'zcat "$1" | cpio -t --quiet | grep -q "kernel/fs/ext4/ext4.ko.xz$"' _ "$LAB_DIR/cand-modules.cpio.gz"

lab_disk_install disk1 "console=ttyS0 panic=-1 kbisect.machine=disk1"
t_check "install: the initramfs carries the disk kernel's NIC driver" \
	bash -c "zcat '$LAB_DIR/disk1-initramfs.cpio.gz' | cpio -t --quiet | grep -q 'lib/modules/$KVER/.*virtio_net.ko'"
t_check "install: the stage-1 initramfs keeps the Debian 13 kernel's modules xz-compressed (it decompresses them)" \
	bash -c "zcat '$LAB_DIR/disk1-initramfs.cpio.gz' | cpio -t --quiet | grep -q 'lib/modules/$KVER/.*virtio_net.ko.xz$'"
t_check "install: update-grub found the kbisect entry" grep -q "42_kbisect: kbisect stage-1 entry for $LAB_GUEST_URL" "$LAB_DIR/disk1-install.log"

before=$(lab_disk_sums disk1) || lab_die "cannot read disk1's image"
t_check "the image's /boot and /lib/modules can be read before the boot" \
	grep -q " boot/vmlinuz-$KVER\$" <<<"$before"

port=$((LAB_HTTP_PORT + 22))
lab_disk_start disk1 "$port"
t_check "GRUB on the disk boots its default entry, the kbisect stage-1" \
	wait_for disk1 "Loading the kbisect stage-1 kernel" 180
t_check "the stage-1 starts from the disk's /boot" wait_for disk1 "^kbisect: stage-1 init starting" 120
t_check "... its kernel the disk's own Debian 13 one" grep -aqF "Linux version $KVER " "$LAB_OUT/disk1.console"
t_check "the stage-1 makes the candidate's stage-2 initramfs with the image's modules" \
	wait_for disk1 "^kbisect: stage-2: the candidate boots the machine's own OS \(with the image's modules\)" 180
t_check "the stage-1 kexecs into the machine's default" wait_for disk1 "^kbisect: kexec into $CAND" 60
t_check "stage-2 runs as the candidate's PID 1" wait_for disk1 "^kbisect: stage-2: $CAND \($CKVER_RE\) boots the machine's own OS" 60
t_check "stage-2 loads the disk's driver from the image's modules (virtio_pci found it)" \
	wait_for disk1 "^kbisect: modules: loaded virtio_blk" 60
t_check "stage-2 loads crc32c (ext4's soft dependency, found by its alias)" \
	wait_for disk1 "^kbisect: modules: loaded crc32c_generic" 60
t_check "stage-2 loads ext4 for the root's filesystem (ext4.ko.xz, the kernel decompressing it)" \
	wait_for disk1 "^kbisect: modules: loaded ext4" 60
t_check "stage-2 finds root=UUID= and mounts it read-only" \
	wait_for disk1 "^kbisect: stage-2: root /dev/vda1 \(ext4, ro\) mounted" 60
t_check "stage-2 shows the candidate's modules at /usr/lib/modules/$CKVER" \
	wait_for disk1 "^kbisect: stage-2: [0-9]+ module files .* at /usr/lib/modules/$CKVER_RE" 30
t_check "stage-2 hands over to the OS's init" wait_for disk1 "^kbisect: stage-2: exec /sbin/init" 30
t_check "the candidate boots the disk's Debian to sshd" lab_ssh_wait disk1 300
t_eq "over ssh: the kernel is the candidate's release" "$CKVER" "$(lab_ssh disk1 uname -r)"
cmdline=$(lab_ssh disk1 cat /proc/cmdline)
t_check "over ssh: /proc/cmdline is the image's (booted through kbisect, not GRUB's entry)" grep -q "kbisect.lab=candidate" <<<"$cmdline"
t_eq "over ssh: the machine's own host name" kbisect-disk "$(lab_ssh disk1 hostname)"
t_eq "over ssh: the machine's own OS, Debian 13" 13 "$(lab_ssh disk1 cut -d. -f1 /etc/debian_version)"
state=$(lab_ssh disk1 timeout 90 systemctl is-system-running --wait)
echo "# systemctl is-system-running: $state"
# "degraded" would still be a booted OS (a unit failed, e.g. one that wants
# hardware the lab has not); "starting" or no answer is not.
t_check "over ssh: systemd is running (or degraded) with multi-user.target active" \
	bash -c "[ '$state' = running ] || [ '$state' = degraded ] && [ '$(lab_ssh disk1 systemctl is-active multi-user.target)' = active ]"
t_eq "over ssh: /lib/modules/$CKVER is a tmpfs (nothing written to the disk)" tmpfs \
	"$(lab_ssh disk1 stat -f -c %T /lib/modules/$CKVER)"
t_eq "over ssh: the OS's modprobe (Debian 13's kmod) loads a module of the candidate's (dummy.ko.xz), from there" 1 \
	"$(lab_ssh disk1 'modprobe dummy && grep -c ^dummy /proc/modules')"
t_eq "over ssh: the OS's udev loaded the NIC's module from there too" 1 \
	"$(lab_ssh disk1 grep -c ^virtio_net /proc/modules)"
t_check "the server's boot log names the image" \
	bash -c "curl -sS '$LAB_URL/booted?machine=disk1' | grep -q ' $CAND '"

# --- bad candidates: each refused with a console line that says what, nothing
# unverified kexec'd, and the machine back in its stage-1 (a stage-2 failure
# reboots it through the firmware). The disk's own kernel with its trimmed
# modules, spoilt one way each:
#   BADFORM   root=UUID=xyz on its command line: refused by the stage-1
#   BADMOD    its modules.cpio.gz changed after publishing: refused by the stage-1
#   BADROOT   root= names no device: stage-2 gives up after rootdelay
#   OTHERREL  modules for another release: stage-2 refuses them
# In the list after the once and the default, newest first: BADROOT, OTHERREL, CAND.
mods=$KBISECT_LAB_DISK/modules-$KVER.cpio.gz
line="root=UUID=$UUID ro console=ttyS0"
BADFORM=6.12.0-main_bbbbbbbbbbbb_20261105_x86_64
BADMOD=6.12.0-main_cccccccccccc_20261104_x86_64
BADROOT=6.12.0-main_eeeeeeeeeeee_20261103_x86_64
OTHERREL=6.12.0-main_ffffffffffff_20261102_x86_64
bad_image() { # bad_image NAME MODULES CMDLINE
	IMAGE_KERNEL=$KBISECT_LAB_DISK/vmlinuz-$KVER IMAGE_MODULES=$2 IMAGE_CMDLINE=$3 lab_store_image "$1"
}
bad_image "$BADFORM" "$mods" "root=UUID=xyz ro console=ttyS0"
bad_image "$BADMOD" "$mods" "$line"
lab_spoil "$LAB_IMAGES/$BADMOD/modules.cpio.gz" 4096
bad_image "$BADROOT" "$mods" "root=UUID=0bad0bad-0000-4000-8000-000000000000 rootdelay=3 ro console=ttyS0"
# The same modules under another release's directory.
other=$LAB_DIR/other
mkdir -p "$other"
(cd "$other" && zcat "$mods" | cpio -id --quiet && mv "lib/modules/$KVER" lib/modules/6.1.0-99-amd64) &&
	"$LAB_SRC/pack-cpio" "$other" lib/modules >"$LAB_DIR/other.cpio.gz"
bad_image "$OTHERREL" "$LAB_DIR/other.cpio.gz" "$line"
set_kernel() { # set_kernel default|once NAME
	local q=machine=disk1
	[ "$1" = once ] && q+="&once=1"
	curl -sS -f -X PUT --data-binary "$2" "$LAB_URL/default?$q" >/dev/null || lab_die "cannot set disk1's $1"
}
set_kernel default "$BADMOD"
set_kernel once "$BADFORM"

# A power cycle brings the machine back to GRUB and the stage-1.
power_cycle disk1
t_check "after a power cycle: GRUB and the stage-1 again" wait_for disk1 "^kbisect: stage-1 init starting" 240 2
# This boot: BADFORM and BADMOD are refused by the stage-1, BADROOT is tried.
t_check "a malformed root= is refused by the stage-1" \
	wait_for disk1 "^kbisect: image: $BADFORM: the command line's root: root=UUID= is not a UUID .*: refused" 240
t_check "a modules archive that is not the published one is refused by the stage-1" \
	wait_for disk1 "^kbisect: image: $BADMOD/modules.cpio.gz: sha256 mismatch, refusing to boot it" 60
t_check "the stage-1 goes on with the next kernel of the list" wait_for disk1 "^kbisect: kexec into $BADROOT" 120
t_check "stage-2: a root= that names no device is said, with the devices there are" \
	wait_for disk1 "^kbisect: stage-2: no device is root=UUID=0bad0bad-0000-4000-8000-000000000000 after 3 s \(block devices: .*vda1.*\)" 120
set_kernel default "$OTHERREL"
curl -sS -f -X DELETE "$LAB_URL/default?machine=disk1&once=1" >/dev/null || lab_die "cannot clear disk1's once"
t_check "stage-2 then reboots the machine" wait_for disk1 "^kbisect: rebooting in 10 s" 30
t_check "the firmware brings the stage-1 back" wait_for disk1 "^kbisect: stage-1 init starting" 120 3
# The next: OTHERREL.
t_check "stage-2: modules for another release are refused" \
	wait_for disk1 "^kbisect: stage-2: the image's modules are for release 6.1.0-99-amd64, this kernel is ${KVER//+/\\+}" 240
curl -sS -f -X DELETE "$LAB_URL/default?machine=disk1" >/dev/null || lab_die "cannot clear disk1's default"
t_check "and the stage-1 comes back again" wait_for disk1 "^kbisect: stage-1 init starting" 120 4
t_eq "nothing unverified or refused was kexec'd" 0 "$(grep -acE "^kbisect: kexec into ($BADFORM|$BADMOD)" "$LAB_OUT/disk1.console")"
t_eq "no kernel panicked" 0 "$(grep -ac "Kernel panic" "$LAB_OUT/disk1.console")"
lab_qemu_stop disk1
after=$(lab_disk_sums disk1) || lab_die "cannot read disk1's image"
t_eq "nothing under the disk's /boot, /lib/modules or /etc/default changed" "$before" "$after"
t_done
