#!/bin/bash
# kbisect-builder on a real kernel: the lab's repository of Debian's
# linux-source-6.1 (tests/lab/linux-lab) with commits made by the test on branches
# of its own, tinyconfig + tests/builder/lab.config for x86_64 and i386 in the
# lab's work trees (a copy of its own: lab_own_trees), mails captured from a
# sendmail-compatible program.
# needs: --linux
# budget: --builds 28 --boots 2
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
here=$LAB_TOP/tests/builder
# This run's branches in the shared repository are named by the PID outside the
# lab (inside its PID namespace every run is PID 1): two runs on one machine, from
# two clones, must not move each other's branches (their commits are the same:
# commit-change dates each commit from its parent).
: "${KBISECT_BUILDER_BRANCH:=kbt-$$}"
export KBISECT_BUILDER_BRANCH
lab_start "$0" "$@"
lab_init
builder=$(lab_bin kbisect-builder)
d=$LAB_DIR/b
mkdir -p "$d"
repo=$KBISECT_LAB_LINUX/linux.git work=$KBISECT_LAB_LINUX/trees
# The test asserts on the trees' state between its builds (an incremental build,
# the configuration kept, a make stopped half-way): its own copy of them, while
# other tests build in the shared ones beside it.
lab_own_trees x86_64 i386
tb=$KBISECT_BUILDER_BRANCH
git --git-dir="$repo" update-ref "refs/heads/$tb-master" refs/heads/master
STALL=${KBISECT_STALL:-600}
export MAIL_DIR=$d/mail
# builder_ini ARCHES OUT: the builder's configuration for the test: the lab's
# (tests/builder/lab-ini) for ARCHES with mail, this run's branch and a command
# line for x86_64 images.
builder_ini() {
	"$here/lab-ini" "$repo" "$d/images" "$d/state" "$work" arches="$1" \
		mail.to=gfx-kernel@example.org mail.from=kbisect@example.org mail.sendmail="$here/sendmail-capture" \
		branch.ref="refs/heads/$tb-master" arch.x86_64.cmdline=console=ttyS0 builder.signing_key="$d/key.pem" \
		>"$2" || exit 1
}
builder_ini x86_64,i386 "$d/builder.ini"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/key.pem" 2>/dev/null
openssl pkey -in "$d/key.pem" -pubout -out "$d/key.pub"
kb() { "$builder" --config "$d/builder.ini" "$@"; }
change() { "$here/commit-change" "$repo" "$tb-master" "$@"; }
image_of() { sed -n 's/^ok //p' "$d/state/builder/results/$1-$2"; }
mails() { grep -l "^Subject: \[kbisect\] $1" "$MAIL_DIR"/mail.* 2>/dev/null | wc -l; }
watch_start() { "$builder" --config "${WATCH_INI:-$d/builder.ini}" watch >>"$d/watch.log" 2>&1 & WATCH=$!; }
watch_stop() { kill -TERM "$WATCH" 2>/dev/null; timeout 60 tail --pid="$WATCH" -f /dev/null; }
# until_result SHA ARCH: waits for the builder to record sha x arch, as long as the
# builders make progress (their logs and the build logs grow): no progress for
# STALL seconds is a hang, and says what it was waiting for.
until_result() {
	local last=-1 quiet=0 size
	lab_step "waiting for the builder to record ${1:0:12} $2"
	until [ -e "$d/state/builder/results/$1-$2" ]; do
		size=$(cat "$d"/*.log "$work"/*/build.log 2>/dev/null | wc -c)
		if [ "$size" != "$last" ]; then last=$size quiet=0; else quiet=$((quiet + 1)); fi
		if [ $quiet -ge "$STALL" ]; then
			echo "# no progress for $STALL s while waiting for the build of ${1:0:12} $2; the builder's log:"
			tail -n 20 "$d/watch.log" | sed 's/^/#    /'
			return 1
		fi
		sleep 1
	done
}

