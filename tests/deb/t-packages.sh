#!/bin/bash
# The Debian packages as an admin meets them (issue 40): `make deb` (lintian
# without errors), then the four packages installed with apt into a fresh Debian
# 12 root (tests/lab/package-root: their dependencies only, from mmdebstrap),
# booted with systemd-nspawn in the lab's namespace, so that their maintainer
# scripts and units run under a real systemd:
#   - Apache serves the CGI programs as the package configured it (a2enconf, cgid);
#     a kernel published into the store with the installed kbisect-builder is a
#     machine's list, its default set from outside (this host may write);
#   - a build request sent over HTTP from outside reaches the packaged builder,
#     run by its hardened unit as the kbisect user: the web server's user wrote the
#     request into the builder's directory, the builder takes it (here a commit it
#     cannot resolve: it drops it and says so);
#   - the stage-1 made there by kbisect-update-stage1 from /etc/default/kbisect with
#     the root's own Debian kernel boots in QEMU, fetches the list from that Apache
#     and kexecs the machine's default;
#   - `man kbisect` works; an upgrade to a newer build keeps the state and the
#     store; purge leaves nothing of the packages.
#   - NFS as doc/admin.md sets it up: the root booted as a QEMU machine (its own
#     Debian kernel, whose nfsd the container cannot have) exports the store with
#     nfs-kernel-server and the admin guide's /etc/exports.d line, and a stage-1
#     reads its image from it (kbisect.nfs=), beside the lab's ganesha (tests/init);
#   - kbisect step, from outside, on a commit that has no image: it asks the
#     server's builder over HTTP, the builder in the root builds it (in the lab's
#     shared warm tree, bind-mounted at its own path: an incremental build; the
#     unit as root for that, by a drop-in, since the tree is root's), and the
#     stage-1 kexecs the image; the step passes on the candidate's console.
# needs: --linux x86_64
# budget: --builds 1 --boots 5
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
if [ -z "${KBISECT_LAB_INSIDE:-}" ]; then
	# Outside the lab (it has no route out): the packages, and the root their
	# dependencies make (downloaded once, cached).
	export PKG_DEBS PKG_ROOT_TAR PKG_LINTIAN
	PKG_DEBS=$(mktemp -d /tmp/kbisect-debs.XXXXXX)
	PKG_LINTIAN=$PKG_DEBS/make-deb.log
	make -s -C "$LAB_TOP" B="$PKG_DEBS/b" deb >"$PKG_LINTIAN" 2>&1
	echo "make-deb-exit $?" >>"$PKG_LINTIAN"
	cp "$PKG_DEBS"/b/deb/*.deb "$PKG_DEBS/" 2>/dev/null
	PKG_ROOT_TAR=$(ls "$PKG_DEBS"/*.deb >/dev/null 2>&1 && "$LAB_TOP/tests/lab/package-root" "$PKG_DEBS"/*.deb) || PKG_ROOT_TAR=
fi
lab_start "$0" "$@"
lab_init
trap 'rm -rf "$PKG_DEBS"; lab_cleanup' EXIT

t_check "make deb builds the packages" grep -qx 'make-deb-exit 0' "$PKG_LINTIAN"
t_check "lintian finds no errors in them" bash -c "! grep -q '^E: ' '$PKG_LINTIAN'"
debs=("$PKG_DEBS"/kbisect*.deb)
t_eq "the four packages" "kbisect kbisect-builder kbisect-server kbisect-stage1" \
	"$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done | sort | paste -sd' ')"
[ -n "$PKG_ROOT_TAR" ] && [ ${#debs[@]} -eq 4 ] || lab_die "no packages or no root: $(tail -5 "$PKG_LINTIAN")"
version=$(dpkg-deb -f "${debs[0]}" Version)

root=$LAB_DIR/root
lab_step "unpacking the root"
mkdir -p "$root" && tar -xf "$PKG_ROOT_TAR" -C "$root" || lab_die "cannot unpack $PKG_ROOT_TAR"
kver=$(basename "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)") kver=${kver#vmlinuz-}
# The root's files before: what purge must leave as it found it (bookkeeping aside).
listing() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
		-o -path ./var/log -o -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
		-o -path ./var/lib/systemd -o -path ./var/lib/apache2 -o -path ./var/tmp \) -prune -o -print |
		grep -vE '^\./etc/(passwd|group|shadow|gshadow)-?$|^\./etc/ld\.so\.cache$|^\./(etc|var/lib/dbus)/machine-id$' | sort)
}
listing >"$LAB_DIR/before.list"
mkdir -p "$root/root/debs" && cp "${debs[@]}" "$root/root/debs/"

# The container: systemd as its PID 1 in the lab's network namespace (its Apache
# on this namespace's port 80, which QEMU's guests reach as 10.0.2.2:80).
pkg_pid=
pkg_stop() {
	[ -n "$pkg_pid" ] || return 0
	kill -TERM "$pkg_pid" 2>/dev/null
	timeout 30 tail --pid="$pkg_pid" -f /dev/null 2>/dev/null || kill -KILL "$pkg_pid" 2>/dev/null
	pkg_pid=
}
pkg_boot() {
	lab_step "booting the root with systemd-nspawn"
	systemd-nspawn -q -D "$root" --register=no --keep-unit --boot --bind="$KBISECT_LAB_LINUX" \
		>>"$LAB_OUT/nspawn.console" 2>&1 </dev/null &
	pkg_pid=$!
	local i
	for i in $(seq 120); do
		in_root systemctl is-system-running 2>/dev/null | grep -qE '^(running|degraded)$' && return 0
		sleep 0.5
	done
	lab_die "the container did not come up (nspawn.console)"
}
# in_root CMD...: CMD in the container (its namespaces, as its PID 1 sees them).
in_root() {
	local leader
	leader=$(pgrep -P "$pkg_pid" -o 2>/dev/null) || return 255
	nsenter -t "$leader" -m -u -i -p -n env -i -C / PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
http() { curl -sS -o "$LAB_DIR/http.body" -w '%{http_code}' "$@"; }
repo=$KBISECT_LAB_LINUX/linux.git
tb=kbp-$$
trap 'pkg_stop; git --git-dir="$repo" update-ref -d "refs/heads/$tb" 2>/dev/null; rm -rf "$PKG_DEBS"; lab_cleanup' EXIT

pkg_boot
lab_step "apt installs the four packages"
in_root apt-get install -y --no-install-recommends /root/debs/kbisect_"$version"_amd64.deb \
	/root/debs/kbisect-server_"$version"_amd64.deb /root/debs/kbisect-builder_"$version"_amd64.deb \
	/root/debs/kbisect-stage1_"$version"_amd64.deb >"$LAB_OUT/apt-install.log" 2>&1
t_check "apt installs them from the files, nothing to download" grep -q 'Setting up kbisect-stage1' "$LAB_OUT/apt-install.log"
t_eq "every program says the packages' version" "$version $version $version" \
	"$(in_root kbisect --version | cut -d' ' -f2) $(in_root kbisect-builder --version | cut -d' ' -f2) $(in_root /usr/lib/kbisect/cgi-bin/list --version | cut -d' ' -f3)"
man_pages() {
	in_root man -P cat kbisect 2>/dev/null | grep -q 'bisect a kernel regression' &&
		in_root man -P cat builder.ini 2>/dev/null | grep -q per_branch_arch &&
		in_root man -P cat 7 kbisect-init 2>/dev/null | grep -q 'kbisect.server='
}
t_check "man kbisect, man builder.ini and man 7 kbisect-init work" man_pages
groups_shared() { in_root id -nG kbisect | grep -qw kbisect && in_root id -nG www-data | grep -qw kbisect; }
t_check "the builder's user is in the kbisect group, and so is www-data" groups_shared
t_eq "the state directory is the kbisect group's, setgid" "root:kbisect 2775" \
	"$(in_root stat -c '%U:%G %a' /var/lib/kbisect/state)"

# --- the server: Apache with the package's configuration -------------------------------
lab_step "Apache serves the packaged CGI programs"
in_root systemctl reload-or-restart apache2
t_eq "an unknown machine's list is empty" 200 "$(http "http://127.0.0.1/kbisect/list?machine=pkg1")"
# A kernel of the distribution's (the root's own) as the machine's first image,
# published by the installed builder as the kbisect user, as doc/admin.md says.
in_root runuser -u kbisect -- kbisect-builder publish --images /var/lib/kbisect/images --release "$kver" \
	--arch x86_64 --kernel "/boot/vmlinuz-$kver" --cmdline "console=ttyS0 panic=-1 pkg.marker=candidate" \
	--branch debian >"$LAB_DIR/publish.out" 2>&1
image=$(tail -1 "$LAB_DIR/publish.out")
t_check "kbisect-builder publish puts a Debian kernel into the store" test -f "$root/var/lib/kbisect/images/$image/image.ini"
t_eq "set its default from this host (allowed by the shipped Require)" 200 \
	"$(http -X PUT --data-binary "$image" "http://127.0.0.1/kbisect/default?machine=pkg1")"
t_eq "the list serves it, default on top" "$image" "$(curl -s "http://127.0.0.1/kbisect/list?machine=pkg1" | head -1)"

# --- a build request over HTTP, taken by the packaged builder ----------------------------
lab_step "a build request over HTTP"
bad=0000000000000000000000000000000000000bad
t_eq "no builder has kept this state yet: a request is 404 'no builder'" 404 "$(http -X POST "http://127.0.0.1/kbisect/request?commit=$bad&arch=x86_64")"
git init -q --bare "$root/var/cache/kbisect-builder/linux.git"
in_root chown -R kbisect:kbisect /var/cache/kbisect-builder/linux.git
sed -i 's/^remote = origin/;&/' "$root/etc/kbisect/builder.ini"
in_root systemctl start kbisect-builder
for _ in $(seq 60); do [ -f "$root/var/lib/kbisect/state/builder/watching" ] && break; sleep 0.5; done
t_eq "with the builder's unit running, the request is queued (202)" 202 \
	"$(http -X POST "http://127.0.0.1/kbisect/request?commit=$bad&arch=x86_64")"
t_eq "the request file is the web server's, in the builder's directory" "www-data x86_64" \
	"$(in_root stat -c %U "/var/lib/kbisect/state/requests/$bad") $(cat "$root/var/lib/kbisect/state/requests/$bad")"
for _ in $(seq 60); do [ -e "$root/var/lib/kbisect/state/requests/$bad" ] || break; sleep 0.5; done
dropped() {
	[ ! -e "$root/var/lib/kbisect/state/requests/$bad" ] &&
		in_root journalctl -u kbisect-builder --no-pager | grep -q "request $bad"
}
t_check "the builder (user kbisect) takes the request and drops it: no such commit" dropped
t_eq "then GET says there is no request and no result" 404 "$(http "http://127.0.0.1/kbisect/request?commit=$bad&arch=x86_64")"
t_eq "the builder runs as kbisect" kbisect "$(in_root ps -o user= -C kbisect-builder | head -1)"
in_root journalctl -u kbisect-builder --no-pager >"$LAB_OUT/builder.journal" 2>&1
in_root systemctl stop kbisect-builder
t_eq "the builder stopped: a request is 503, a lab fault (kbisect waits, then aborts)" 503 \
	"$(http -X POST "http://127.0.0.1/kbisect/request?commit=$bad&arch=x86_64")"

# --- the stage-1, made there --------------------------------------------------------------
lab_step "kbisect-update-stage1 makes the stage-1"
cat >>"$root/etc/default/kbisect" <<EOF
KBISECT_SERVER=http://10.0.2.2/kbisect
KBISECT_KERNEL=/boot/vmlinuz-$kver
KBISECT_CMDLINE="console=ttyS0 kbisect.machine=pkg1 kbisect.timeout=0 panic=-1"
EOF
in_root kbisect-update-stage1 >"$LAB_DIR/update-stage1.out" 2>&1
t_check "kbisect-update-stage1 makes /boot/kbisect-initramfs.cpio.gz for the root's kernel" \
	bash -c "grep -q 'made for $kver' '$LAB_DIR/update-stage1.out' && test -s '$root/boot/kbisect-initramfs.cpio.gz'"
lab_qemu_start pkg1 "$root/boot/vmlinuz-$kver" "$root/boot/kbisect-initramfs.cpio.gz" \
	"console=ttyS0 kbisect.server=http://10.0.2.2/kbisect panic=-1 kbisect.machine=pkg1 kbisect.timeout=0"
t_check "the stage-1 made there kexecs the machine's default from that Apache" wait_for pkg1 "kbisect: kexec into $image" 120
t_check "... and the candidate kernel starts" wait_for pkg1 'pkg.marker=candidate' 60
t_check "its boot report reached the server" bash -c "curl -s 'http://127.0.0.1/kbisect/booted?machine=pkg1' | grep -q ' $image '"
# Paused while the next image is built (the candidate reboots into the stage-1 and
# it again, in a loop); kbisect's qmp power cycle resets and continues it.
lab_qmp pkg1 '{"execute":"stop"}' >/dev/null || lab_die "cannot pause pkg1"

# --- kbisect step from outside: the image built on request -------------------------------
lab_step "kbisect step asks the packaged builder for an image"
# A commit of this run's own on the lab's history (no tree has built it): the
# builder watches a branch that does not exist, so it builds only what is asked.
git --git-dir="$repo" update-ref "refs/heads/$tb" refs/heads/master
new=$("$LAB_TOP/tests/builder/commit-change" "$repo" "$tb" init/main.c \
	"s/Run %s as init process/Run %s as init process (kbisect $tb)/" "init: packages") || lab_die "commit-change failed"
mkdir -p "$root/var/cache/kbisect-lab"
cp "$LAB_TOP"/tests/builder/*.config "$root/var/cache/kbisect-lab/"
# Each image's test initrd: busybox saying which kernel runs (tests/init's).
"$LAB_SRC/mkinitramfs-busybox" "$root/var/cache/kbisect-lab/candidate.cpio.gz" "$root" "$kver" \
	"$LAB_TOP/tests/init/candidate-init.sh" || lab_die "mkinitramfs-busybox failed"
"$LAB_TOP/tests/builder/lab-ini" "$repo" /var/lib/kbisect/images /var/lib/kbisect/state "$KBISECT_LAB_LINUX/trees" \
	branch.ref="refs/heads/$tb-none" builder.ccache=no "arch.x86_64.targets=bzImage modules" \
	"arch.x86_64.cmdline=console=ttyS0 panic=-1 candidate.marker=built-on-request" \
	arch.x86_64.initrd=/var/cache/kbisect-lab/candidate.cpio.gz | sed "s|$LAB_TOP/tests/builder/|/var/cache/kbisect-lab/|g" \
	>"$root/etc/kbisect/builder.ini"
mkdir -p "$root/etc/systemd/system/kbisect-builder.service.d"
printf '[Service]\nUser=root\nGroup=root\nReadWritePaths=%s\n' "$KBISECT_LAB_LINUX" \
	>"$root/etc/systemd/system/kbisect-builder.service.d/lab-tree.conf"
in_root systemctl daemon-reload
rm -f "$root/var/lib/kbisect/state/builder/watching"
in_root systemctl start kbisect-builder
for _ in $(seq 60); do [ -f "$root/var/lib/kbisect/state/builder/watching" ] && break; sleep 0.5; done
git clone -q --bare --shared "$repo" "$LAB_DIR/eng.git"
git --git-dir="$LAB_DIR/eng.git" update-ref --no-deref HEAD "$new"
(cd "$LAB_DIR/eng.git" && "$(lab_bin kbisect)" --server http://127.0.0.1/kbisect step --machine pkg1 \
	--power "qmp:$LAB_DIR/pkg1.qmp" --console "$LAB_OUT/pkg1.console" --pass '^candidate: running .* marker=built-on-request' \
	--build-timeout 600 --boot-timeout 120) >"$LAB_OUT/step.out" 2>&1
t_eq "kbisect step: the commit's image, built on request, boots and passes (0)" 0 $?
t_check "... it asked the server's builder over HTTP" grep -q "asked the server's builder (queued)" "$LAB_OUT/step.out"
built=$(curl -s "http://127.0.0.1/kbisect/request?commit=$new&arch=x86_64")
t_check "GET request says the builder's result: ok and the image" grep -qE "^ok [^ ]*_${new:0:12}_" <<<"$built"
t_check "the stage-1 kexecs that image" grep -qa "kbisect: kexec into ${built#ok }" "$LAB_OUT/pkg1.console"
in_root journalctl -u kbisect-builder --no-pager >"$LAB_OUT/builder-build.journal" 2>&1
cp "$root"/var/lib/kbisect/state/builder/logs/*.log "$LAB_OUT/" 2>/dev/null
in_root systemctl stop kbisect-builder
rm -rf "$root/etc/systemd/system/kbisect-builder.service.d"
in_root systemctl daemon-reload
lab_qemu_stop pkg1

# --- NFS: nfs-kernel-server in the root, booted as a machine -------------------------------
lab_step "the root as a machine exporting the store with nfs-kernel-server"
pkg_stop
# doc/admin.md's line, for the lab's network: QEMU's user network brings the
# client from 10.0.2.2 and from a port above 1024 (its NAT): insecure.
mkdir -p "$root/etc/exports.d"
sed -n "s|^    echo '\(/var/lib/kbisect/images [^']*\)' >/etc/exports.d/kbisect.exports$|\1|p" "$LAB_TOP/doc/admin.md" |
	sed 's|10\.20\.0\.0/16(|10.0.2.0/24(insecure,|' >"$root/etc/exports.d/kbisect.exports"
t_check "the admin guide's export line, for this network" grep -qx '/var/lib/kbisect/images 10.0.2.0/24(insecure,ro,no_subtree_check,all_squash)' \
	"$root/etc/exports.d/kbisect.exports"
# The machine's network (DHCP on its port, systemd-networkd), in its disk only.
net=$root/etc/systemd/network/10-kbisect-lab.network wants=$root/etc/systemd/system/multi-user.target.wants
printf '[Match]\nName=e*\n[Network]\nDHCP=yes\n' >"$net"
ln -sf /lib/systemd/system/systemd-networkd.service "$wants/systemd-networkd.service"
mkfs.ext4 -q -F -L kbisect-pkg -d "$root" "$LAB_DIR/root.img" 4G || lab_die "mkfs.ext4 -d of the root failed"
rm -f "$net" "$wants/systemd-networkd.service" "$root/etc/exports.d/kbisect.exports"
rmdir "$root/etc/exports.d"
LAB_NETDEV="user,hostfwd=tcp:127.0.0.1:2049-:2049,hostfwd=tcp:127.0.0.1:80-:80" \
	lab_qemu_start srv "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" \
	"root=LABEL=kbisect-pkg rw console=ttyS0 panic=-1" -drive "file=$LAB_DIR/root.img,if=virtio,format=raw"
t_check "the root boots as a machine and starts nfs-kernel-server" wait_for srv '(Finished|Started).*nfs-server.service' 240
t_check "... and Apache" wait_for srv 'Started.*apache2.service' 120
lab_qemu_start pkg2 "$root/boot/vmlinuz-$kver" "$root/boot/kbisect-initramfs.cpio.gz" \
	"console=ttyS0 kbisect.server=http://10.0.2.2/kbisect panic=-1 kbisect.machine=pkg1 kbisect.timeout=0 kbisect.nfs=10.0.2.2:/var/lib/kbisect/images"
t_check "the stage-1 mounts the store from nfs-kernel-server" wait_for pkg2 'kbisect: nfs: mounted 10.0.2.2:/var/lib/kbisect/images' 120
t_check "... and kexecs the machine's default read from it" wait_for pkg2 "kbisect: kexec into $image" 60
lab_qemu_stop pkg2
lab_qemu_stop srv
pkg_boot

# --- the kernel hooks: the stage-1 kernel upgraded, then removed --------------------------
# As the kernel package's maintainer scripts call them (run-parts with the version
# and the image's path), Debian's own hooks aside (initramfs-tools: minutes).
lab_step "the kernel hooks"
initramfs=$root/boot/kbisect-initramfs.cpio.gz
touch -d '2001-01-01' "$initramfs"
in_root /etc/kernel/postinst.d/zz-kbisect "$kver" "/boot/vmlinuz-$kver" >"$LAB_OUT/hook-postinst.out" 2>&1
t_check "the stage-1 kernel upgraded: its postinst.d hook makes the initramfs again" \
	bash -c "[ \"\$(stat -c %Y '$initramfs')\" -gt 978307200 ] && grep -q 'made for $kver' '$LAB_OUT/hook-postinst.out'"
in_root /etc/kernel/postinst.d/zz-kbisect 6.1.0-0-other "/boot/vmlinuz-6.1.0-0-other" >"$LAB_OUT/hook-other.out" 2>&1
t_eq "another kernel's upgrade: the hook does nothing" "" "$(cat "$LAB_OUT/hook-other.out")"
in_root /etc/kernel/postrm.d/zz-kbisect "$kver" "/boot/vmlinuz-$kver" >"$LAB_OUT/hook-postrm.out" 2>&1
t_check "the stage-1 kernel removed: its postrm.d hook removes the initramfs and says why" \
	bash -c "[ ! -e '$initramfs' ] && grep -q 'the stage-1 kernel $kver was removed' '$LAB_OUT/hook-postrm.out'"
in_root env KBISECT_DEFAULTS=/etc/default/kbisect /etc/grub.d/42_kbisect >"$LAB_OUT/grub-entry.out" 2>&1
t_check "... and GRUB's next menu has no kbisect entry pointing at the missing file" \
	bash -c "! grep -q menuentry '$LAB_OUT/grub-entry.out' && grep -q 'no initramfs' '$LAB_OUT/grub-entry.out'"

# --- upgrade, then purge ----------------------------------------------------------------------
lab_step "upgrading to a newer build"
newer=$version+t1
mkdir -p "$LAB_DIR/newer"
for d in "${debs[@]}"; do
	x=$LAB_DIR/newer/x
	rm -rf "$x" && dpkg-deb -R "$d" "$x" && sed -i "s/^Version: .*/Version: $newer/" "$x/DEBIAN/control" &&
		dpkg-deb -b -Zxz "$x" "$root/root/debs/$(dpkg-deb -f "$d" Package)_new.deb" >/dev/null || lab_die "cannot repack $d"
