#!/bin/bash
# Lab smoke test: Apache with a private config hands GET, PUT and DELETE with their
# query strings and bodies to a CGI, and serves the image store's Alias.
# budget: --base 120
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init

mkdir -p "$LAB_DIR/cgi" "$LAB_DIR/images/img1"
install -m 755 "$LAB_SRC/echo.cgi" "$LAB_DIR/cgi/echo"
echo "a kernel" >"$LAB_DIR/images/img1/bzImage"
lab_apache_start "$LAB_DIR/cgi" "$LAB_DIR/images"

req() { curl -sS --max-time 10 "$@"; }
t_eq "GET reaches the CGI with its query string" \
	"$(printf 'method=GET\nquery=machine=m1&arch=x86_64\nbody=')" \
	"$(req "$LAB_URL/echo?machine=m1&arch=x86_64")"
t_eq "PUT reaches the CGI with query string and body" \
	"$(printf 'method=PUT\nquery=machine=m2\nbody=some-image')" \
	"$(req -X PUT --data-binary some-image "$LAB_URL/echo?machine=m2")"
t_eq "DELETE reaches the CGI with its query string" \
	"$(printf 'method=DELETE\nquery=machine=m3&once=1\nbody=')" \
	"$(req -X DELETE "$LAB_URL/echo?machine=m3&once=1")"
t_eq "the image store is served under /kbisect/images/" \
	"a kernel" "$(req "$LAB_URL/images/img1/bzImage")"
t_eq "a path that climbs out of the Alias with .. is refused" \
	403 "$(req --path-as-is -o /dev/null -w '%{http_code}' "$LAB_URL/images/../../etc/passwd")"
t_check "Apache listens on the namespace's loopback only" \
	bash -c "ss -Htln | awk '{print \$4}' | grep -qx '127.0.0.1:$LAB_HTTP_PORT'"
t_done
