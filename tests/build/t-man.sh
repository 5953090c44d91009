#!/bin/bash
# The manual pages (make man): each renders without a warning from man; the
# programs' pages carry every option their --help lists (help2man reads --help);
# the file pages written by hand name every key the parsers take, so that they
# cannot drift apart: builder.ini(5) every key of builder/config.cc's "unknown key
# (...)" lists, kbisect-init(7) every kbisect.* key of common/cmdline.cc's table.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$top" B="$B" man >/dev/null 2>&1
t_check "make man makes the pages" test -s "$top/$B/man/kbisect.1"
for p in "$top/$B"/man/*.[0-9]; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	t_eq "$(basename "$p") renders without a warning" "" "$w"
done
render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$top/$B/man/$1" 2>/dev/null | sed 's/\xe2\x80\x90//g; s/‐//g'; }
missing=
for o in $("$top/$B/kbisect" --help | grep -oE '^  --[a-z0-9-]+' | sort -u); do
	render kbisect.1 | grep -q -- "$o" || missing+=" $o"
done
t_eq "kbisect(1) has every option of kbisect --help" "" "$missing"
missing=
for k in $(grep -oE 'unknown key \([^)]*\)' "$top/builder/config.cc" | sed 's/unknown key (//; s/)//; s/,/ /g'); do
	grep -q "^\.B $k\b" "$top/doc/man/builder.ini.5" || missing+=" $k"
done
t_eq "builder.ini(5) has every key the builder's parser takes" "" "$missing"
missing=
for k in $(grep -oE '\{"kbisect\.[a-z]+"' "$top/common/cmdline.cc" | tr -d '{"'); do
	grep -q "^\.B $k=" "$top/doc/man/kbisect-init.7" || missing+=" $k"
done
t_eq "kbisect-init(7) has every kernel parameter the init reads" "" "$missing"
t_done
