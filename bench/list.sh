#!/bin/bash
# bench/list.sh [SECONDS]: what the list CGI costs with 10,000 images and 100
# machines, against a baseline measured in the same run under the same Apache: an
# empty CGI program (bench/empty_cgi.cc, built as the CGI programs are), which only
# answers. Beside them: the same program copying an answer of the list's size (the
# least any CGI sending those bytes costs), the list without the store's list
# index (reading the directory: the images share their dates 50 a day, so each is
# stat'ed), the list on a store without an index where no two images share a date
# (no stat at all), and Apache serving a static file of the list's size. 8
# concurrent clients (wrk), SECONDS a row and round (default 10). Prints requests
# per second, p50/p99 latency and each row's cost as a ratio to the empty CGI's
# (its req/s over the row's: the machine's time a request takes, as every row
# keeps both cores busy).
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_enter --base 600 "$0" "$@"
lab_init
secs=${1:-10}
lab_kbisect_install
empty_cgi=$(lab_bin bench/empty-cgi)
[ -x "$empty_cgi" ] || lab_die "$empty_cgi: not built (make build)"
cgi_dir=$LAB_DIR/prefix/lib/kbisect/cgi-bin
install -m 755 "$empty_cgi" "$cgi_dir/empty"

# store DIR DAY_OF_I: 10,000 images in DIR over 2 branches x 2 arches, the builder's
# layout; image i is dated 2026-01-01 + DAY_OF_I(i) days (an awk expression in i).
# Prints the names, one a line, in i's order.
store() {
	local dir=$1 i
	mkdir -p "$dir"
	awk -v n=10000 "BEGIN { for (i = 0; i < n; i++) print \"2026-01-01 +\" ($2) \" days\" }" |
		date -u -f - +%Y%m%d >"$LAB_DIR/days" || exit 1
	awk 'BEGIN { split("main main drm-fixes drm-fixes", b); split("x86_64 i386 x86_64 i386", a) }
	{ i = NR - 1; printf "6.1.0-%s_%012x_%s_%s\n", b[i % 4 + 1], i * 7919 + 1, $1, a[i % 4 + 1] }' \
		"$LAB_DIR/days" >"$dir.names"
	(cd "$dir" && xargs mkdir <"$dir.names") || exit 1
	i=0
	while read -r name; do
		printf '[image]\nname = %s\ncommit = %012x0000000000000000000000000000\nbranch = main\narch = %s\nkernelrelease = 6.1.0\nbuilt = 2026-11-01T00:00:00Z\nkernel = bzImage\nkernel_sha256 = %064d\n' \
			"$name" $((i * 7919 + 1)) "${name##*_}" 0 >"$dir/$name/image.ini"
		i=$((i + 1))
	done <"$dir.names"
}

# The lab's store: 100 days, so each image shares its date with 49 others of its
# arch (a branch with many commits a day) and every image is stat'ed when the
# directory is read. The store's writer publishes one image of a third arch, which
# writes the list index of every arch (design.md, "Image store").
store "$LAB_IMAGES" 'i % 100'
lab_store_image 6.1.0-main_00000000ffff_20260101_arm64
[ -f "$LAB_IMAGES/.index/x86_64" ] || { echo "the store's writer wrote no list index"; exit 1; }
for m in $(seq -w 1 100); do
	mkdir -p "$LAB_STATE/machines/lab-$m"
	sed -n "$((10#$m * 4 + 1))p" "$LAB_IMAGES.names" >"$LAB_STATE/machines/lab-$m/default"
done
chown -R www-data:www-data "$LAB_STATE"

# A second store, each image on a day of its own, behind its own copy of the list.
distinct=$LAB_DIR/distinct
store "$distinct/images" 'i'
mkdir -p "$distinct/state/machines/lab-042" "$distinct/cgi-bin"
chown -R www-data:www-data "$distinct/state"
printf '[server]\nimages = %s\nstate = %s\n' "$distinct/images" "$distinct/state" >"$distinct/kbisect.ini"
install -m 755 "$cgi_dir/list" "$distinct/cgi-bin/list"

mkdir -p "$LAB_DIR/static"
cat >"$LAB_DIR/bench.conf" <<CONF
Alias /static/ $LAB_DIR/static/
<Directory $LAB_DIR/static>
    Require all granted
</Directory>
ScriptAlias /distinct/ $distinct/cgi-bin/
<Directory $distinct/cgi-bin>
    SetEnv KBISECT_CONFIG $distinct/kbisect.ini
    Require all granted
</Directory>
<Location /kbisect/empty>
    SetEnv KBISECT_BENCH_BODY $LAB_DIR/static/list.txt