# --- the first commit, both arches, clean -------------------------------------
c1=$(git --git-dir="$repo" rev-parse "$tb-master")
lab_step "building the first commit for both arches"
kb build "$c1" >"$d/build1.log" 2>&1
t_eq "build master exits 0 when both arches build" 0 $?
x1=$(image_of "$c1" x86_64) i1=$(image_of "$c1" i386)
t_check "the x86_64 image has the contract's name" bash -c "[[ '$x1' =~ ^6\\.1\\.[0-9]+\\+?-master_${c1:0:12}_20261101_x86_64\$ ]]"
t_check "the i386 image has the contract's name" bash -c "[[ '$i1' =~ ^6\\.1\\.[0-9]+\\+?-master_${c1:0:12}_20261101_i386\$ ]]"
for img in "$x1" "$i1"; do
	dir=$d/images/$img
	t_check "$img has bzImage, config, System.map, build.log, image.ini" \
		bash -c "cd '$dir' && test -s bzImage && test -s config && test -s System.map && test -s build.log && test -s image.ini"
	t_eq "$img: image.ini's kernel_sha256 is the bzImage's" "$(sha256sum "$dir/bzImage" | cut -d' ' -f1)" \
		"$(sed -n 's/^kernel_sha256 = //p' "$dir/image.ini")"
	t_eq "$img: image.ini names its commit and branch" "commit = $c1|branch = master" \
		"$(grep -E '^(commit|branch) = ' "$dir/image.ini" | paste -sd'|')"
	t_check "$img: signed with the builder's key (openssl verifies image.ini.sig)" \
		verifies "$d/key.pub" "$dir/image.ini"
done
# The clean build was made (and timed) on this machine with the lab's trees.
clean=$(cat "$KBISECT_LAB_LINUX/clean-x86_64")
t_check "progress lines name each step with its time" grep -q "x86_64: package and publish (" "$d/build1.log"

# The x86_64 image boots to its own Linux version line.
lab_qemu_start img1 "$d/images/$x1/bzImage" "" "console=ttyS0" -no-reboot
t_check "the x86_64 image boots in QEMU to its Linux version line" \
	wait_for img1 "^Linux version 6\\.1\\.[0-9]+\\+? \\(kbisect@kbisect\\).* #1 Sun Nov  1 00:00:00 UTC 2026" 60
lab_qemu_stop img1
# The i386 image boots on a 32-bit PC (QEMU's default CPU) to its test initrd's
# /init (tests/lab/mkinitramfs-i386), which says the machine and PASS.
"$LAB_SRC/mkinitramfs-i386" "$d/test-initrd-i386.cpio.gz"
LAB_QEMU=qemu-system-i386 lab_qemu_start img1i "$d/images/$i1/bzImage" "$d/test-initrd-i386.cpio.gz" \
	"console=ttyS0" -no-reboot
t_check "the i386 image boots in qemu-system-i386 to its test /init (PASS on its release)" \
	wait_for img1i "^kbisect-test: PASS on 6\\.1\\.[0-9]+" 60
t_check "... a 32-bit kernel on QEMU's default CPU: uname -m says i686" \
	grep -aq "^kbisect-test: machine i686" "$LAB_OUT/img1i.console"
lab_qemu_stop img1i

# --- watch: an incremental build, a broken commit, its fix ----------------------
c2=$(change init/main.c 's/Run %s as init process/Run %s as init process (kbisect c2)/' "init: c2")
watch_start
until_result "$c2" x86_64 && until_result "$c2" i386
t_check "watch builds the new commit for both arches" test -n "$(image_of "$c2" x86_64)" -a -n "$(image_of "$c2" i386)"
incr=$(grep -A3 "building ${c2:0:12} x86_64" "$d/watch.log" | sed -n 's/.* x86_64: make (\([0-9.]*\) s)/\1/p' | head -n1)
echo "# x86_64 make: clean ${clean} s (when the lab's trees were made), incremental ${incr} s ($(echo "$clean / $incr" | bc -l | cut -c1-5)x)"
t_check "the incremental build is at least 5x faster than the clean one" \
	bash -c "[ \$(echo '$clean >= 5 * $incr' | bc) = 1 ]"

