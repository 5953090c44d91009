#!/bin/bash
# The server's CGI programs behind the lab's Apache, installed with make install-cgi
# and driven with curl: every row of design.md's HTTP table, then bad input, each
# with its status, its message, and the state directory unchanged.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"

A=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
B=6.1.0-main_bbbbbbbbbbbb_20261121_x86_64
C=6.1.0-topic-x_cccccccccccc_20261122_x86_64
I=6.1.0-main_dddddddddddd_20261122_i386
lab_store_image "$A" main
lab_store_image "$B" main
lab_store_image "$C" topic/x
lab_store_image "$I" main

# code METHOD URL [CURL ARGS]: prints "STATUS BODY" (body on one line).
code() {
	local m=$1 u=$2
	shift 2
	curl -sS --max-time 10 -X "$m" -o "$LAB_DIR/body" -w '%{http_code}' "$@" "$LAB_URL/$u" >"$LAB_DIR/code"
	printf '%s %s' "$(cat "$LAB_DIR/code")" "$(tr '\n' '|' <"$LAB_DIR/body" | sed 's/|$//')"
}
list() { curl -sS --max-time 10 "$LAB_URL/list?$1" | tr '\n' ' ' | sed 's/ $//'; }

# --- the HTTP table -------------------------------------------------------------
t_eq "list of a machine without state: the arch's images, newest first" \
	"$C $B $A" "$(list machine=m1)"
t_eq "list arch=i386 has only i386 images" "$I" "$(list 'machine=m1&arch=i386')"
t_eq "GET default of a machine without one is 404" "404 machine m1 has no default" "$(code GET 'default?machine=m1')"
t_eq "PUT default sets it" "200 machine m1: default is $A" "$(code PUT 'default?machine=m1' --data-binary "$A")"
t_eq "GET default returns it" "200 $A" "$(code GET 'default?machine=m1')"
t_eq "the default file holds the name" "$A" "$(cat "$LAB_STATE/machines/m1/default")"
t_eq "list puts the default on top, the rest after, each once" "$A $C $B" "$(list machine=m1)"
t_eq "PUT once=1 sets next boot only" "200 machine m1: once is $B" \
	"$(code PUT 'default?machine=m1&once=1' --data-binary "$B"$'\n')"
t_eq "list: once, then default, then the rest" "$B $A $C" "$(list machine=m1)"
t_eq "GET once=1 returns it" "200 $B" "$(code GET 'default?machine=m1&once=1')"
t_eq "POST form kernel=NAME&once=1 sets once" "200 machine m2: once is $C" \
	"$(code POST 'default?machine=m2' --data "kernel=$C&once=1")"
t_eq "POST form kernel=NAME sets the default" "200 machine m2: default is $B" \
	"$(code POST 'default?machine=m2' --data "kernel=$B")"
t_eq "a default of another arch still leads the list (the engineer's choice)" "$C $B $A" \
	"$(list 'machine=m2&arch=x86_64')"

t_eq "booted with another image keeps once" "200 machine m1 booting $A" \
	"$(code POST 'booted?machine=m1' --data-binary "$A")"
t_check "once is still there" test -f "$LAB_STATE/machines/m1/once"
t_eq "booted with the once image consumes it" "200 machine m1 booting $B (once consumed)" \
	"$(code POST 'booted?machine=m1' --data-binary "$B")"
t_check "once is gone" test ! -e "$LAB_STATE/machines/m1/once"
t_eq "after once is consumed, default leads again" "$A $C $B" "$(list machine=m1)"
log=$(curl -sS "$LAB_URL/booted?machine=m1")
t_check "the boot log is newest first with UTC time, image and client address" \
	bash -c "[[ '$(echo "$log" | sed -n 1p)' =~ ^20[0-9-]{8}T[0-9:]{8}Z\ $B\ 127\.0\.0\.1$ ]] &&
		[[ '$(echo "$log" | sed -n 2p)' =~ ^20.*Z\ $A\ 127\.0\.0\.1$ ]]"
t_eq "booted limit=1 gives the newest line only" 1 "$(curl -sS "$LAB_URL/booted?machine=m1&limit=1" | wc -l)"
t_eq "the boot log of a machine that never booted is empty" "200 " "$(code GET 'booted?machine=never')"

t_eq "DELETE default clears it" "200 machine m1: default cleared" "$(code DELETE 'default?machine=m1')"
t_eq "DELETE again is fine (idempotent)" "200 machine m1 has no default" "$(code DELETE 'default?machine=m1')"
t_eq "DELETE once=1 clears once" "200 machine m2: once cleared" "$(code DELETE 'default?machine=m2&once=1')"
t_eq "GET default after DELETE is 404" 404 "$(code GET 'default?machine=m1' | cut -d' ' -f1)"

