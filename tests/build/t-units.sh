#!/bin/bash
# The builder's systemd unit as make install-builder writes it: systemd accepts
# it, and a commit's build runs without new privileges, with the system read-only
# and writes limited to the builder's own directories.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" B="$B" DESTDIR="$tmp" PREFIX=/usr/local install-builder >/dev/null 2>&1
unit=$tmp/etc/systemd/system/kbisect-builder.service
t_check "make install-builder writes the unit" test -s "$unit"
# Verified with the ExecStart pointed at the built program (the DESTDIR copy).
sed "s|/usr/local/bin/kbisect-builder|$tmp/usr/local/bin/kbisect-builder|" "$unit" >"$tmp/kbisect-builder.service"
# (Its Documentation= man pages: the ones make install-builder installed beside it.)
out=$(MANPATH=$tmp/usr/local/share/man systemd-analyze verify "$tmp/kbisect-builder.service" 2>&1)
t_eq "systemd-analyze verify accepts it without a word (it warns on unknown keys and bad values, exit 0)" "" "$out"
for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes User=kbisect \
	"ReadWritePaths=-/var/lib/kbisect -/var/cache/kbisect-builder -/srv/kbisect -/var/cache/kbisect" \
	"RestrictNamespaces=user mnt net" "Documentation=man:kbisect-builder(8) man:builder.ini(5)"; do
	t_check "the unit has $k" grep -qx "$k" "$unit"
done
