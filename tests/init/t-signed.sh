#!/bin/bash
# Signed images in QEMU (design.md "Signed images"): a stage-1 made with
# SIGNING_KEY boots only images whose image.ini the builder's key signed and whose
# files match it, over HTTP and over NFS. Each machine's list holds, newest first,
# one image spoilt each way an attacker or a fault could, the two unsigned images
# of setup.sh, and last the good signed one: every bad entry is refused with its
# reason, and the machine ends up in the good one.
# Secure Boot (issue 39): a machine under OVMF's Secure Boot with Debian's snakeoil
# keys enrolled (PK, KEK, db) boots from its ESP through Debian's shim and GRUB
# (lab_sb_esp) a stage-1 kernel signed with the db key, which runs locked down; the builder signs the candidates it publishes with that key
# (sbsign), the stage-1 kexecs the signed one, and its kernel refuses an unsigned
# one and one signed by a key the machine does not trust, each said.
# needs: --kernels 2
# budget: --boots 9
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$LAB_TOP/tests/init/setup.sh"

# --- Secure Boot -------------------------------------------------------------------
lab_sb_key
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$LAB_DIR/untrusted.key" -out "$LAB_DIR/untrusted.pem" \
	-subj /CN=kbisect-untrusted -days 30 2>/dev/null || lab_die "cannot make a key"
SB_NONE=6.1.0-main_00000000005b_20261205_x86_64
SB_OTHER=6.1.0-main_00000000005c_20261204_x86_64
SB_GOOD=6.1.0-main_00000000005d_20261203_x86_64
sb_image() { # sb_image NAME MARKER [KEY CERT]
	IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
		IMAGE_CMDLINE="console=ttyS0 candidate.marker=$2" IMAGE_KERNEL_SIGNING=${3:+$3 $4} lab_store_image "$1"
}
sb_image "$SB_NONE" sb-unsigned
sb_image "$SB_OTHER" sb-untrusted "$LAB_DIR/untrusted.key" "$LAB_DIR/untrusted.pem"
sb_image "$SB_GOOD" sb-signed "$LAB_SB_KEY" "$LAB_SB_CERT"
t_check "the builder signed the kernel for Secure Boot: sbverify checks it with the db certificate" \
	bash -c 'sbverify --cert "$1" "$2" >/dev/null' _ "$LAB_SB_CERT" "$LAB_IMAGES/$SB_GOOD/bzImage"
t_check "... and image.ini's kernel_sha256 is the signed kernel's" bash -c \
	'grep -qx "kernel_sha256 = $(sha256sum "$1/bzImage" | cut -d" " -f1)" "$1/image.ini"' _ "$LAB_IMAGES/$SB_GOOD"
set_default sbm "$SB_NONE"
lab_sb_esp "$LAB_DIR/sbm.img" "$LAB_VMLINUZ" "$LAB_DIR/stage1.cpio.gz" \
	"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=sbm kbisect.timeout=0"
LAB_FIRMWARE=uefi-secure lab_qemu_start sbm "" "" "" -drive "file=$LAB_DIR/sbm.img,format=raw,if=virtio" -no-reboot
t_check "Secure Boot: the firmware started shim from the ESP, shim the GRUB signed with the db key" \
	wait_for sbm "kbisect lab: GRUB loads the stage-1" 180
t_check "... which OVMF's boot manager started, and GRUB said it" bash -c \
	'grep -aq "BdsDxe: starting Boot[0-9A-F]* \"UEFI Misc Device\"" "$1" && grep -aq "Welcome to GRUB" "$1"' _ "$LAB_OUT/sbm.console"
t_check "Secure Boot: the stage-1 kernel, signed with the db key and checked through shim, runs locked down" \
	wait_for sbm "Kernel is locked down from EFI Secure Boot" 180
t_check "Secure Boot: the candidate the builder signed runs" wait_for sbm "^candidate: running $CAND_KVER marker=sb-signed" 240
t_check "Secure Boot: an unsigned candidate is refused by the stage-1's kernel, and said" console_has sbm \
	"kbisect: kexec: $SB_NONE: refused by the stage-1's kernel: it demands a signed kernel (Secure Boot's lockdown) and this one has no signature (kexec_file_load: ENODATA)"
t_check "Secure Boot: a candidate signed by a key the machine does not trust is refused, and said" console_has sbm \
	"kbisect: kexec: $SB_OTHER: refused by the stage-1's kernel: it demands a signed kernel and trusts none of this one's signers (the firmware's db, shim's MOK list) (kexec_file_load: ENOKEY)"
t_eq "Secure Boot: only the signed candidate was kexec'd" "1 $SB_GOOD" \
	"$(grep -ac '^kbisect: kexec into ' "$LAB_OUT/sbm.console") $(curl -sS "$LAB_URL/booted?machine=sbm" | awk '{print $2}' | sort -u)"
lab_qemu_stop sbm

keys=$LAB_DIR/keys
mkdir -p "$keys"
for k in a b; do
	openssl ecparam -name prime256v1 -genkey -noout -out "$keys/$k.pem" 2>/dev/null
	openssl pkey -in "$keys/$k.pem" -pubout -out "$keys/$k.pub"
done
fingerprint=$(openssl pkey -in "$keys/a.pem" -pubout -outform DER | tail -c 65 | sha256sum | cut -c1-16)
lab_stage1_initramfs "$LAB_DIR/keyed.cpio.gz" --signing-key "$keys/a.pub"