json=$(curl -sS "$LAB_URL/list?machine=m2&format=json")
t_check "format=json is JSON a parser accepts, with the contract's fields" python3 -c '
import json, sys
images = json.loads(sys.argv[1])
first = images[0]
assert [i["name"] for i in images] == [sys.argv[2], sys.argv[3], sys.argv[4]], images
assert first["default"] is True and first["once"] is False, first
assert first["branch"] == "main" and first["arch"] == "x86_64", first
assert first["commit"].startswith("bbbbbbbbbbbb") and len(first["commit"]) == 40, first
assert first["built"].endswith("Z"), first
assert images[1]["branch"] == "topic/x" and images[1]["default"] is False
' "$json" "$B" "$C" "$A"
t_check "format=json answers application/json" \
	bash -c "curl -sSI '$LAB_URL/list?machine=m2&format=json' | grep -qi '^Content-Type: application/json'"
tsv=$(curl -sS "$LAB_URL/list?machine=m2&format=tsv")
t_eq "format=tsv: one image a line, name commit branch arch built role, tab-separated" \
	"$B|bbbbbbbbbbbb|main|x86_64|Z|default;$C|cccccccccccc|topic/x|x86_64|Z|-;$A|aaaaaaaaaaaa|main|x86_64|Z|-" \
	"$(awk -F'\t' 'NF == 6 {printf "%s%s|%s|%s|%s|%s|%s", sep, $1, substr($2, 1, 12), $3, $4, substr($5, length($5)), $6; sep = ";"}' <<<"$tsv")"
# A manifest that breaks the rules is listed with "-" fields (and logged), not hidden.
cp "$LAB_IMAGES/$C/image.ini" "$LAB_DIR/c.ini"
echo "future_key = 1" >>"$LAB_IMAGES/$C/image.ini"
t_eq "format=tsv: an image whose image.ini breaks the rules has '-' fields" "$C - - - - -" \
	"$(curl -sS "$LAB_URL/list?machine=m2&format=tsv" | sed -n 2p | tr '\t' ' ')"
t_check "... and the CGI says why in Apache's error log" \
	grep -q "kbisect-list: .*/$C/image.ini:[0-9]*: unknown key" "$LAB_DIR/apache/error.log"
cp "$LAB_DIR/c.ini" "$LAB_IMAGES/$C/image.ini"
t_eq "the images are downloadable under images/" "stand-in kernel $A" "$(curl -sS "$LAB_URL/images/$A/bzImage")"

# The list index: written by the store's writer (kbisect-builder publish), used
# while the store's directory has the mtime it records; an image removed by hand
# changes that mtime, so the list reads the directory at once (and says so).
t_check "the store's writer keeps a list index per arch" test -f "$LAB_IMAGES/.index/x86_64" -a -f "$LAB_IMAGES/.index/i386"
t_check "a fresh index is used without a word in Apache's error log" \
	bash -c "! grep -q 'kbisect-list: .*index' '$LAB_DIR/apache/error.log'"
rm -rf "${LAB_IMAGES:?}/$B"
t_eq "an image removed by hand leaves the list at once" "$C $A" "$(list machine=m1)"
t_check "... and the CGI says in Apache's error log that the index is stale" \
	grep -q "kbisect-list: $LAB_IMAGES/.index/x86_64 is stale: .*reading the directory instead" "$LAB_DIR/apache/error.log"
t_eq "a default whose image left the store: 409 and why, never another kernel" \
	"409 machine m2: its default image $B is not in the store (removed?): choose another (kbisect set or once)" \
	"$(curl -sS -w '%{http_code} ' -o "$LAB_DIR/body" "$LAB_URL/list?machine=m2")$(cat "$LAB_DIR/body")"
curl -sS -f -X DELETE "$LAB_URL/default?machine=m2" >/dev/null
t_eq "... and with the default cleared, the list is back" "$C $A" "$(list machine=m2)"

# --- bad input: right status, clear message, state unchanged ----------------------
snapshot() { (cd "$LAB_STATE" && find . -printf '%p %m %s %T@\n' | sort && find . -type f -exec md5sum {} + | sort) | md5sum; }
before=$(snapshot)
long=$(printf 'm%.0s' $(seq 65))
big=$(head -c 5120 /dev/zero | tr '\0' a)
while IFS='|' read -r want method url data; do
	args=()
	[ -n "$data" ] && args=(--data-binary "$data")
	[ "$data" = BIG ] && args=(--data-binary "$big")
	got=$(code "$method" "$url" "${args[@]}")
	t_eq "$method $url${data:+ body=${data:0:20}}" "$want" "$got"