c3=$(change init/main.c 's/^static int __ref kernel_init(void \*unused)$/#error kbisect test: a commit that does not build\n&/' "init: broken")
until_result "$c3" x86_64 && until_result "$c3" i386
t_check "a commit that does not build publishes no image" bash -c "! ls '$d/images' | grep -q '${c3:0:12}'"
t_check "its log is kept under the state" grep -q "kbisect test: a commit that does not build" "$d/state/builder/logs/$c3-x86_64.log"
sleep 1
t_eq "exactly one 'build broken' mail per arch" 2 "$(mails 'build broken')"
m=$(grep -l "build broken: master x86_64" "$MAIL_DIR"/mail.* | head -n1)
t_check "the mail has the commit, the make command, the first errors and the log's tail" bash -c "
	grep -q '^commit  $c3' '$m' && grep -q '^make    make -C .* bzImage' '$m' &&
	grep -q 'First errors:' '$m' && grep -q 'error: #error kbisect test' '$m' && grep -q 'End of the log:' '$m'"
c4=$(change init/main.c '/^#error kbisect test/d' "init: fixed")
until_result "$c4" x86_64 && until_result "$c4" i386
t_check "the next good commit builds" test -n "$(image_of "$c4" x86_64)"
sleep 1
t_eq "one 'build fixed' mail per arch, and no more 'broken' ones" "2 2" "$(mails 'build fixed') $(mails 'build broken')"

# Two commits at once (pushed while the builder was down): the tip first, then
# the one between. From here to the two builders below, the builder watches for
# x86_64 alone (what follows is an arch's business: i386 would only add builds).
watch_stop
builder_ini x86_64 "$d/x86.ini"
export WATCH_INI=$d/x86.ini
c5=$(change init/Kconfig '$a\\# kbisect c5: a change that feeds the configuration' "init/Kconfig: c5")
c6=$(change init/main.c 's/(kbisect c2)/(kbisect c6)/' "init: c6")
watch_start
until_result "$c5" x86_64
t_check "the new tip is built before the commit between" bash -c "
	[ \$(grep -n 'building ${c6:0:12} x86_64' '$d/watch.log' | cut -d: -f1) -lt \$(grep -n 'building ${c5:0:12} x86_64' '$d/watch.log' | cut -d: -f1) ]"
# The configuration is made again only when something that feeds it changed.
t_check "a commit that changes only init/main.c keeps the configuration" \
	grep -q "${c2:0:12} x86_64: config, kept: nothing that feeds it changed (" "$d/watch.log"
t_check "after a Kconfig change the configuration is made again" \
	grep -q "${c6:0:12} x86_64: config (" "$d/watch.log"
t_check "... and kept for the next commit without one" \
	grep -q "${c5:0:12} x86_64: config, kept: nothing that feeds it changed (" "$d/watch.log"

# --- SIGTERM in the middle of make ---------------------------------------------
# (A change of this run's own: compiled through the lab's ccache, a change seen in
# an earlier run would come from the cache in a moment, before the signal.)
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
c7=$(change kernel/sched/sched.h 's/^#include <linux\/sched\/affinity.h>$/&\n\/* kbisect c7 '"$nonce"': rebuilds the scheduler *\//' "sched.h: c7")
# make is compiling when c7's build log (its first line names the commit: until
# then the file is the last build's) has a CC line.
deadline=$((SECONDS + 300))
until head -n1 "$work/x86_64/build.log" 2>/dev/null | grep -q "^kbisect-builder: $c7 " &&
	grep -q "CC " "$work/x86_64/build.log"; do
	[ $SECONDS -lt $deadline ] || break
	sleep 0.5
