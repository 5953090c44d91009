#!/bin/bash
# bench/stage1.sh [RUNS]: the stage-1 timeline in QEMU (kernel start, /init,
# modules, link + DHCP, list, menu, image loaded and verified, kexec, candidate
# running), for kbisect-init and, in the same run with the same kernel, modules,
# image and QEMU, for a reference stage-1 made of busybox (udhcpc, wget) and
# kexec-tools in a shell script. Prints both side by side with ratios, and the
# initramfs sizes. Both boot the first entry without a menu (kbisect.timeout=0).
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --kernels 2
lab_enter --base 1200 "$0" "$@"
lab_init
. "$LAB_TOP/tests/init/setup.sh"
runs=${1:-3}
# What a stage-1 that fetches over HTTP needs (ours loads the NFS client's only with
# kbisect.nfs=): the same modules for both.
modules=(virtio_pci virtio_net)

# The reference initramfs: busybox, the same modules, kexec-tools with its libraries.
"$LAB_SRC/mkinitramfs-busybox" "$LAB_DIR/ref-base.cpio.gz" "$LAB_KROOT" "$LAB_KVER" \
	"$LAB_TOP/bench/ref/stage1-init" "${modules[@]}"
ref=$LAB_DIR/ref-stage
mkdir -p "$ref/sbin" "$ref/etc"
(cd "$ref" && zcat "$LAB_DIR/ref-base.cpio.gz" | cpio -id --quiet)
cp /sbin/kexec "$ref/sbin/"
for lib in $(ldd /sbin/kexec | grep -oE '/[^ ]+'); do
	mkdir -p "$ref$(dirname "$lib")"
	cp -L "$lib" "$ref$lib"
done
install -m 755 "$LAB_TOP/bench/ref/udhcpc-event" "$ref/etc/udhcpc.sh"
"$LAB_SRC/pack-cpio" "$ref" >"$LAB_DIR/ref.cpio.gz"
lab_stage1_initramfs "$LAB_DIR/ours.cpio.gz" $(printf -- '--module %s ' "${modules[@]}")
"$LAB_TOP/scripts/kbisect-mkinitramfs" -o "$LAB_DIR/ours-bare.cpio.gz" --init "$(lab_bin kbisect-init)" >/dev/null
(cd "$LAB_DIR" && mkdir -p ref-bare && cd ref-bare && zcat ../ref.cpio.gz | cpio -id --quiet && rm -rf lib/modules) &&
	"$LAB_SRC/pack-cpio" "$LAB_DIR/ref-bare" >"$LAB_DIR/ref-bare.cpio.gz"

set_default ours "$CAND"
set_default ref "$CAND"
steps=("init started" "modules loaded" "network up" "list fetched" "menu done" "image loaded and verified" "kexec")

# run WHO INITRD APPEND: one boot; appends "step seconds" lines to $LAB_DIR/WHO.times
run() {
	local who=$1 initrd=$2 append=$3 n=$4 start end
	local name=$who-$n
	start=$(date +%s.%N)
	lab_qemu_start "$name" "$LAB_VMLINUZ" "$initrd" "console=ttyS0 panic=-1 $append" -no-reboot
	wait_for "$name" "^candidate: running" 180 || exit 1
	end=$(date +%s.%N)
	lab_qemu_stop "$name"
	local c=$LAB_OUT/$name.console prefix=kbisect
	[ "$who" = ref ] && prefix=ref
	{
		echo "kernel->/init $(grep -a -m1 'Run /init as init process' "$c" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')"
		for s in "${steps[@]}"; do
			echo "$s $(grep -a -m1 "^$prefix: at .* s: $s" "$c" | sed 's/.* at \([0-9.]*\) s: .*/\1/')"
		done
		echo "candidate running (wall) $(echo "$end - $start" | bc)"
	} >>"$LAB_DIR/$who.times"
}
for n in $(seq 1 "$runs"); do
	run ours "$LAB_DIR/ours.cpio.gz" "kbisect.server=$LAB_GUEST_URL kbisect.machine=ours kbisect.timeout=0" "$n"
	run ref "$LAB_DIR/ref.cpio.gz" "ref.server=$LAB_GUEST_URL" "$n"
done

mean() { grep -F "$1 " "$LAB_DIR/$2.times" | awk '{s += $NF; n++} END {printf "%.2f", s / n}'; }
echo "stage-1 timeline, seconds since kernel start (mean of $runs runs; TCG QEMU, 2 cores)"
printf '%-28s %12s %12s %8s\n' "step" "kbisect-init" "busybox+kexec" "ratio"
for s in "kernel->/init" "${steps[@]}" "candidate running (wall)"; do
	a=$(mean "$s" ours) b=$(mean "$s" ref)
	printf '%-28s %12s %12s %7.2fx\n' "$s" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
# Time spent inside the stage-1 itself, /init to kexec.
a=$(echo "$(mean kexec ours) - $(mean 'init started' ours)" | bc) b=$(echo "$(mean kexec ref) - $(mean 'init started' ref)" | bc)
printf '%-28s %12.2f %12.2f %7.2fx\n' "/init to kexec" "$a" "$b" "$(echo "$b / $a" | bc -l)"
sz() { stat -c %s "$1"; }
printf '%-28s %12s %12s %7.2fx\n' "initramfs (gzip, bytes)" "$(sz "$LAB_DIR/ours.cpio.gz")" "$(sz "$LAB_DIR/ref.cpio.gz")" \
	"$(echo "$(sz "$LAB_DIR/ref.cpio.gz") / $(sz "$LAB_DIR/ours.cpio.gz")" | bc -l)"
printf '%-28s %12s %12s %7.2fx\n' "  without modules" "$(sz "$LAB_DIR/ours-bare.cpio.gz")" "$(sz "$LAB_DIR/ref-bare.cpio.gz")" \
	"$(echo "$(sz "$LAB_DIR/ref-bare.cpio.gz") / $(sz "$LAB_DIR/ours-bare.cpio.gz")" | bc -l)"
echo "(the kbisect menu waits kbisect.timeout seconds more, 2 by default; here 0, as the reference has no menu)"