done
in_root apt-get install -y --no-install-recommends /root/debs/kbisect_new.deb /root/debs/kbisect-server_new.deb \
	/root/debs/kbisect-builder_new.deb /root/debs/kbisect-stage1_new.deb >"$LAB_OUT/apt-upgrade.log" 2>&1
t_eq "apt upgrades the four" "$newer $newer $newer $newer" \
	"$(in_root dpkg-query -W -f='${Version} ' kbisect kbisect-server kbisect-builder kbisect-stage1 | sed 's/ $//')"
t_eq "the upgrade keeps the machine's default" "$image" "$(curl -s "http://127.0.0.1/kbisect/default?machine=pkg1")"
t_check "... its boot log and the store" bash -c "curl -s 'http://127.0.0.1/kbisect/booted?machine=pkg1' | grep -q ' $image ' && test -f '$root/var/lib/kbisect/images/$image/image.ini'"
t_check "... and the admin's builder.ini" grep -q 'kbisect-lab' "$root/etc/kbisect/builder.ini"

lab_step "purging the packages"
in_root apt-get purge -y kbisect kbisect-server kbisect-builder kbisect-stage1 >"$LAB_OUT/apt-purge.log" 2>&1
purged() { ! in_root dpkg-query -W -f='${Status}\n' kbisect kbisect-server kbisect-builder kbisect-stage1 2>/dev/null | grep -q ' installed'; }
t_check "apt purges the four" purged
pkg_stop
rm -rf "$root/root/debs"
listing >"$LAB_DIR/after.list"
diff "$LAB_DIR/before.list" "$LAB_DIR/after.list" >"$LAB_OUT/purge.diff"
t_check "purge leaves nothing of the packages (the root's files as before they came)" test ! -s "$LAB_OUT/purge.diff"
t_check "... no kbisect user or group left" bash -c "! grep -q '^kbisect:' '$root/etc/passwd' '$root/etc/group'"
t_done