done
sleep 2
watch_stop
t_check "SIGTERM during make: the builder says it stopped" grep -q "stopped during ${c7:0:12} x86_64: nothing published, still queued" "$d/watch.log"
t_check "SIGTERM: no make is left running" bash -c "! pgrep -x make >/dev/null"
t_check "SIGTERM: no image and no temporary directory in the store" bash -c "! ls -A '$d/images' | grep -qE '${c7:0:12}|^\\.tmp'"
t_check "SIGTERM: no lock is left" test -z "$(ls "$d/state/builder/locks")"
t_check "SIGTERM: the commit is still queued" grep -q "$c7 x86_64" "$d/state/builder/queue"
watch_start
until_result "$c7" x86_64
t_check "after a restart the stopped build is done" test -n "$(image_of "$c7" x86_64)"

# --- an on-demand request for a commit of no watched branch ----------------------
git --git-dir="$repo" branch -f "$tb-side" "$c7"
"$here/commit-change" "$repo" "$tb-side" init/main.c 's/(kbisect c6)/(kbisect side)/' "init: side" >"$d/side"
side=$(cat "$d/side")
touch "$d/state/requests/$side"
until_result "$side" x86_64
t_check "a request is built, named for no branch ('request')" bash -c "[[ '$(image_of "$side" x86_64)' == *-request_${side:0:12}_* ]]"
t_check "the request is dropped once built" test ! -e "$d/state/requests/$side"
kb status >"$d/status.out"
t_check "status lists the last results" grep -q "^results " "$d/status.out"
watch_stop
unset WATCH_INI

# --- two builders on one store and queue -------------------------------------------
c8=$(change init/main.c 's/(kbisect c6)/(kbisect c8)/' "init: c8")
c9=$(change init/main.c 's/(kbisect c8)/(kbisect c9)/' "init: c9")
"$builder" --config "$d/builder.ini" watch >"$d/w1.log" 2>&1 &
w1=$!
"$builder" --config "$d/builder.ini" watch >"$d/w2.log" 2>&1 &
w2=$!
for c in "$c8" "$c9"; do until_result "$c" x86_64 && until_result "$c" i386; done
sleep 3
kill -TERM $w1 $w2
timeout 60 tail --pid=$w1 -f /dev/null
timeout 60 tail --pid=$w2 -f /dev/null
for c in "$c8" "$c9"; do
	for a in x86_64 i386; do
		t_eq "two builders: ${c:0:12} $a was built exactly once" 1 \
			"$(cat "$d/w1.log" "$d/w2.log" | grep -c "^kbisect-builder: published .*_${c:0:12}_.*_$a in")"
	done
done
t_check "both builders took part" bash -c "grep -q 'published' '$d/w1.log' && grep -q 'published' '$d/w2.log'"

# poll: fetch and queue once, build nothing.
cp=$(change init/main.c 's/(kbisect c9)/(kbisect c9)(poll)/' "init: poll")
out=$(kb poll 2>&1)
t_check "poll queues the new commit for both arches and builds nothing" bash -c '
	grep -q "2 build(s) queued" <<<"$1" && grep -q "^1 $2 x86_64 master" "$3/state/builder/queue" &&
	[ ! -e "$3/state/builder/results/$2-x86_64" ]' _ "$out" "$cp" "$d"

# --- bad input -------------------------------------------------------------------
printf '[builder]\nrepo = %s\njobs = lots\n' "$d/linux.git" >"$d/bad.ini"
out=$("$builder" --config "$d/bad.ini" status 2>&1)
t_eq "a broken INI line: exit 2 and file:line" "2 kbisect-builder: $d/bad.ini:3: [builder] jobs: not a number" "$? $out"
sed "s|^repo = .*|repo = $d/no-such.git|" "$d/builder.ini" >"$d/norepo.ini"
out=$("$builder" --config "$d/norepo.ini" status 2>&1)
t_check "a missing repository: exit 2 and a clear message" bash -c '[ "$1" = 2 ] && grep -q "cannot open the repository '"$d"'/no-such.git" <<<"$2"' _ $? "$out"
out=$("$builder" --config "$d/builder.ini" build no-such-commit 2>&1)
t_check "an unknown commit: exit 2 and a clear message" bash -c '[ "$1" = 2 ] && grep -q "no commit no-such-commit" <<<"$2"' _ $? "$out"
out=$("$builder" --config "$d/builder.ini" frobnicate 2>&1)
t_check "an unknown command: exit 2 and the usage" bash -c '[ "$1" = 2 ] && grep -q "unknown command frobnicate" <<<"$2"' _ $? "$out"
{ cat "$d/builder.ini"; printf '[branch no-such-branch]\n'; } >"$d/unknown.ini"
timeout 20 "$builder" --config "$d/unknown.ini" watch >"$d/unknown.log" 2>&1 &
sleep 6
kill -TERM $! 2>/dev/null
wait $! 2>/dev/null
t_check "an unknown branch is reported and the others go on" \
	grep -q "branch no-such-branch: no refs/heads/no-such-branch" "$d/unknown.log"

