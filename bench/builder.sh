#!/bin/bash
# bench/builder.sh [COMMITS]: kbisect-builder on Debian's linux-source-6.1 with a
# remote: the overhead per commit outside make (fetch check, checkout, config,
# packaging and publishing), and a clean against an incremental build, as
# figures and ratios. COMMITS one-line commits are measured (default 5), each
# followed by another whose build first loses the builder's config stamp: the
# builder as it was before it kept the config (it made it again for every commit),
# the baseline of the "config kept" ratio.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_prepare --linux x86_64
lab_enter --base 1800 "$0" "$@"
lab_init
n=${1:-5}
builder=$(lab_bin kbisect-builder)
d=$LAB_DIR/bench
mkdir -p "$d"
git clone -q --bare --local "$KBISECT_LAB_LINUX/linux.git" "$d/upstream.git"
git clone -q --bare --local "$d/upstream.git" "$d/linux.git"
git --git-dir="$d/linux.git" remote add origin "$d/upstream.git" 2>/dev/null ||
	git --git-dir="$d/linux.git" remote set-url origin "$d/upstream.git"
# Its own work tree (not the lab's shared ones): the clean build below is the
# baseline the ratios are against, measured in this run.
# (builder.ccache=no: the bench times real compiles)
"$LAB_TOP/tests/builder/lab-ini" "$d/linux.git" "$d/images" "$d/state" "$d/work" \
	branch.remote=origin builder.ccache=no >"$d/b.ini" || exit 1
kb() { "$builder" --config "$d/b.ini" "$@"; }
ms() { date +%s%3N; }
step() { sed -n "s/.* x86_64: $1[^(]* (\\([0-9.]*\\) s)/\\1/p" "$2"; }
kb poll >/dev/null
kb build master >"$d/clean.log" 2>&1 || { cat "$d/clean.log"; exit 1; }
: >"$d/rows"
: >"$d/regen"
# one I FILE [regen]: commit a one-line change, fetch it and build it; its figures
# as a row of FILE. With "regen", the config stamp is removed before the build.
one() {
	local t0 t1 t2 t3 t4 c
	t0=$(ms)
	kb poll >/dev/null # nothing new: the fetch check alone
	t1=$(ms)
	c=$("$LAB_TOP/tests/builder/commit-change" "$d/upstream.git" master init/main.c \
		"s/Run %s as init process/Run %s as init process (bench $1)/" "bench $1")
	t2=$(ms)
	kb poll >/dev/null # fetches the commit and queues it
	t3=$(ms)
	if [ "${3:-}" = regen ]; then
		find "$d/work" -name config.stamp -delete
	fi
	kb build "$c" --arch x86_64 >"$d/b$1.log" 2>&1 || { cat "$d/b$1.log"; exit 1; }
	t4=$(ms)
	if [ "${3:-}" = regen ]; then
		grep -q 'config.*kept' "$d/b$1.log" && { echo "bench: the config was kept without its stamp"; exit 1; }
	else
		grep -q 'config.*kept' "$d/b$1.log" || { echo "bench: the config was made again for a one-line commit:"; cat "$d/b$1.log"; exit 1; }
	fi
	echo "$((t1 - t0)) $((t3 - t2)) $(step checkout "$d/b$1.log") $(step config "$d/b$1.log") \
		$(step make "$d/b$1.log") $(step 'package and publish' "$d/b$1.log") $((t4 - t3))" >>"$2"
}
for i in $(seq 1 "$n"); do
	one "$i" "$d/rows"
	one "$i-regen" "$d/regen" regen
done
mean() { awk -v c="$1" -v k="$2" '{s += $c; n++} END {printf "%.2f", s / n / k}' "${3:-$d/rows}"; }
clean_make=$(step make "$d/clean.log")
clean_all=$(sed -n 's/.*published .* in \([0-9]*\) s$/\1/p' "$d/clean.log")
inc_make=$(mean 5 1)
inc_all=$(mean 7 1000)
outside=$(printf "%.2f" "$(echo "$(mean 3 1) + $(mean 4 1) + $(mean 6 1)" | bc)")
echo "kbisect-builder on linux-source-6.1 (tinyconfig + lab.config, x86_64, -j2, 2 cores); mean of $n one-line commits"
printf '  %-40s %8s s\n' "fetch check, nothing new (poll)" "$(mean 1 1000)" \
	"fetch and queue a new commit (poll)" "$(mean 2 1000)" \
	"checkout (libgit2 worktree)" "$(mean 3 1)" \
	"config (tinyconfig + fragment, compare)" "$(mean 4 1)" \
	"package and publish" "$(mean 6 1)" \
	"overhead outside make, per commit" "$outside" \
	"make, incremental" "$inc_make" \
	"build command, incremental, in all" "$inc_all" \
	"make, clean" "$clean_make" \
	"build command, clean, in all" "$clean_all"
printf 'ratio clean/incremental: make %.1fx, whole build %.1fx\n' \
	"$(echo "$clean_make / $inc_make" | bc -l)" "$(echo "$clean_all / $inc_all" | bc -l)"
echo "config kept when nothing that feeds it changed (the stamp), against made again for every commit (stamp removed)"
printf '  %-40s %8s s  %8s s\n' "" "kept" "made" \
	"config step" "$(mean 4 1)" "$(mean 4 1 "$d/regen")" \
	"build command, incremental, in all" "$inc_all" "$(mean 7 1000 "$d/regen")"
printf 'ratio made/kept: config step %.1fx, whole incremental build %.2fx\n' \
	"$(echo "$(mean 4 1 "$d/regen") / $(mean 4 1)" | bc -l)" "$(echo "$(mean 7 1000 "$d/regen") / $inc_all" | bc -l)"