sha256() { sha256sum "$1" | cut -d' ' -f1; }
signed() { # signed NAME MARKER [KEY]: an image of the candidate signed by KEY (default a)
	IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
		IMAGE_CMDLINE="console=ttyS0 candidate.marker=$2" IMAGE_SIGNING_KEY=$keys/${3:-a}.pem lab_store_image "$1"
}
GOOD=6.1.0-main_0000000000a1_20261101_x86_64
KERNEL=6.1.0-main_0000000000b1_20261130_x86_64
INITRD=6.1.0-main_0000000000b2_20261129_x86_64
FORGED=6.1.0-main_0000000000b3_20261128_x86_64
OTHERKEY=6.1.0-main_0000000000b4_20261127_x86_64
MODULES=6.1.0-main_0000000000b5_20261126_x86_64
BIGSIG=6.1.0-main_0000000000b6_20261125_x86_64
signed "$GOOD" signed
signed "$KERNEL" evil && lab_spoil "$LAB_IMAGES/$KERNEL/bzImage"
signed "$INITRD" evil && lab_spoil "$LAB_IMAGES/$INITRD/initrd"
# Another initrd, and the manifest rewritten to name it: what a server that an
# attacker answers for would send. The signature no longer matches the manifest.
signed "$FORGED" evil
echo "not the candidate's initrd" >"$LAB_IMAGES/$FORGED/initrd"
sed -i "s/^initrd_sha256 = .*/initrd_sha256 = $(sha256 "$LAB_IMAGES/$FORGED/initrd")/" "$LAB_IMAGES/$FORGED/image.ini"
signed "$OTHERKEY" evil b
# Stage-2's modules archive: checked before the kexec, as the kernel and initrd are.
mkdir -p "$LAB_DIR/mods/lib/modules/$CAND_KVER" && "$LAB_SRC/pack-cpio" "$LAB_DIR/mods" lib >"$LAB_DIR/modules.cpio.gz"
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_MODULES=$LAB_DIR/modules.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 root=/dev/vda1" IMAGE_SIGNING_KEY=$keys/a.pem lab_store_image "$MODULES"
lab_spoil "$LAB_IMAGES/$MODULES/modules.cpio.gz"
# A signature file larger than any ECDSA P-256 signature.
signed "$BIGSIG" evil && head -c 300 /dev/urandom >"$LAB_IMAGES/$BIGSIG/image.ini.sig"

t_check "the builder's signatures verify with openssl, as an admin would check one" \
	verifies "$keys/a.pub" "$LAB_IMAGES/$GOOD/image.ini"

refusals=(
	"$KERNEL/bzImage: sha256 mismatch, refusing to boot it"
	"$INITRD/initrd: sha256 mismatch, refusing to boot it"
	"$FORGED/image.ini: the signature does not verify with this key, refusing to boot it"
	"$OTHERKEY/image.ini: the signature does not verify with this key, refusing to boot it"
	"$MODULES/modules.cpio.gz: sha256 mismatch, refusing to boot it"
	"$BIGSIG: no signature to check (image.ini.sig), refusing to boot it"
	"$CAND: no signature to check (image.ini.sig), refusing to boot it"
	"$OTHER: no signature to check (image.ini.sig), refusing to boot it"
)
for m in sighttp signfs; do
	how=HTTP extra=""
	[ $m = signfs ] && how=NFS extra="kbisect.nfs=10.0.2.2:/export"
	set_default $m "$KERNEL"  # on top, as the newest is: the list's order is the dates'
	lab_qemu_start $m "$LAB_STAGE1_KERNEL" "$LAB_DIR/keyed.cpio.gz" \
		"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=$m kbisect.timeout=0 $extra" -no-reboot
	t_check "$how: after every spoilt or unsigned entry, the good signed image runs" \
		wait_for $m "^candidate: running $CAND_KVER marker=signed" 240
	t_check "$how: the stage-1 says whose signatures it takes" console_has $m "kbisect: images must be signed by key $fingerprint"
	for r in "${refusals[@]}"; do
		t_check "$how: refused: $r" console_has $m "kbisect: image: $r"
	done
	t_eq "$how: only the good image is in the boot log" "$GOOD" \
		"$(curl -sS "$LAB_URL/booted?machine=$m" | awk '{print $2}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
	t_check "$how: nothing of a spoilt image reached kexec" bash -c "! grep -aq 'marker=evil' '$LAB_OUT/$m.console'"
	lab_qemu_stop $m
done

# A stage-1 whose key file is damaged (65 bytes, but no point on the curve):
# said at start, and every image refused, the good one too.
mkdir "$LAB_DIR/damaged"
(cd "$LAB_DIR/damaged" && zcat "$LAB_DIR/keyed.cpio.gz" | cpio -id --quiet &&
	{ printf '\004'; head -c 64 /dev/zero; } >etc/kbisect/image-key) &&
	"$LAB_SRC/pack-cpio" "$LAB_DIR/damaged" >"$LAB_DIR/damaged.cpio.gz"
set_default sigbad "$GOOD"
lab_qemu_start sigbad "$LAB_STAGE1_KERNEL" "$LAB_DIR/damaged.cpio.gz" \
	"console=ttyS0 panic=-1 kbisect.server=$LAB_GUEST_URL kbisect.machine=sigbad kbisect.timeout=0" -no-reboot
t_check "damaged key: every image refused, then the reboot" wait_for sigbad "^kbisect: no kernel of the list could be booted" 240
t_check "damaged key: said at start" \
	console_has sigbad "kbisect: the image key /etc/kbisect/image-key is damaged (not a point on P-256): every image will be refused"
t_check "damaged key: the good image refused with the reason" \
	console_has sigbad "kbisect: image: $GOOD: refused: this stage-1's image key is damaged (not a point on P-256)"
t_eq "damaged key: nothing booted" "" "$(curl -sS "$LAB_URL/booted?machine=sigbad")"
lab_qemu_stop sigbad
t_done