# A full disk: the store on a small tmpfs. The build fails to publish, says why,
# leaves no partial image and keeps the commit queued; with room, it carries on.
c10=$(change init/main.c 's/(kbisect c9)/(kbisect c10)/' "init: c10")
mkdir -p "$d/small"
mount -t tmpfs -o size=256k small "$d/small"
sed "s|^images = .*|images = $d/small|" "$d/builder.ini" >"$d/full.ini"
"$builder" --config "$d/full.ini" build "$c10" --arch x86_64 >"$d/full.log" 2>&1
t_eq "full disk: exit 3 (the builder's own trouble)" 3 $?
t_check "full disk: the error says so" grep -q "No space left on device" "$d/full.log"
t_eq "full disk: no partial image or temporary directory (the list index aside)" "" "$(ls -A "$d/small" | grep -vx '\.index')"
t_check "full disk: no result is remembered" test ! -e "$d/state/builder/results/$c10-x86_64"
umount "$d/small"
"$builder" --config "$d/full.ini" build "$c10" --arch x86_64 >"$d/full2.log" 2>&1
t_eq "with room again the build carries on" 0 $?

# Poisoned commits fail as commits, are remembered and let the queue move on: a
# build that only prints "No space left on device" (every disk has room), and a
# kernel release with a character no image name can hold.
p1=$(change init/main.c 's/^static int __ref kernel_init(void \*unused)$/#error No space left on device (kbisect p1: printed only)\n&/' "init: p1")
p2=$(change init/main.c '/^#error No space left on device/d' "init: p2")
p2=$(change Makefile 's/^EXTRAVERSION =.*/EXTRAVERSION = -kbisect~p2/' "Makefile: p2")
p3=$(change Makefile 's/^EXTRAVERSION =.*/EXTRAVERSION =/' "Makefile: p3")
lab_step "building the poisoned commits"
kb build "$p1" --arch x86_64 >"$d/p1.log" 2>&1
t_eq "a build that prints 'No space left on device' with room: the commit's failure (1)" 1 $?
t_eq "... remembered as failed" fail "$(cut -d' ' -f1 "$d/state/builder/results/$p1-x86_64")"
kb build "$p2" --arch x86_64 >"$d/p2.log" 2>&1
t_eq "a kernel release outside the name set: the commit's failure (1)" 1 $?
t_eq "... remembered as failed" fail "$(cut -d' ' -f1 "$d/state/builder/results/$p2-x86_64")"
t_check "... and its kept log says why" \
	grep -q "no image name from the kernel release '6.1.192-kbisect~p2" "$d/state/builder/logs/$p2-x86_64.log"
kb build "$p3" --arch x86_64 >"$d/p3.log" 2>&1
t_eq "the commit after them builds" 0 $?
# Told to sign its kernels for Secure Boot, the builder meets the lab's config,
# which has no EFI stub: the commit's failure, its log saying why.
openssl req -new -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=kbisect lab kernels/" \
	-keyout "$d/db.key" -out "$d/db.pem" 2>/dev/null
