#!/bin/bash
# The 32-bit stage-1 in QEMU: qemu-system-i386 (its default CPU) boots Debian's 686
# kernel with our i386 init (make initramfs ARCH=i386's, with the 686 kernel's modules
# as the lab packs them); it brings the network up, asks the server for the list of
# its own arch, i386, and offers those images; kbisect.arch=x86_64 makes it ask for
# x86_64's; over HTTPS (BearSSL's i386 build) it fetches the list and an image's
# files. It kexecs (kexec_load: a 32-bit kernel has no kexec_file_load) a 32-bit
# candidate, and on qemu-system-x86_64 a 64-bit one; on qemu-system-i386 it refuses
# the 64-bit one before any kexec.
# needs: --kernels 1 --kernels-i386 1
# budget: --boots 6
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_stage1 --arch i386
lab_kbisect_install
lab_dns_start kernels.lab=10.0.2.2
lab_tls_ca "$LAB_DIR/tls" kernels.lab
lab_apache_start_with "$LAB_SNIPPET" "$(lab_apache_tls_conf "$LAB_DIR/tls" 8443)"
lab_wait_port 8443 10
lab_stage1_initramfs "$LAB_DIR/stage1.cpio.gz"
lab_stage1_initramfs "$LAB_DIR/stage1-ca.cpio.gz" --ca "$LAB_DIR/tls/ca.pem"
LAB_QEMU=qemu-system-i386

# The candidate: the 686 kernel itself with an initrd whose /init is a static i386
# program that prints "candidate: running RELEASE MACHINE marker=M".
lab_candidate_initrd_i386 "$LAB_DIR/candidate.cpio.gz"
NEW32=6.1.0-main_111111111111_20261124_i386
OLD32=6.1.0-main_222222222222_20261123_i386
NEW64=6.1.0-main_333333333333_20261125_x86_64
IMAGE_KERNEL=$LAB_VMLINUZ IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=i386-new" lab_store_image "$NEW32"
lab_store_image "$OLD32"
read -r KVER64 ROOT64 < <("$LAB_SRC/fetch-kernel" --offline 0)
IMAGE_KERNEL=$ROOT64/boot/vmlinuz-$KVER64 IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="console=ttyS0 candidate.marker=x86_64-new" lab_store_image "$NEW64"

# boot NAME CMDLINE [INITRAMFS [SERVER]]: machine NAME on the i386 stage-1; it ends
# when it reboots.
boot() {
	lab_qemu_start "$1" "$LAB_STAGE1_KERNEL" "${3:-$LAB_DIR/stage1.cpio.gz}" \
		"console=ttyS0 panic=-1 kbisect.server=${4:-$LAB_GUEST_URL} kbisect.machine=$1 $2" -m 512 -no-reboot
}
console_has() { grep -aqF -- "$2" "$LAB_OUT/$1.console"; }
# asked MACHINE ARCH: the server's access log has MACHINE's list request for ARCH.
asked() { grep -qF "\"GET /kbisect/list?machine=$1&arch=$2 HTTP/1.1\" 200" "$LAB_DIR/apache/access.log"; }

# Its own arch. The menu waits (kbisect.timeout=300): this part needs no kexec.
boot m32 "kbisect.timeout=300"
t_check "i386: the menu counts down on Debian's 686 kernel in qemu-system-i386" \
	wait_for m32 "^kbisect: booting 1 in 300 s" 180
t_check "i386: the kernel is the 686 one, the init the i386 stage-1" \
	bash -c "grep -aq 'Linux version $LAB_KVER ' '$LAB_OUT/m32.console' &&
		grep -aq '^kbisect: stage-1 init starting' '$LAB_OUT/m32.console'"
t_check "i386: the 686 kernel's virtio modules loaded and the network came up by DHCP" \
	bash -c "grep -aq '^kbisect: modules: loaded ' '$LAB_OUT/m32.console' &&
		grep -aq '^kbisect: network: eth0 10.0.2.15/24' '$LAB_OUT/m32.console'"
t_check "i386: the stage-1 asked the server for the list with arch=i386" asked m32 i386
t_check "i386: no list of another arch was asked for" \
	bash -c "! grep -F 'list?machine=m32&' '$LAB_DIR/apache/access.log' | grep -vqF '&arch=i386 '"
t_eq "i386: the menu offers the i386 images, newest first, and no x86_64 one" \
	"kbisect: 2 kernels:|  1) $NEW32|  2) $OLD32" \
	"$(grep -a -A2 '^kbisect: 2 kernels:' "$LAB_OUT/m32.console" | head -n 3 | tr -d '\r' | paste -sd'|')"
