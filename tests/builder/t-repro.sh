#!/bin/bash
# Reproducible images and the compile farm (issue 18, items 1 and 2), on the lab's
# shared x86_64 tree (tests/lab/linux-lab), each build an incremental one:
#   - one commit built in two work trees, the shared one and a copy of its build
#     directories taken one commit earlier, gives the same bzImage and the same
#     installed module files (the archives' file times aside);
#   - the same commit compiled on a farm of two distccd on loopback addresses
#     ([builder] distcc) gives the same bytes again, the daemons' logs show the
#     jobs, and with one daemon down the build still succeeds.
# Every build here compiles for real: the lab's builders compile through ccache
# (tests/builder/lab-ini), whose stored objects would make the two trees' bytes the
# same whatever the trees, and leave the farm nothing to do; CCACHE_RECACHE=1 has
# ccache compile each file (on the farm, with distcc as its CCACHE_PREFIX) and store it.
# needs: --linux x86_64
# budget: --builds 4
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
here=$LAB_TOP/tests/builder
: "${KBISECT_REPRO_BRANCH:=kbr-$$}"
export KBISECT_REPRO_BRANCH CCACHE_RECACHE=1
lab_start "$0" "$@"
lab_init
builder=$(lab_bin kbisect-builder)
d=$LAB_DIR/r
mkdir -p "$d"
chmod 755 "$d"
repo=$KBISECT_LAB_LINUX/linux.git work=$KBISECT_LAB_LINUX/trees
tree=$work/x86_64
tb=$KBISECT_REPRO_BRANCH
git --git-dir="$repo" update-ref "refs/heads/$tb-master" refs/heads/master
trap 'git --git-dir="$repo" update-ref -d "refs/heads/$tb-master"; lab_cleanup' EXIT
# config NAME [SECTION.KEY=VALUE...]: a builder configuration with a store and a
# state of its own (each build below is a first one there), the lab's kernel config
# with the modules, as the shared tree was made.
config() {
	local name=$1
	shift
	"$here/lab-ini" "$repo" "$d/$name/images" "$d/$name/state" "$work" "branch.ref=refs/heads/$tb-master" \
		"arch.x86_64.targets=bzImage modules" "$@" >"$d/$name.ini"
}
image_of() { sed -n 's/^ok //p' "$d/$1/state/builder/results/$2-x86_64"; }
# unpack NAME: the image of NAME's build, its modules unpacked in $d/NAME/mods.
unpack() {
	local img=$d/$1/images/$(image_of "$1" "$c1")
	[ -d "$d/$1/mods" ] || (mkdir -p "$d/$1/mods" && cd "$d/$1/mods" && gzip -dc "$img/modules.cpio.gz" | cpio -id --quiet) &&
		echo "$img"
}
# same A B: A's and B's images have the same bzImage and module files.
same() {
	cmp "$(unpack "$1")/bzImage" "$(unpack "$2")/bzImage" && diff -r "$d/$1/mods" "$d/$2/mods" &&
		[ -n "$(find "$d/$1/mods" -name '*.ko')" ]
}
# in_copy CMD...: runs CMD with the copy's build directories mounted over the
# shared tree's (a mount namespace of its own), the source checkout and the lock
# shared: the kernel sees the same paths, the bytes built are the copy's own.
in_copy() {
	unshare --mount bash -c 'for e in out config modules config.stamp; do
		mount --bind "$1/$e" "$2/$e" || exit 1; done; shift 2; exec "$@"' _ "$d/tree2" "$tree" "$@"
}

c1=$(git --git-dir="$repo" rev-parse "$tb-master")
# The second work tree: the shared tree's build directories as they are now, at
# whatever commit it last built (under its lock: no build is half-way).
lab_step "copying the shared tree's build directories"
t0=$SECONDS
mkdir -p "$d/tree2"
flock "$tree/.lock" cp -a --reflink=auto "$tree"/{out,config,modules,config.stamp} "$d/tree2/"
echo "# the copy: $((SECONDS - t0)) s ($(du -sh "$d/tree2" | cut -f1))"
# A change of this run's own (the branch's name in it): neither tree has built it.
c1=$("$here/commit-change" "$repo" "$tb-master" init/main.c \
	"s/Run %s as init process/Run %s as init process (kbisect $tb)/" "init: repro")

# --- item 1: one commit, two work trees ---------------------------------------------
lab_step "building ${c1:0:12} in the shared tree"
config local
t0=$SECONDS
# (with ccache's log, in the one directory besides the work trees a confined build may write)
cclog=$work/ccache/t-repro-$tb.log
rm -f "$cclog"
CCACHE_LOGFILE=$cclog "$builder" --config "$d/local.ini" build "$c1" --arch x86_64 >"$d/local.log" 2>&1
t_eq "the commit builds in the shared tree" 0 $?
t_check "[builder] ccache = yes (the lab's): the compiles went through ccache, which compiled them (CCACHE_RECACHE)" \
	bash -c 'grep -q "Source file: .*/init/main\.c$" "$1" && grep -q "Result: recache" "$1" && ! grep -q "Result: direct_cache_hit" "$1"' _ "$cclog"
rm -f "$cclog"
echo "# build in the shared tree: $((SECONDS - t0)) s; $(grep -c '^  CC ' "$d/local/images/$(image_of local "$c1")/build.log") files compiled"
lab_step "building ${c1:0:12} in the copy"
config copy
t0=$SECONDS
in_copy "$builder" --config "$d/copy.ini" build "$c1" --arch x86_64 >"$d/copy.log" 2>&1
t_eq "the same commit builds in the copy" 0 $?
echo "# build in the copy: $((SECONDS - t0)) s; $(grep -c '^  CC ' "$d/copy/images/$(image_of copy "$c1")/build.log") files compiled"
t_check "two work trees: the same bzImage and the same installed module files" same local copy
t_check "... built apart: the copy's kernel was linked again" grep -q "^  LD      vmlinux$" "$d/copy/images/$(image_of copy "$c1")/build.log"
ini=$d/local/images/$(image_of local "$c1")/image.ini
t_eq "image.ini: compiler is the configuration's CONFIG_CC_VERSION_TEXT (gcc --version's first line)" \
	"compiler = $(gcc --version | head -n1)" "$(grep '^compiler = ' "$ini")"
