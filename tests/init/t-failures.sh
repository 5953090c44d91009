#!/bin/bash
# Stage-1 in QEMU when things go wrong: each failure is said on the console with
# its step and cause, and the machine never hangs: it falls back to the next
# entry, to HTTP, or to a reboot that tries again.
# needs: --kernels 2
# budget: --boots 14
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
. "$LAB_TOP/tests/init/setup.sh"

# A corrupt image (its bzImage changed after image.ini was written) as once, and a
# file that is no bzImage (with a right sum) as default: both refused, each said,
# and the menu goes on to the next entry.
CORRUPT=6.1.0-main_dddddddddddd_20261123_x86_64
NOTBZ=6.1.0-main_eeeeeeeeeeee_20261123_x86_64
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER lab_store_image "$CORRUPT"
lab_spoil "$LAB_IMAGES/$CORRUPT/bzImage" 100000
echo "this is not a kernel" >"$LAB_DIR/not-a-kernel"
IMAGE_KERNEL=$LAB_DIR/not-a-kernel lab_store_image "$NOTBZ"
set_default bad "$NOTBZ"
set_default bad "$CORRUPT" once
boot bad "kbisect.timeout=1"
t_check "corrupt: the candidate after the two bad entries runs" \
	wait_for bad "^candidate: running $CAND_KVER marker=from-image-ini" 180
t_check "corrupt: the sha256 mismatch is said and the image refused" \
	console_has bad "kbisect: image: $CORRUPT/bzImage: sha256 mismatch, refusing to boot it"
t_check "not a bzImage: refused before any kexec, said why" \
	console_has bad "kbisect: kexec: $NOTBZ: refused before kexec: not a bzImage, or truncated: shorter than a bzImage's setup header"
t_check "the menu came back with the failed entries marked" console_has bad "  1) $CORRUPT  (failed)"
t_eq "only the booted image is in the boot log" "$CAND" \
	"$(curl -sS "$LAB_URL/booted?machine=bad" | awk '{print $2}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
lab_qemu_stop bad

# An NFS export that does not exist: said, then the image comes over HTTP.
set_default nonfs "$OTHER"
boot nonfs "kbisect.nfs=10.0.2.2:/no-such-export"
t_check "nfs export missing: the image still boots over HTTP" \
	wait_for nonfs "^candidate: running $CAND_KVER marker=other" 180
t_check "nfs export missing: mount's error is said with its errno" \
	bash -c "grep -aqE '^kbisect: nfs: 10.0.2.2:/no-such-export \\(mount: E[A-Z]+\\)' '$LAB_OUT/nonfs.console'"
t_check "nfs export missing: the fallback is said" console_has nonfs "kbisect: nfs: cannot mount the image store; using HTTP"
lab_qemu_stop nonfs

# Bad kbisect.* parameters are reported; the rest still works.
set_default badcmd "$OTHER"
boot badcmd "kbisect.timeout=soon kbisect.colour=blue"
t_check "bad cmdline: the machine still boots" wait_for badcmd "^candidate: running $CAND_KVER marker=other" 180
t_check "bad cmdline: a bad value is reported with the key" \
	console_has badcmd "kbisect: cmdline: kbisect.timeout: timeout is not a number of seconds from 0 to 3600"
t_check "bad cmdline: an unknown key is reported" console_has badcmd "kbisect: cmdline: kbisect.colour: unknown kbisect parameter"
lab_qemu_stop badcmd

# The server goes away between the list and the image (restarted, or too loaded to
# accept a connection): the stage-1 connects again with growing waits instead of
# falling back to another kernel, and boots the chosen one once the server is back.
set_default gone "$CAND" once
boot gone "kbisect.timeout=3"
t_check "server gone after the list: the menu was offered" wait_for gone "^kbisect: booting 1 in 3 s" 180
apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop
lab_wait_port_closed "$LAB_HTTP_PORT" 15
t_check "server gone after the list: the refused connection is said" \
	wait_for gone "^kbisect: image: cannot connect to the server \\(connect: ECONNREFUSED\\)" 60
t_check "server gone after the list: it connects again after a wait" wait_for gone "^kbisect: image: connecting again in 1 s" 10
apache2 -f "$LAB_DIR/apache/httpd.conf" -k start
lab_wait_port "$LAB_HTTP_PORT" 15
t_check "server back: the chosen image boots, not the list's next one" \
	wait_for gone "^candidate: running $CAND_KVER marker=from-image-ini" 180
