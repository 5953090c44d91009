#!/bin/bash
# Machine leases behind the lab's Apache (issue 16), driven with curl: a lease is
# taken, a second one is refused naming its holder, once and default need its
# token while it lives, it is renewed, its expiry frees the machine for the next
# bisection, and it is released. Bad requests write nothing.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
lab_apache_start_with "$LAB_SNIPPET"

A=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
B=6.1.0-main_bbbbbbbbbbbb_20261121_x86_64
lab_store_image "$A"
lab_store_image "$B"

# code METHOD URL [CURL ARGS]: prints "STATUS BODY" (body on one line).
code() {
	local m=$1 u=$2
	shift 2
	curl -sS --max-time 10 -X "$m" -o "$LAB_DIR/body" -w '%{http_code}' "$@" "$LAB_URL/$u" >"$LAB_DIR/code"
	printf '%s %s' "$(cat "$LAB_DIR/code")" "$(tr '\n' '|' <"$LAB_DIR/body" | sed 's/|$//')"
}
alice=$'owner=alice@ws-1\npurpose=bisect drm\nseconds=600\n'
bob=$'owner=bob\npurpose=nightly\nseconds=600\n'
# The holder as the 409s name it, the time left open.
held() { echo "^409 machine m1 is leased by $1 until 20[0-9-]{8}T[0-9:]{8}Z\$"; }
matches() { [[ $1 =~ $2 ]] || { printf '#   got: %s\n' "$1"; return 1; }; }

t_eq "a machine the lab does not know cannot be leased (404)" \
	"404 unknown machine m1: leases are taken once it has a default (PUT /default)" \
	"$(code POST 'lease?machine=m1' --data-binary "$alice")"
curl -sS -f -X PUT --data-binary "$A" "$LAB_URL/default?machine=m1" >/dev/null
t_eq "a known machine without a lease is free" "200 free" "$(code GET 'lease?machine=m1')"