lab_qemu_stop m32

# kbisect.arch=x86_64 on the i386 stage-1's line: the list of x86_64.
boot m64 "kbisect.timeout=300 kbisect.arch=x86_64"
t_check "kbisect.arch=x86_64: the menu counts down" wait_for m64 "^kbisect: booting 1 in 300 s" 180
t_check "kbisect.arch=x86_64: the i386 stage-1 asked for the list with arch=x86_64" asked m64 x86_64
t_check "kbisect.arch=x86_64: the menu offers the x86_64 image only" \
	bash -c "grep -aq '^kbisect: 1 kernel:' '$LAB_OUT/m64.console' && grep -aq '^  1) $NEW64' '$LAB_OUT/m64.console'"
lab_qemu_stop m64

# Over HTTPS: the list, then the chosen image's files (whatever the kexec then does).
boot tls32 "kbisect.timeout=1" "$LAB_DIR/stage1-ca.cpio.gz" https://kernels.lab:8443/kbisect
t_check "https: the i386 stage-1 fetched the image's kernel and initrd over TLS, sha256 ok" \
	wait_for tls32 "^kbisect: image: initrd sha256 ok" 180
over_tls() {
	console_has tls32 "kbisect: tls: 1 CA certificate(s)" && console_has tls32 "kbisect: image: $NEW32 over HTTP" &&
		asked tls32 i386
}
t_check "https: the list was of arch=i386, over TLS, and its first image fetched" over_tls
lab_qemu_stop tls32

# A 64-bit image on a CPU without long mode (qemu-system-i386's): refused before kexec.
boot nolm "kbisect.timeout=0 kbisect.arch=x86_64"
t_check "no long mode: the 64-bit image is refused before any kexec, said why" \
	wait_for nolm "^kbisect: kexec: $NEW64: refused before kexec: a 64-bit kernel, and this CPU has no long mode" 180
lab_qemu_stop nolm

# The i386 stage-1 kexecs a 32-bit candidate (kexec_load: i386 has no kexec_file_load).
curl -sS -f -X PUT --data-binary "$NEW32" "$LAB_URL/default?machine=k32" >/dev/null || lab_die "cannot set k32's default"
boot k32 ""
t_check "kexec: the 32-bit candidate runs: its marker and uname -m = i686 on its console" \
	wait_for k32 "^candidate: running $LAB_KVER i686 marker=i386-new" 240
t_check "kexec: the stage-1 checked the candidate's kernel and initrd sha256" \
	bash -c "grep -aq 'kbisect: image: bzImage sha256 ok' '$LAB_OUT/k32.console' &&
		grep -aq 'kbisect: image: initrd sha256 ok' '$LAB_OUT/k32.console'"
t_check "kexec: the server's boot log names the candidate" \
	bash -c "curl -sS '$LAB_URL/booted?machine=k32' | grep -q ' $NEW32 '"
t_check "kexec: through kexec_load and the purgatory, which checked the segments" bash -c "
	grep -aq '^kbisect: kexec: kexec_load: 32-bit kernel at 0x' '$LAB_OUT/k32.console' &&
	grep -aq '^kbisect purgatory: segments ok, entering the kernel at 0x' '$LAB_OUT/k32.console'"
lab_qemu_stop k32

# On a 64-bit machine (qemu-system-x86_64), the i386 stage-1 boots a 64-bit image:
# kexec_load, since its kernel has no kexec_file_load, said.
LAB_QEMU=qemu-system-x86_64 boot k64 "kbisect.timeout=0 kbisect.arch=x86_64"
t_check "64-bit candidate from the 32-bit stage-1: it runs (its 32-bit /init says the machine is x86_64)" \
	wait_for k64 "^candidate: running $KVER64 x86_64 marker=x86_64-new" 240
t_check "64-bit candidate from the 32-bit stage-1: kexec_load, and why" bash -c "
	grep -aq '^kbisect: kexec: a 64-bit image on a 32-bit stage-1, whose kernel has no kexec_file_load: using kexec_load' '$LAB_OUT/k64.console' &&
	grep -aq '^kbisect: kexec: kexec_load: 64-bit kernel at 0x' '$LAB_OUT/k64.console' &&
	grep -aq '^kbisect purgatory: segments ok' '$LAB_OUT/k64.console'"
lab_qemu_stop k64
t_done
