#!/bin/bash
# kbisect run --arch i386 end to end (issue 17): the test history
# (tests/bisect/make-history, whose planted bugs are arch-independent) built for
# i386 by kbisect-builder on demand, bisected on the lab's usual x86_64 test
# machine (Debian's amd64 kernel and our stage-1), which kexecs each 32-bit
# candidate. The candidates run the i386 test initrd (tests/lab/mkinitramfs-i386):
# "kbisect-test: machine i686", then "kbisect-test: PASS on <release>".
# The x86_64 stage-1 loads them with kexec_load and its purgatory (kexec_file_load
# takes 64-bit bzImages only; design.md "Loading the candidate").
# needs: --kernels 1 --linux x86_64,i386
# budget: --builds 8 --boots 10
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
BISECT_ARCH=i386
CLONE=linux-i386 . "$LAB_TOP/tests/bisect/setup.sh"
cd "$TREE" || exit 1
. "$LAB_TOP/tests/bisect/checks.sh"

# The i386 image checks.sh built (the repository's master) as published, its
# bzImage and the initrd the builder ships with it, on a 32-bit PC (QEMU's
# default CPU) without the stage-1: the candidate side on its own.
first=$(ls "$LAB_IMAGES" | grep "_$(git rev-parse --short=12 "$good")_[0-9]*_i386\$")
t_check "the first build made an i386 image (its name ends with _i386)" test -n "$first"
LAB_QEMU=qemu-system-i386 lab_qemu_start direct "$LAB_IMAGES/$first/bzImage" "$LAB_IMAGES/$first/initrd" \
	"console=ttyS0" -no-reboot
t_check "that i386 image and its initrd boot on qemu-system-i386 to PASS" \
	wait_for direct "^kbisect-test: PASS on 6\\.1\\.[0-9]+" 60
t_check "... with uname -m saying i686" grep -aq "^kbisect-test: machine i686" "$LAB_OUT/direct.console"
lab_qemu_stop direct

# The bisection: --arch i386 on the x86_64 machine, its build command taking the
# arch from KBISECT_ARCH (checks.sh's bisect).
bisect msgi msg --pass "kbisect-test: PASS" --fail "kbisect: regression"
echo "# the stage-1's kexec lines on msgi's console:"
grep -a "^kbisect: kexec" "$LAB_OUT/msgi.console" | sed 's/^/#   /'
t_check "i386: the planted commit is found" culprit_is msgi 3
t_check "i386: every image booted is the commit's i386 image" bash -c '
	n=0
	while read -r sha image _; do
		[ "$image" = - ] && continue
		[[ $image == *_${sha:0:12}_*_i386 ]] || exit 1
		n=$((n + 1))
	done <"$1"
	[ $n -ge 2 ]' _ "$LAB_OUT/msgi.log.steps"
t_check "i386: the log names every image booted" images_in msgi "$LAB_OUT/msgi.log"
# Each kexec into an i386 image is followed by that candidate's own lines (a
# bad one's may be cut short by the next power cycle; a good one says PASS after).
t_check "i386: the x86_64 stage-1 kexec'd the 32-bit candidates: their /init says i686" awk '
	/^kbisect: kexec into .*_i386 / { i386 = 1; next }
	/^kbisect: kexec into / { i386 = 0; next }
	i386 && /^kbisect-test: machine / { if ($3 ~ /^i686/) ok++; else bad++; i386 = 0 }
	END { exit !(ok >= 1 && bad == 0) }' "$LAB_OUT/msgi.console"
t_done
