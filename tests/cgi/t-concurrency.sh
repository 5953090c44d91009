#!/bin/bash
# 400 concurrent PUT/DELETE/GET requests over 20 machines, with readers watching
# both the HTTP answers and the state files the whole time: no 5xx, never an empty
# or torn default, and every final default is one that a request wrote.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
names=()
for i in 1 2 3 4 5; do
	n=6.1.0-main_${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}_2026112${i}_x86_64
	lab_store_image "$n"
	names+=("$n")
done
printf '%s\n' "${names[@]}" >"$LAB_DIR/names"
lab_apache_start_with "$LAB_SNIPPET"

# The requests: machine m00..m19, a random operation, for PUT a random image.
RANDOM=42
: >"$LAB_DIR/requests"
for i in $(seq 1 400); do
	m=m$(printf '%02d' $((i % 20)))
	case $((RANDOM % 3)) in
	0) echo "PUT $m ${names[RANDOM % 5]}" ;;
	1) echo "DELETE $m -" ;;
	2) echo "GET $m -" ;;
	esac >>"$LAB_DIR/requests"
done

one() { # one METHOD MACHINE NAME: prints "STATUS METHOD MACHINE BODY"
	local args=() tmp=$LAB_DIR/out.$BASHPID code
	[ "$1" = PUT ] && args=(--data-binary "$3")
	code=$(curl -sS --max-time 20 -X "$1" -o "$tmp" -w '%{http_code}' "${args[@]}" "$LAB_URL/default?machine=$2")
	printf '%s %s %s %s\n' "$code" "$1" "$2" "$(head -c 200 "$tmp")"
	rm -f "$tmp"
}
export -f one
export LAB_DIR LAB_URL

# Readers: HTTP and the files themselves, until the writers are done (bounded).
reader() {
	local bad=$LAB_DIR/bad.$1 n=0 m code body f
	while [ ! -e "$LAB_DIR/done" ] && [ $n -lt 5000 ]; do
		n=$((n + 1))
		m=m$(printf '%02d' $((RANDOM % 20)))
		code=$(curl -sS --max-time 20 -o "$LAB_DIR/r.$1" -w '%{http_code}' "$LAB_URL/default?machine=$m")
		body=$(cat "$LAB_DIR/r.$1")
		case $code in
		200) grep -qxF "$body" "$LAB_DIR/names" || echo "http $m: torn or unknown '$body'" >>"$bad" ;;
		404) ;;
		*) echo "http $m: status $code" >>"$bad" ;;
		esac
		f=$LAB_STATE/machines/$m/default
		if body=$(cat "$f" 2>/dev/null); then
			grep -qxF "$body" "$LAB_DIR/names" || echo "file $m: torn or unknown '$body'" >>"$bad"
		fi
	done
	echo "$n" >"$LAB_DIR/reads.$1"
}
# A reader of the files alone, much faster than HTTP.
file_reader() {
	local bad=$LAB_DIR/bad.files n=0 f body
	while [ ! -e "$LAB_DIR/done" ] && [ $n -lt 200000 ]; do
		for f in "$LAB_STATE"/machines/m*/default; do
			n=$((n + 1))
			body=$(cat "$f" 2>/dev/null) || continue
			grep -qxF -- "$body" "$LAB_DIR/names" || echo "file $f: torn or unknown '$body'" >>"$bad"
		done
	done
	echo "$n" >"$LAB_DIR/reads.files"
}
for r in 1 2; do reader "$r" & done
file_reader &

start=$SECONDS
xargs -P 16 -L 1 bash -c 'one "$@"' _ <"$LAB_DIR/requests" >"$LAB_DIR/results"
touch "$LAB_DIR/done"
wait
echo "# 400 requests in $((SECONDS - start)) s; readers made $(cat "$LAB_DIR"/reads.* | paste -sd+ | bc) reads"

t_eq "every request got an answer" 400 "$(wc -l <"$LAB_DIR/results")"
t_eq "no 5xx answer" "" "$(grep -E '^5' "$LAB_DIR/results" | head -n 3)"
t_eq "only 200 and 404 answers" "" "$(grep -vE '^(200|404) ' "$LAB_DIR/results" | head -n 3)"
t_eq "every GET 200 answered one of the images" "" \
	"$(awk '$1 == 200 && $2 == "GET" {print $4}' "$LAB_DIR/results" | grep -vxFf "$LAB_DIR/names" | head -n 3)"
t_eq "every PUT 200 says what it set" "" \
	"$(awk '$1 == 200 && $2 == "PUT" && $4 != "machine" {print}' "$LAB_DIR/results" | head -n 3)"
t_check "some requests of each kind succeeded" bash -c "
	grep -q '^200 PUT ' '$LAB_DIR/results' && grep -q '^200 GET ' '$LAB_DIR/results' &&
	grep -q '^200 DELETE ' '$LAB_DIR/results'"
t_eq "readers never saw an empty, torn or unknown default" "" "$(cat "$LAB_DIR"/bad.* 2>/dev/null | head -n 5)"
t_check "the readers really ran alongside the writers" bash -c "[ \$(cat '$LAB_DIR'/reads.* | paste -sd+ | bc) -ge 30 ]"
final_ok=1 finals=0
for i in $(seq 0 19); do
	m=m$(printf '%02d' "$i")
	f=$LAB_STATE/machines/$m/default
	[ -e "$f" ] || continue
	finals=$((finals + 1))
	grep -qxF "PUT $m $(cat "$f")" "$LAB_DIR/requests" || { echo "# $m ends with $(cat "$f"), never PUT for it"; final_ok=0; }
done
echo "# $finals of 20 machines end with a default"
t_check "every final default is one a request wrote for that machine (and some machines have one)" \
	test $final_ok = 1 -a $finals -gt 0
t_eq "no temporary file is left in the state" "" "$(find "$LAB_STATE" -name '.*.tmp')"
t_done