got=$(code POST 'lease?machine=m1' --data-binary "$alice")
token=${got#201 }
t_check "POST takes the lease: 201, the body its token (32 hex digits)" matches "$got" '^201 [0-9a-f]{32}$'
t_check "the lease file holds owner, purpose, term, expiry and token" \
	bash -c '[ "$(cut -d= -f1 "$1" | tr "\n" " ")" = "owner purpose seconds expires token " ] && grep -qx "token=$2" "$1"' \
	_ "$LAB_STATE/machines/m1/lease" "$token"
t_check "a second lease is refused (409) with the holder's name, purpose and expiry" \
	matches "$(code POST 'lease?machine=m1' --data-binary "$bob")" "$(held 'alice@ws-1 \(bisect drm\)')"
got=$(code GET 'lease?machine=m1')
t_check "GET shows owner, purpose, expiry and seconds left" \
	matches "$got" '^200 owner=alice@ws-1\|purpose=bisect drm\|seconds=600\|expires=[0-9]+\|until=20[0-9T:-]+Z\|left=(600|59[0-9])$'
t_check "... and never the token" bash -c '! grep -q "$1" <<<"$2"' _ "$token" "$got"

state() { (cd "$LAB_STATE" && find . -type f -exec md5sum {} + | sort) | md5sum; }
before=$(state)
t_check "once without the token is refused (409) naming the holder" \
	matches "$(code PUT 'default?machine=m1&once=1' --data-binary "$B")" "$(held 'alice@ws-1 \(bisect drm\)')"
t_check "so is once with another token" \
	matches "$(code PUT "default?machine=m1&once=1&lease=$(printf 'f%.0s' {1..32})" --data-binary "$B")" \
	"$(held 'alice@ws-1 \(bisect drm\)')"
t_check "so are default and clearing it" bash -c '[[ $1 == 409\ * && $2 == 409\ * ]]' _ \
	"$(code PUT 'default?machine=m1' --data-binary "$B")" "$(code DELETE 'default?machine=m1')"
t_eq "the refused requests wrote nothing" "$before" "$(state)"
t_eq "once with the lease's token is accepted" "200 machine m1: once is $B" \
	"$(code PUT "default?machine=m1&once=1&lease=$token" --data-binary "$B")"
t_eq "reading is never refused" "200 $B" "$(code GET 'default?machine=m1&once=1')"
t_eq "nor the machine's boot report, which consumes the once" "200 machine m1 booting $B (once consumed)" \
	"$(code POST 'booted?machine=m1' --data-binary "$B")"
t_check "the status page shows the lease" \
	bash -c 'curl -sS "$1/status" | grep -q "<dt>leased by</dt><dd class=\"lease\">alice@ws-1 (bisect drm) until 20"' _ "$LAB_URL"
t_check "the Apache snippet's Require covers lease writes: 403 from outside it (127.0.0.2)" \
	bash -c '[ "$(curl -sS --interface 127.0.0.2 -o /dev/null -w "%{http_code}" -X POST --data-binary "$2" "$1/lease?machine=m1")" = 403 ]' \
	_ "$LAB_URL" "$bob"

t_check "PUT renews it, here for 2 s" \
	matches "$(code PUT "lease?machine=m1&lease=$token&seconds=2")" '^200 machine m1 is leased by alice@ws-1 \(bisect drm\) until '
deadline=$((SECONDS + 10))
while [ "$(code GET 'lease?machine=m1')" != "200 free" ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
t_eq "its expiry frees the machine (within 10 s)" "200 free" "$(code GET 'lease?machine=m1')"
t_check "the status page no longer shows it" bash -c '! curl -sS "$1/status" | grep -q "leased by"' _ "$LAB_URL"
t_check "an expired lease is not renewed: the machine was free meanwhile" \
	matches "$(code PUT "lease?machine=m1&lease=$token")" '^409 machine m1: this lease expired at .*: take a new one \(POST\)$'
t_eq "once without a token is accepted again" "200 machine m1: once is $A" \
	"$(code PUT 'default?machine=m1&once=1' --data-binary "$A")"
got=$(code POST 'lease?machine=m1' --data-binary "$bob")
bob_token=${got#201 }
t_check "the next bisection takes the machine" matches "$got" '^201 [0-9a-f]{32}$'
t_check "the first holder's old token renews nothing, and names the new holder" \
	matches "$(code PUT "lease?machine=m1&lease=$token")" "$(held 'bob \(nightly\)')"
t_check "... nor releases it" matches "$(code DELETE "lease?machine=m1&lease=$token")" "$(held 'bob \(nightly\)')"
t_eq "DELETE with its token releases it" "200 machine m1: lease released" \
	"$(code DELETE "lease?machine=m1&lease=$bob_token")"
t_check "the lease file is gone" test ! -e "$LAB_STATE/machines/m1/lease"
t_eq "releasing it again is fine" "200 machine m1 has no lease" "$(code DELETE "lease?machine=m1&lease=$bob_token")"
t_eq "the machine is free" "200 free" "$(code GET 'lease?machine=m1')"

# Eight bisections at once on a free machine: the machine's lock lets one win.
for i in 1 2 3 4 5 6 7 8; do
	curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n' -X POST --data-binary "owner=racer-$i
purpose=race
seconds=600" "$LAB_URL/lease?machine=m1" &
done >"$LAB_DIR/race" 2>&1
wait
t_eq "of eight lease requests at once, one gets the machine and seven are refused" "1 201;7 409;" \
	"$(sort "$LAB_DIR/race" | uniq -c | awk '{printf "%s %s;", $1, $2}')"
rm -f "$LAB_STATE/machines/m1/lease" # as an admin frees a machine

before=$(state)
while IFS='|' read -r want method url data; do
	args=()
	[ -n "$data" ] && args=(--data-binary "$(printf '%b' "$data")")
	t_eq "$method $url${data:+ body=$data}" "$want" "$(code "$method" "$url" "${args[@]}")"
done <<CASES
400 bad lease request: line 3: bad seconds: expected a number of seconds from 1 to 86400|POST|lease?machine=m1|owner=a\npurpose=b\nseconds=86401
400 bad lease request: missing owner|POST|lease?machine=m1|purpose=b\nseconds=5
400 bad lease request: line 1: bad owner: expected printable ASCII, 1 to 64 characters|POST|lease?machine=m1|owner=a\tb\npurpose=b\nseconds=5
400 bad lease request: line 1: not key=value|POST|lease?machine=m1|garbage
400 missing parameter 'lease' (the token POST lease answered)|DELETE|lease?machine=m1
400 bad lease: expected the token (32 lowercase hex digits) that POST lease answered|PUT|lease?machine=m1&lease=nope
400 bad machine name: machine name starts with '.'|GET|lease?machine=..
405 method PATCH is not allowed here (allowed: GET, HEAD, POST, PUT, DELETE)|PATCH|lease?machine=m1
CASES
t_eq "the state is unchanged by the bad requests" "$before" "$(state)"
t_done
