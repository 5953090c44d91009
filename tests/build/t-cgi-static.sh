#!/bin/bash
# The CGI programs are static, so an admin can copy them into any distribution's
# Apache; each answers a request with no configuration with a clear 500.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
for p in list default booted status lease; do
	f=$B/cgi/$p
	t_check "cgi/$p is built" test -x "$f"
	t_check "cgi/$p has no program interpreter (static)" bash -c "! readelf -lW '$f' | grep -q INTERP"
	out=$(env -i REQUEST_METHOD=GET QUERY_STRING=machine=m KBISECT_CONFIG=/nonexistent/kbisect.ini "$f" 2>/dev/null)
	t_check "cgi/$p runs and names its missing configuration" \
		bash -c 'grep -q "^Status: 500 " <<<"$1" && grep -q "/nonexistent/kbisect.ini: cannot read" <<<"$1"' _ "$out"
done