sed "/^\[builder\]\$/a kernel_signing_key = $d/db.key\nkernel_signing_cert = $d/db.pem" "$d/builder.ini" >"$d/sb.ini"
p5=$(change init/main.c 's/(kbisect c10)/(kbisect p5)/' "init: p5")
"$builder" --config "$d/sb.ini" build "$p5" --arch x86_64 >"$d/p5.log" 2>&1
t_eq "Secure Boot signing of a kernel without an EFI stub: the commit's failure (1), remembered" "1 fail" \
	"$? $(cut -d' ' -f1 "$d/state/builder/results/$p5-x86_64" 2>/dev/null)"
t_check "... its kept log says why" grep -q "cannot sign the kernel for Secure Boot: the kernel has no EFI stub (CONFIG_EFI_STUB)" \
	"$d/state/builder/logs/$p5-x86_64.log"

# A commit whose build reaches for what it must not (scripts/setlocalversion runs
# in every build): it plants files in the store and the state (directly and
# through the builder's /proc/PID/root), removes every image, reads the signing
# key, and notes the namespaces it ran in. Confined, it can do none of that and
# still builds.
probe=$work/x86_64/out/p4-probe
rm -f "$probe"
images_before=$(ls "$d/images" | sort)
evil="touch $d/images/planted $d/state/planted 2>/dev/null; rm -rf $d/images/6.* 2>/dev/null"
evil+="; p=\$\$; while [ \$p -gt 1 ] && [ \"\$(cat /proc/\$p/comm)\" != kbisect-builder ]; do p=\$(cut -d' ' -f4 /proc/\$p/stat); done"
evil+="; touch /proc/\$p/root$d/images/planted-via-proc 2>/dev/null; echo builder \$p >>$probe"
evil+="; cat $d/key.pem >>$probe 2>/dev/null; echo \$(readlink /proc/self/ns/net) \$(readlink /proc/self/ns/mnt) >>$probe"
p4=$(change scripts/setlocalversion "1a $evil" "scripts: p4")
kb build "$p4" --arch x86_64 >"$d/p4.log" 2>&1
t_eq "a commit that attacks the store still builds, confined" 0 $?
t_check "... it planted nothing in the store or the state, nor through /proc/<builder>/root" \
	bash -c '[ ! -e "$1/images/planted" ] && [ ! -e "$1/state/planted" ] && [ ! -e "$1/images/planted-via-proc" ] &&
		grep -q "^builder [0-9]" "$2" && ! grep -q "^builder 1$" "$2"' _ "$d" "$probe"
t_eq "... and removed no image (its own is the one new)" "$images_before" \
	"$(ls "$d/images" | grep -v "_${p4:0:12}_" | sort)"
t_check "... it could not read the signing key" bash -c '! grep -q "PRIVATE KEY" "$1"' _ "$probe"
t_check "... it ran in a network and a mount namespace of its own" \
	bash -c '[ -s "$1" ] && ! grep -qF -e "$(readlink /proc/self/ns/net)" -e "$(readlink /proc/self/ns/mnt)" "$1"' _ "$probe"
# Its builds were in its own copy of the trees: the last one checked out there,
# and the shared work tree (other tests build in it meanwhile) where it was when
# copied or at a commit not the test's (the same change on the same parent is
# the same commit, so a run from before the copies may have left one there).
t_eq "its own x86_64 work tree is at its last build's commit" "$p4" "$(cat "$repo/worktrees/kbisect-x86_64/HEAD")"
mine=$(git --git-dir="$repo" rev-list "$c1..$tb-master" "$c1..$tb-side" 2>/dev/null | sort -u)
for a in x86_64 i386; do
	shared=$(cat "$LAB_DIR/own-trees/$a/shared-git/HEAD" 2>/dev/null)
	t_check "the shared $a work tree took none of its builds (at ${shared:0:12})" \
		bash -c '[ -n "$1" ] && [ -n "$3" ] && { [ "$1" = "$2" ] || ! grep -qx "$1" <<<"$3"; }' _ \
		"$shared" "$(cat "$LAB_DIR/own-trees/$a/shared-head")" "$mine"
done
git --git-dir="$repo" update-ref -d "refs/heads/$tb-master"
git --git-dir="$repo" update-ref -d "refs/heads/$tb-side"
t_done
