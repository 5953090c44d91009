#!/bin/bash
# bench/list.sh [SECONDS]: the list CGI with 10,000 images and 100 machines, at 8
# concurrent clients (wrk), beside Apache serving a static file of the same size
# in the same run. Prints requests per second and p50/p99 latency, and the ratios.
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_enter --base 600 "$0" "$@"
lab_init
secs=${1:-10}
lab_kbisect_install

# 10,000 images over 2 branches x 2 arches and 100 days, the builder's layout.
cd "$LAB_IMAGES" || exit 1
names=() archs=()
for i in $(seq 0 9999); do
	sha=$(printf '%012x' $((i * 7919 + 1)))
	day=$(date -u -d "2026-01-01 +$((i % 100)) days" +%Y%m%d 2>/dev/null) || true
	case $((i % 4)) in 0) b=main a=x86_64 ;; 1) b=main a=i386 ;; 2) b=drm-fixes a=x86_64 ;; 3) b=drm-fixes a=i386 ;; esac
	names+=("6.1.0-$b"_"$sha"_"$day"_"$a")
	archs+=("$a")
done 2>/dev/null
printf '%s\n' "${names[@]}" | xargs mkdir
for i in "${!names[@]}"; do
	name=${names[$i]}
	printf '[image]\nname = %s\ncommit = %s\nbranch = main\narch = %s\nkernelrelease = 6.1.0\nbuilt = 2026-11-01T00:00:00Z\nkernel = bzImage\nkernel_sha256 = %064d\n' \
		"$name" "$(printf '%012x' $((i * 7919 + 1)))0000000000000000000000000000" "${archs[$i]}" 0 >"$name/image.ini"
done
cd - >/dev/null
for m in $(seq -w 1 100); do
	mkdir -p "$LAB_STATE/machines/lab-$m"
	echo "${names[$((10#$m * 4))]}" >"$LAB_STATE/machines/lab-$m/default"
done
chown -R www-data:www-data "$LAB_STATE"

mkdir -p "$LAB_DIR/static"
cat >"$LAB_DIR/static.conf" <<CONF
Alias /static/ $LAB_DIR/static/
<Directory $LAB_DIR/static>
    Require all granted
</Directory>
CONF
lab_apache_start_with "$LAB_SNIPPET" "$LAB_DIR/static.conf"
url="$LAB_URL/list?machine=lab-042"
curl -sS "$url" >"$LAB_DIR/static/list.txt"
lines=$(wc -l <"$LAB_DIR/static/list.txt")
bytes=$(wc -c <"$LAB_DIR/static/list.txt")
[ "$lines" -eq 5000 ] || { echo "list has $lines lines, expected 5000 (the x86_64 images)"; exit 1; }

# run URL: "rps p50_ms p99_ms" from wrk (2 threads, 8 connections, SECONDS each).
run() {
	wrk -t2 -c8 -d"$secs"s --latency "$1" >"$LAB_DIR/wrk.out" 2>&1 || { cat "$LAB_DIR/wrk.out"; exit 1; }
	if grep -qE 'Non-2xx|Socket errors' "$LAB_DIR/wrk.out"; then cat "$LAB_DIR/wrk.out"; exit 1; fi
	awk '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
	$1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
	END { printf "%s %.3f %.3f\n", rps, p50, p99 }' "$LAB_DIR/wrk.out"
}
run "$url" >/dev/null  # warm the page cache
read -r cgi_rps cgi_p50 cgi_p99 <<<"$(run "$url")"
read -r st_rps st_p50 st_p99 <<<"$(run "http://127.0.0.1:$LAB_HTTP_PORT/static/list.txt")"
echo "list CGI: 10000 images (5000 x86_64), 100 machines, 8 clients, ${secs} s each, $bytes bytes a reply"
printf '%-22s %10s %8s %8s\n' "" "req/s" "p50 ms" "p99 ms"
printf '%-22s %10s %8s %8s\n' "list CGI" "$cgi_rps" "$cgi_p50" "$cgi_p99"
printf '%-22s %10s %8s %8s\n' "static file, same size" "$st_rps" "$st_p50" "$st_p99"
printf 'ratio static/CGI: req/s %.1fx, p50 %.1fx, p99 %.1fx\n' \
	"$(echo "$st_rps / $cgi_rps" | bc -l)" "$(echo "$cgi_p50 / $st_p50" | bc -l)" \
	"$(echo "$cgi_p99 / $st_p99" | bc -l)"
