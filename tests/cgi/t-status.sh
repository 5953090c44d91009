#!/bin/bash
# The status page in a real browser (Debian's headless Chromium): it lists the
# machines and images the test created; a phone-sized screenshot is kept in the
# test's output directory.
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_kbisect_install
A=6.1.0-main_aaaaaaaaaaaa_20261120_x86_64
B=6.1.0-main_bbbbbbbbbbbb_20261121_x86_64
C=6.1.0-drm-fixes_cccccccccccc_20261122_x86_64
I=6.1.0-main_dddddddddddd_20261122_i386
for n in "$A" "$B" "$I"; do lab_store_image "$n" main; done
lab_store_image "$C" drm/fixes
lab_apache_start_with "$LAB_SNIPPET"
curl -sS -X PUT --data-binary "$A" "$LAB_URL/default?machine=skl-1" >/dev/null
curl -sS -X PUT --data-binary "$C" "$LAB_URL/default?machine=tgl-2&once=1" >/dev/null
curl -sS -X POST --data-binary "$B" "$LAB_URL/booted?machine=tgl-2" >/dev/null

browser() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$LAB_DIR/chromium" --window-size=412,915 "$@" "$LAB_URL/status" 2>>"$LAB_DIR/chromium.log"
}
dom=$(browser --dump-dom)
t_check "the page renders in Chromium" test -n "$dom"
# One card per machine: its name, then default, once, last boot, when.
card() { grep -o "<div class=\"card\" id=\"machine-$1\">.*</div>" <<<"$dom" | sed 's/<[^>]*>/ /g; s/  */ /g; s/^ //; s/ $//'; }
t_eq "it lists machine skl-1 with its default" "skl-1 default $A once none last boot none when never" "$(card skl-1)"
t_check "it lists machine tgl-2 with its once and its last boot" \
	bash -c '[[ "$1" =~ ^"tgl-2 default none once $2 last boot $3 when 20"[0-9-]+T[0-9:]+Z$ ]]' _ "$(card tgl-2)" "$C" "$B"
t_check "it groups images by branch and arch" \
	bash -c 'grep -q "<h3>main · x86_64</h3>" <<<"$1" && grep -q "<h3>drm/fixes · x86_64</h3>" <<<"$1" && grep -q "<h3>main · i386</h3>" <<<"$1"' _ "$dom"
for n in "$A" "$B" "$C" "$I"; do
	t_check "it shows image $n" bash -c 'grep -q "<code>$2</code>" <<<"$1"' _ "$dom" "$n"
done
t_check "it counts 2 machines and 4 images" \
	bash -c 'grep -q "Machines (2)" <<<"$1" && grep -q "Images (4)" <<<"$1"' _ "$dom"
browser --screenshot="$LAB_OUT/status.png" >/dev/null
t_check "a phone-sized screenshot is saved ($LAB_OUT/status.png)" \
	bash -c "[ \$(stat -c %s '$LAB_OUT/status.png' 2>/dev/null || echo 0) -gt 10000 ]"
t_done
