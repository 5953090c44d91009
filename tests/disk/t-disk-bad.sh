#!/bin/bash
# Bad candidates on a disk machine: each is refused with a console line that says
# what, nothing unverified is kexec'd, and the machine comes back to the stage-1
# (a stage-2 failure reboots it through the firmware). The images are Debian's
# kernel with its trimmed modules (as in t-disk), spoilt one way each:
#   BADFORM   root=UUID=xyz on its command line: refused by the stage-1
#   BADMOD    its modules.cpio.gz changed after publishing: refused by the stage-1
#   BADROOT   root= names no device: stage-2 gives up after rootdelay
#   OTHERREL  modules for another release: stage-2 refuses them
# needs: --disk
# budget: --boots 5
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$KBISECT_LAB_DISK/facts"
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"

mods=$KBISECT_LAB_DISK/modules-$KVER.cpio.gz
line="root=UUID=$UUID ro console=ttyS0"
# Newest first in the list after once and default: OTHERREL, BADROOT, BADMOD.
BADFORM=6.1.0-main_bbbbbbbbbbbb_20261105_x86_64
BADMOD=6.1.0-main_cccccccccccc_20261104_x86_64
BADROOT=6.1.0-main_eeeeeeeeeeee_20261103_x86_64
OTHERREL=6.1.0-main_ffffffffffff_20261102_x86_64
export IMAGE_KERNEL=$KBISECT_LAB_DISK/vmlinuz-$KVER
IMAGE_MODULES=$mods IMAGE_CMDLINE="root=UUID=xyz ro console=ttyS0" lab_store_image "$BADFORM"
IMAGE_MODULES=$mods IMAGE_CMDLINE=$line lab_store_image "$BADMOD"
lab_spoil "$LAB_IMAGES/$BADMOD/modules.cpio.gz" 4096
IMAGE_MODULES=$mods IMAGE_CMDLINE="root=UUID=0bad0bad-0000-4000-8000-000000000000 rootdelay=3 ro console=ttyS0" \
	lab_store_image "$BADROOT"
# The same modules under another release's directory.
other=$LAB_DIR/other
mkdir -p "$other"
(cd "$other" && zcat "$mods" | cpio -id --quiet && mv "lib/modules/$KVER" lib/modules/6.1.0-99-amd64) &&
	"$LAB_SRC/pack-cpio" "$other" lib/modules >"$LAB_DIR/other.cpio.gz"
IMAGE_MODULES=$LAB_DIR/other.cpio.gz IMAGE_CMDLINE=$line lab_store_image "$OTHERREL"

set_kernel() { # set_kernel default|once NAME
	local q=machine=disk2
	[ "$1" = once ] && q+="&once=1"
	curl -sS -f -X PUT --data-binary "$2" "$LAB_URL/default?$q" >/dev/null || lab_die "cannot set disk2's $1"
}
set_kernel default "$BADMOD"
set_kernel once "$BADFORM"

lab_disk_install disk2 "console=ttyS0 panic=-1 kbisect.machine=disk2"
before=$(lab_disk_sums disk2) || lab_die "cannot read disk2's image"
lab_disk_start disk2 $((LAB_HTTP_PORT + 23))
con=$LAB_OUT/disk2.console

# Boot 1: BADFORM and BADMOD are refused by the stage-1, BADROOT is tried.
t_check "a malformed root= is refused by the stage-1" \
	wait_for disk2 "^kbisect: image: $BADFORM: the command line's root: root=UUID= is not a UUID .*: refused" 240
t_check "a modules archive that is not the published one is refused by the stage-1" \
	wait_for disk2 "^kbisect: image: $BADMOD/modules.cpio.gz: sha256 mismatch, refusing to boot it" 60
t_check "the stage-1 goes on with the next kernel of the list" wait_for disk2 "^kbisect: kexec into $BADROOT" 120
t_check "stage-2: a root= that names no device is said, with the devices there are" \
	wait_for disk2 "^kbisect: stage-2: no device is root=UUID=0bad0bad-0000-4000-8000-000000000000 after 3 s \(block devices: .*vda1.*\)" 120
set_kernel default "$OTHERREL"
curl -sS -f -X DELETE "$LAB_URL/default?machine=disk2&once=1" >/dev/null || lab_die "cannot clear disk2's once"
t_check "stage-2 then reboots the machine" wait_for disk2 "^kbisect: rebooting in 10 s" 30
t_check "the firmware brings the stage-1 back" wait_for disk2 "^kbisect: stage-1 init starting" 120 2
# Boot 2: OTHERREL.
t_check "stage-2: modules for another release are refused" \
	wait_for disk2 "^kbisect: stage-2: the image's modules are for release 6.1.0-99-amd64, this kernel is $KVER" 240
curl -sS -f -X DELETE "$LAB_URL/default?machine=disk2" >/dev/null || lab_die "cannot clear disk2's default"
t_check "and the stage-1 comes back again" wait_for disk2 "^kbisect: stage-1 init starting" 120 3
t_eq "nothing unverified or refused was kexec'd" 0 "$(grep -acE "^kbisect: kexec into ($BADFORM|$BADMOD)" "$con")"
t_eq "no kernel panicked" 0 "$(grep -ac "Kernel panic" "$con")"
lab_qemu_stop disk2
after=$(lab_disk_sums disk2) || lab_die "cannot read disk2's image"
t_eq "nothing under the disk's /boot, /lib/modules or /etc/default changed" "$before" "$after"
t_done