</Location>
CONF
lab_apache_start_with "$LAB_SNIPPET" "$LAB_DIR/bench.conf"
base=http://127.0.0.1:$LAB_HTTP_PORT
url="$LAB_URL/list?machine=lab-042"
curl -sS "$url" >"$LAB_DIR/static/list.txt"
lines=$(wc -l <"$LAB_DIR/static/list.txt")
bytes=$(wc -c <"$LAB_DIR/static/list.txt")
[ "$lines" -eq 5000 ] || { echo "list has $lines lines, expected 5000 (the x86_64 images)"; exit 1; }
# The order the design gives: the default first, then by the name's date, newest first.
sed -n '2,$p' "$LAB_DIR/static/list.txt" | awk -F_ 'NR > 1 && $3 > prev { bad = 1 } { prev = $3 } END { exit bad }' ||
	{ echo "the list is not newest first by the name's date"; exit 1; }
# index on|off: the x86_64 index in place, or moved aside within .index/ (which
# leaves the store directory's mtime as it is, so the index is fresh again when back).
index() {
	local on=$LAB_IMAGES/.index/x86_64 off=$LAB_IMAGES/.index/.off-x86_64
	if [ "$1" = on ]; then [ ! -e "$off" ] || mv "$off" "$on"; else [ ! -e "$on" ] || mv "$on" "$off"; fi
}
index off
curl -sS "$url" >"$LAB_DIR/list-no-index.txt"
index on
cmp -s "$LAB_DIR/list-no-index.txt" "$LAB_DIR/static/list.txt" ||
	{ echo "the list from the index is not the list from the directory"; exit 1; }
! grep -q 'kbisect-list' "$LAB_DIR/apache/error.log" ||
	{ echo "the list logged (its index is stale or damaged?):"; grep 'kbisect-list' "$LAB_DIR/apache/error.log"; exit 1; }
cmp -s <(curl -sS "$LAB_URL/empty?copy") "$LAB_DIR/static/list.txt" ||
	{ echo "the empty CGI's copy is not the list"; exit 1; }
[ "$(curl -sS "$base/distinct/list?machine=lab-042" | wc -l)" -eq 5000 ] ||
	{ echo "the list of the store with distinct dates does not have 5000 lines"; exit 1; }

# run URL [SECONDS]: "rps p50_ms p99_ms" from wrk (2 threads, 8 connections).
run() {
	wrk -t2 -c8 -d"${2:-$secs}"s --latency "$1" >"$LAB_DIR/wrk.out" 2>&1 || { cat "$LAB_DIR/wrk.out"; exit 1; }
	if grep -qE 'Non-2xx|Socket errors' "$LAB_DIR/wrk.out"; then cat "$LAB_DIR/wrk.out"; exit 1; fi
	awk '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
	$1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
	END { printf "%s %.3f %.3f\n", rps, p50, p99 }' "$LAB_DIR/wrk.out"
}
# Rows: "label|URL|index on or off".
rows=(
	"empty CGI (baseline)|$LAB_URL/empty|on"
	"empty CGI + copy|$LAB_URL/empty?copy|on"
	"list CGI (its index)|$url|on"
	"list CGI, no index|$url|off"
	"no index, dates distinct|$base/distinct/list?machine=lab-042|on"
	"static file|$base/static/list.txt|on"
)
for r in "${rows[@]}"; do # warm the page cache and Apache
	index "${r##*|}"
	run "$(cut -d'|' -f2 <<<"$r")" 2 >/dev/null
done
index on
# Three rounds, each running every row in turn, and each row's median of its
# three: a machine's drift over the minutes this takes (another process, a
# thermal step) falls on every row alike instead of on the one running then.
rounds=3
: >"$LAB_DIR/results"
for round in $(seq 1 $rounds); do
	for k in "${!rows[@]}"; do
		index "${rows[$k]##*|}"
		echo "$k $(run "$(cut -d'|' -f2 <<<"${rows[$k]}")")" >>"$LAB_DIR/results"
	done
done
index on
echo "list CGI: 10000 images (5000 x86_64, 50 a date), 100 machines; 8 clients, ${secs} s a row, median of $rounds rounds; $bytes bytes a reply but the empty CGI's"
printf '%-26s %10s %8s %8s %8s\n' "" "req/s" "p50 ms" "p99 ms" "cost"
empty_rps=
for k in "${!rows[@]}"; do
	read -r rps p50 p99 <<<"$(awk -v k="$k" '$1 == k { print $2, $3, $4 }' "$LAB_DIR/results" | sort -n | sed -n 2p)"
	: "${empty_rps:=$rps}"
	printf '%-26s %10s %8s %8s %7.2fx\n' "${rows[$k]%%|*}" "$rps" "$p50" "$p99" "$(echo "$empty_rps / $rps" | bc -l)"
done
index on
! grep -q 'kbisect-list' "$LAB_DIR/apache/error.log" ||
	{ echo "the list logged during the runs (its index stale or damaged?)"; exit 1; }