t_check "server back: no entry was marked failed" bash -c '! grep -aq "(failed)" "$1"' _ "$LAB_OUT/gone.console"
lab_qemu_stop gone

# The server is down at boot: bounded retries, then a reboot that tries again.
# (No -no-reboot here: the test watches it come back.)
lab_qemu_start down "$LAB_STAGE1_KERNEL" "$LAB_DIR/stage1.cpio.gz" \
	"console=ttyS0 panic=-1 kbisect.server=http://10.0.2.2:9/kbisect kbisect.machine=down"
t_check "server down: the refused connection is said with its errno" \
	wait_for down "^kbisect: list: cannot connect to the server \\(connect: ECONNREFUSED\\)" 90
t_check "server down: it retries with growing waits" wait_for down "^kbisect: list: retrying in 8 s" 60
t_check "server down: after 5 tries it says so and reboots" wait_for down "^kbisect: rebooting in 10 s" 60
t_check "server down: the machine boots again and tries again" wait_for down "^kbisect: stage-1 init starting" 60 2
lab_qemu_stop down

# No DHCP server answers (a network with nobody on it).
LAB_NETDEV=hubport,hubid=7 boot nodhcp ""
t_check "no DHCP answer: said after the bounded tries" \
	wait_for nodhcp "^kbisect: dhcp: no answer on eth0 after 4 tries in 15 s" 90
t_check "no DHCP answer: then a reboot" wait_for nodhcp "^kbisect: rebooting in 10 s" 10
lab_qemu_stop nodhcp

# A candidate that says nothing on the serial console (no console= on its command
# line; its init sleeps, idle, instead of testing) behind a quiet stage-1
# (no "Starting new kernel"): what a stage-1 kernel that stalls on its way to the
# kexec looks like too. kbisect step boots it once more before calling it a hang.
git init -q "$LAB_DIR/silent.git" && git -C "$LAB_DIR/silent.git" -c user.name=t -c user.email=t@lab \
	commit -q --allow-empty -m "a commit whose kernel says nothing"
sha=$(git -C "$LAB_DIR/silent.git" rev-parse HEAD)
SILENT=6.1.0-main_${sha:0:12}_20261124_x86_64
IMAGE_KERNEL=$CAND_ROOT/boot/vmlinuz-$CAND_KVER IMAGE_INITRD=$LAB_DIR/candidate.cpio.gz \
	IMAGE_CMDLINE="rdinit=/bin/busybox sleep 3600" lab_store_image "$SILENT" main "$sha"
set_default silent "$SILENT" once
lab_qemu_start silent "$LAB_STAGE1_KERNEL" "$LAB_DIR/stage1.cpio.gz" \
	"console=ttyS0 panic=-1 quiet kbisect.server=$LAB_GUEST_URL kbisect.machine=silent kbisect.timeout=0"
t_check "silent: the quiet stage-1 kexecs into it" wait_for silent "^kbisect: kexec into $SILENT " 120
KBISECT=$(lab_bin kbisect)
(cd "$LAB_DIR/silent.git" && "$KBISECT" --server "$LAB_URL" step --machine silent \
	--power "$KBISECT qmp-reset $LAB_DIR/silent.qmp" --console "$LAB_OUT/silent.console" \
	--pass "^candidate: running" --boot-timeout 20 >"$LAB_OUT/silent.step" 2>&1)
rc=$?
sed 's/^/# /' "$LAB_OUT/silent.step"
t_eq "silent: the step's verdict is bad (a hang), exit 1" 1 "$rc"
t_check "silent: the first silence was said and the image booted once more" \
	grep -qF "silent: nothing on the console after the stage-1's kexec line (no verdict on the console within 20 s: a hang): tried once more" "$LAB_OUT/silent.step"
t_check "silent: the second silence is the hang, said as such" \
	grep -qF "no verdict on the console within 20 s: a hang (silent after the kexec twice)" "$LAB_OUT/silent.step"
t_eq "silent: the boot log has the image three times (the start, the step, once more)" 3 \
	"$(curl -sS "$LAB_URL/booted?machine=silent" | grep -c " $SILENT ")"
t_check "silent: the stage-1 said nothing after its kexec line, each time" \
	bash -c '[ "$(grep -ac "kexec_core: Starting new kernel" "$1")" = 0 ] && [ "$(grep -ac "^kbisect: kexec into " "$1")" = 3 ]' _ "$LAB_OUT/silent.console"
lab_qemu_stop silent
t_done
