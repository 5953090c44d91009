#!/bin/bash
# The installed Apache snippet keeps reading open and refuses write methods on
# /kbisect/default from outside its Require: by address (as shipped), and by user
# (the Basic auth variant its comments document); boot reports only from the test
# machines' addresses.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
A=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
lab_store_image "$A"

# status METHOD PATH FROM [CURL ARGS]: the HTTP status of a request sent from the
# loopback address FROM (the whole of 127/8 is this namespace's loopback).
status() {
	local m=$1 p=$2 from=$3
	shift 3
	curl -sS --max-time 10 --interface "$from" -X "$m" -o /dev/null -w '%{http_code}' "$@" "$LAB_URL/$p"
}
state() { find "$LAB_STATE" -type f | sort | tr '\n' ' '; }

lab_apache_start_with "$LAB_SNIPPET"
t_eq "PUT from an allowed address (127.0.0.1) is accepted" 200 \
	"$(status PUT 'default?machine=m1' 127.0.0.1 --data-binary "$A")"
before=$(state)
for m in PUT POST DELETE; do
	t_eq "$m default from an address outside the Require (127.0.0.2) is refused with 403" 403 \
		"$(status "$m" 'default?machine=m1' 127.0.0.2 --data-binary "$A")"
done
t_eq "the refused requests wrote nothing" "$before" "$(state)"
t_eq "GET default from that address is open" 200 "$(status GET 'default?machine=m1' 127.0.0.2)"
t_eq "GET list from that address is open" 200 "$(status GET 'list?machine=m1' 127.0.0.2)"
curl -sS -f -X PUT --data-binary "$A" "$LAB_URL/default?machine=m1&once=1" >/dev/null
before=$(state)
t_eq "a boot report from outside the test machines' Require (127.0.0.2) is refused with 403" 403 \
	"$(status POST 'booted?machine=m1' 127.0.0.2 --data-binary "$A")"
t_eq "... and wrote nothing: the once is intact, the log unchanged" "$before" "$(state)"
t_eq "a test machine inside it (127.0.0.1) reports its boot" 200 \
	"$(status POST 'booted?machine=m1' 127.0.0.1 --data-binary "$A")"
t_eq "GET booted from outside is open" 200 "$(status GET 'booted?machine=m1' 127.0.0.2)"

# The Basic auth variant, made from the installed snippet as its comments say.
apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop
lab_wait_port_closed "$LAB_HTTP_PORT" 10
htpasswd -bc "$LAB_DIR/etc/kbisect/htpasswd" alice secret 2>/dev/null
sed -e '/^        Require ip 127.0.0.1 ::1$/d' \
	-e 's/^        #   \(Auth.*\|Require valid-user\)$/        \1/' "$LAB_SNIPPET" >"$LAB_DIR/basic.conf"
t_check "the Basic auth variant is the snippet's own commented lines" \
	grep -q "^        AuthUserFile $LAB_DIR/etc/kbisect/htpasswd$" "$LAB_DIR/basic.conf"
lab_apache_start_with "$LAB_DIR/basic.conf"
before=$(state)
t_eq "PUT without credentials is refused (401)" 401 "$(status PUT 'default?machine=m1' 127.0.0.1 --data-binary "$A")"
t_eq "PUT as an unknown user is refused (401)" 401 \
	"$(status PUT 'default?machine=m1' 127.0.0.1 -u mallory:secret --data-binary "$A")"
t_eq "PUT with a wrong password is refused (401)" 401 \
	"$(status PUT 'default?machine=m1' 127.0.0.1 -u alice:guess --data-binary "$A")"
t_eq "the refused requests wrote nothing" "$before" "$(state)"
t_eq "DELETE as alice is accepted" 200 "$(status DELETE 'default?machine=m1' 127.0.0.1 -u alice:secret)"
t_eq "GET needs no credentials" 200 "$(status GET 'list?machine=m1' 127.0.0.2)"
t_done