done <<CASES
400 missing parameter 'machine'|GET|list
400 missing parameter 'machine'|GET|default
400 bad machine name: machine name starts with '.'|GET|list?machine=..
400 bad machine name: machine name has a character outside [A-Za-z0-9._-]|PUT|default?machine=a%2Fb|$A
400 bad machine name: machine name has a character outside [A-Za-z0-9._-]|PUT|default?machine=a/b|$A
400 parameter 'machine': decodes to a NUL byte|PUT|default?machine=a%00b|$A
400 bad machine name: machine name is longer than 64 characters|PUT|default?machine=$long|$A
400 bad machine name: machine name has a character outside [A-Za-z0-9._-]|PUT|default?machine=caf%C3%A9|$A
400 parameter 'machine': '%' is not followed by two hex digits|GET|list?machine=a%zz
400 parameter 'machnie': unknown parameter (this program takes machine, once, lease)|PUT|default?machnie=m1|$A
400 parameter 'machine': parameter given more than once|GET|list?machine=a&machine=b
400 bad arch: expected [a-z0-9_], 1 to 16 characters|GET|list?machine=m1&arch=../x
400 bad format: expected text, json or tsv|GET|list?machine=m1&format=xml
404 no image named 6.1.0-main_eeeeeeeeeeee_20261122_x86_64|PUT|default?machine=m1|6.1.0-main_eeeeeeeeeeee_20261122_x86_64
404 no image named 6.1.0-main_eeeeeeeeeeee_20261122_x86_64|POST|booted?machine=m1|6.1.0-main_eeeeeeeeeeee_20261122_x86_64
400 bad image name: image name starts with '.'|PUT|default?machine=m1|../../etc/passwd
400 bad image name: image name is not <release>-<branch>_<sha12>_<YYYYMMDD>_<arch>|PUT|default?machine=m1|not-an-image
400 empty body: expected an image name|PUT|default?machine=m1|
413 request body is longer than 4096 bytes|PUT|default?machine=m1|BIG
413 request body is longer than 4096 bytes|POST|booted?machine=m1|BIG
400 missing form field 'kernel'|POST|default?machine=m1|once=1
400 bad once: expected 1 or 0|PUT|default?machine=m1&once=yes|$A
400 bad limit: expected a number from 1 to 100000|GET|booted?machine=m1&limit=0
405 method PATCH is not allowed here (allowed: GET, HEAD, PUT, POST, DELETE)|PATCH|default?machine=m1|$A
405 method POST is not allowed here (allowed: GET, HEAD)|POST|list?machine=m1|x
405 method DELETE is not allowed here (allowed: GET, HEAD, POST)|DELETE|booted?machine=m1
400 status takes no parameters|GET|status?x=1
CASES
t_check "405 answers carry an Allow header" \
	bash -c "curl -sS -X PATCH -D - -o /dev/null '$LAB_URL/default?machine=m1' | grep -qi '^Allow: GET, HEAD, PUT, POST, DELETE'"
t_eq "the state directory is byte-for-byte unchanged by the bad requests" "$before" "$(snapshot)"

# --- configuration errors: 500, a clear body, the reason in Apache's error log ----
cat >"$LAB_DIR/broken.conf" <<CONF
ScriptAlias /missing/ $LAB_DIR/prefix/lib/kbisect/cgi-bin/
ScriptAlias /unreadable/ $LAB_DIR/prefix/lib/kbisect/cgi-bin/
<Location /missing/>
    SetEnv KBISECT_CONFIG $LAB_DIR/etc/kbisect/nothing-here.ini
</Location>
<Location /unreadable/>
    SetEnv KBISECT_CONFIG $LAB_DIR/etc/kbisect/secret.ini
</Location>
CONF
cp "$LAB_INI" "$LAB_DIR/etc/kbisect/secret.ini"
chmod 600 "$LAB_DIR/etc/kbisect/secret.ini"
apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop
lab_wait_port_closed "$LAB_HTTP_PORT" 10
lab_apache_start_with "$LAB_SNIPPET" "$LAB_DIR/broken.conf"
before=$(snapshot)
got=$(curl -sS -w ' %{http_code}' "http://127.0.0.1:$LAB_HTTP_PORT/missing/default?machine=m1" -X PUT --data-binary "$A")
t_eq "a missing config file is a 500 that names it" \
	"kbisect server configuration: $LAB_DIR/etc/kbisect/nothing-here.ini: cannot read: No such file or directory
 500" "$got"
got=$(curl -sS -w ' %{http_code}' "http://127.0.0.1:$LAB_HTTP_PORT/unreadable/list?machine=m1")
t_eq "an unreadable config file is a 500 that says why" \
	"kbisect server configuration: $LAB_DIR/etc/kbisect/secret.ini: cannot read: Permission denied
 500" "$got"
t_check "Apache's error log has both reasons" bash -c "
	grep -q 'kbisect-default: kbisect server configuration: .*nothing-here.ini: cannot read: No such file' '$LAB_DIR/apache/error.log' &&
	grep -q 'kbisect-list: kbisect server configuration: .*secret.ini: cannot read: Permission denied' '$LAB_DIR/apache/error.log'"
t_eq "nothing was written on those errors" "$before" "$(snapshot)"
t_done