t_eq "image.ini: config_sha256 is the image's config's" \
	"config_sha256 = $(sha256sum "$(dirname "$ini")/config" | cut -d' ' -f1)" "$(grep '^config_sha256 = ' "$ini")"
t_eq "image.ini: both builds record the same compiler, config and code" \
	"$(grep -E '^(compiler|config_sha256|code_sha256|kernel_sha256) = ' "$ini")" \
	"$(grep -E '^(compiler|config_sha256|code_sha256|kernel_sha256) = ' "$d/copy/images/$(image_of copy "$c1")/image.ini")"
t_check "no path of the work tree in the kernel or the modules" \
	bash -c '! grep -rqaF "$1" "$2/out/vmlinux" "$3"' _ "$KBISECT_LAB_LINUX" "$d/tree2" "$d/local/mods"

# --- item 2: the same commit on a farm of two distccd ---------------------------------
# farm_start ADDR: a distccd on ADDR:3632 (inside the lab's network namespace),
# logging each job to $d/distccd-ADDR.log.
# It runs as nobody (distccd drops root), which must be able to write both files.
farm_start() {
	mkdir -p "$d/run"
	touch "$d/distccd-$1.log"
	chown nobody "$d/run" "$d/distccd-$1.log"
	distccd --daemon --listen "$1" --allow 127.0.0.0/8 --jobs 2 --user nobody --log-level info \
		--log-file "$d/distccd-$1.log" --pid-file "$d/run/distccd-$1.pid"
}
farm_up() { (exec 3<>"/dev/tcp/$1/3632") 2>/dev/null; }
for a in 127.0.0.2 127.0.0.3; do farm_start "$a"; done
for _ in $(seq 1 50); do farm_up 127.0.0.2 && farm_up 127.0.0.3 && break; sleep 0.2; done
t_check "two distccd listen on 127.0.0.2 and 127.0.0.3 (the lab's loopback)" bash -c '
	(exec 3<>/dev/tcp/127.0.0.2/3632) && (exec 3<>/dev/tcp/127.0.0.3/3632)' 2>/dev/null
# A build on the farm recompiles init/ (its objects removed from the copy) there.
farm_build() {
	rm -f "$d/tree2/out/init/"*.o
	rm -rf "$d/$1"
	config "$1" "builder.distcc=127.0.0.2/2 127.0.0.3/2"
	in_copy "$builder" --config "$d/$1.ini" build "$c1" --arch x86_64 >"$d/$1.log" 2>&1
}
# distcc skips a host it found down for a minute (DISTCC_BACKOFF_PERIOD; its
# marks are kept in the builder's work/distcc): forget what an earlier run found.
# (Not DISTCC_BACKOFF_PERIOD=0: distcc then retries the down host some thousand
# times per file and the kernel's fixdep finds an empty .d: the build fails.)
rm -f "$work/distcc/lock/backoff_tcp_127.0.0."[23]_*

lab_step "building ${c1:0:12} on the farm"
t0=$SECONDS
farm_build distcc
t_eq "the commit builds on the farm" 0 $?
echo "# build on the farm: $((SECONDS - t0)) s"
flog=$d/distcc/images/$(image_of distcc "$c1")/build.log
t_check "make ran with -j6 (2 + 2 on the farm, 2 here) and the farm's hosts" \
	grep -q "DISTCC_HOSTS='127.0.0.2/2 127.0.0.3/2 localhost/2', -j6" "$flog"
for a in 127.0.0.2 127.0.0.3; do
	echo "# distccd $a: $(grep -c 'COMPILE_OK' "$d/distccd-$a.log") jobs"
	t_check "distccd on $a compiled files for the build (its log: COMPILE_OK)" grep -q "COMPILE_OK" "$d/distccd-$a.log"
done
t_check "... init/'s files among them (on the farm, not here)" \
	grep -qE "COMPILE_OK .*/init/[a-z_]+\.c$" "$d/distccd-127.0.0.2.log" "$d/distccd-127.0.0.3.log"
t_check "... and nothing else: the build stayed incremental (under 50 jobs)" \
	[ "$(cat "$d"/distccd-*.log | grep -c COMPILE_OK)" -lt 50 ]
t_check "the farm's image has the same bzImage and module files as the local one" same local distcc

lab_step "building ${c1:0:12} with one host of the farm down"
kill "$(cat "$d/run/distccd-127.0.0.3.pid")"
for _ in $(seq 1 50); do farm_up 127.0.0.3 || break; sleep 0.2; done
before=$(grep -c COMPILE_OK "$d/distccd-127.0.0.2.log")
t0=$SECONDS
farm_build down
t_eq "with 127.0.0.3 down the build still succeeds" 0 $?
echo "# build with one host down: $((SECONDS - t0)) s"
dlog=$d/down/images/$(image_of down "$c1")/build.log
t_check "... distcc says in the build's log that it could not reach it" \
	grep -q "connect to 127.0.0.3:3632 failed" "$dlog"
echo "# with one host down: 127.0.0.2 took $(($(grep -c COMPILE_OK "$d/distccd-127.0.0.2.log") - before)) jobs"
t_check "... and its image is the same again" same local down
t_done
