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
# candidate is written to the disk's /boot or /lib/modules.
# needs: --disk-trixie --kernels-trixie 1
# budget: --boots 4
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
CAND=6.12.0-main_dddddddddddd_20261123_x86_64
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

# A power cycle brings the machine back to GRUB and the stage-1.
power_cycle disk1
t_check "after a power cycle: GRUB and the stage-1 again" wait_for disk1 "^kbisect: stage-1 init starting" 240 2
lab_qemu_stop disk1
after=$(lab_disk_sums disk1) || lab_die "cannot read disk1's image"
t_eq "nothing under the disk's /boot, /lib/modules or /etc/default changed" "$before" "$after"
t_done
