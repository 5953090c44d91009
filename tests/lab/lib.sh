# The test lab: a private network namespace with Apache, rpcbind + nfs-ganesha and
# QEMU test machines. Source this file from a test script (bash).
#
# Every server runs inside fresh network, PID and mount namespaces entered with
# lab_enter, so nothing listens outside them and every process dies with the test
# however it ends (the kernel kills a PID namespace with its first process).
# Every wait here is bounded in time.

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=$(cd "$LAB_SRC/../.." && pwd)
: "${KBISECT_CACHE:=/var/cache/kbisect}"
LAB_HTTP_PORT=8080
LAB_NFS_PORT=2049
LAB_MNT_PORT=20048
# The build directory (make's B, relative to the top or absolute), taken when this
# file is sourced: test scripts use B for their own things (an image name) later.
LAB_BUILD=${B:-build}

. "$LAB_SRC/decl.sh"

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { lab_log "$*"; exit 1; }

# lab_bin NAME: the built program NAME (in LAB_BUILD).
lab_bin() {
	case $LAB_BUILD in /*) echo "$LAB_BUILD/$1" ;; *) echo "$LAB_TOP/$LAB_BUILD/$1" ;; esac
}

# lab_start SCRIPT [ARGS...]: what SCRIPT declares in its header (decl.sh: its
# "# needs:" line is lab_prepare's flags, its "# budget:" line lab_enter's) made,
# then SCRIPT run inside the lab (lab_enter); inside, it returns at once.
lab_start() {
	local needs budget
	needs=$(lab_decl "$1" needs) budget=$(lab_decl "$1" budget)
	# The flags are words: split on purpose.
	# shellcheck disable=SC2086
	lab_prepare $needs
	# shellcheck disable=SC2086
	lab_enter $budget "$@"
}

# lab_prepare [--kernels N] [--kernels-i386 N] [--kernels-trixie N] [--linux [ARCH,...]] [--disk | --disk-trixie]:
# downloads and makes what a test needs before it enters the lab, which has no route
# out: Debian's N newest kernels (fetch-kernel), with --kernels-i386 its N newest 686
# ones (fetch-kernel --arch i386), with --disk the base disk of a Debian test machine
# (disk-image, exported as KBISECT_LAB_DISK; --disk-trixie: a Debian 13 one), and with --linux the lab's shared kernel trees (linux-lab:
# the linux-source repository and warm build trees of the ARCHes named, default all,
# whose directory is exported as KBISECT_LAB_LINUX), all cached. Tests with --linux
# may build in the trees at the same time (the builder's lock takes turns per arch);
# one that asserts on the trees' state between its builds makes its own copy of
# them (lab_own_trees). On failure says "not ok"
# with the reason and exits. Inside the lab it does nothing.
lab_prepare() {
	local kernels=0 kernels_i386=0 kernels_trixie=0 linux= disk= suite=bookworm arches=x86_64,i386 i
	while [ $# -gt 0 ]; do
		case $1 in
		--kernels) kernels=$2; shift ;;
		--kernels-i386) kernels_i386=$2; shift ;;
		--kernels-trixie) kernels_trixie=$2; shift ;;
		--linux)
			linux=1
			case ${2:-} in x86_64* | i386*) arches=$2; shift ;; esac
			;;
		--disk) disk=1 ;;
		--disk-trixie) disk=1 suite=trixie ;;
		*) lab_die "lab_prepare: unknown argument $1" ;;
		esac
		shift
	done
	[ -n "${KBISECT_LAB_INSIDE:-}" ] && return 0
	for ((i = 0; i < kernels; i++)); do
		"$LAB_SRC/fetch-kernel" "$i" >/dev/null || { echo "not ok - lab: no Debian kernel #$i in the cache"; exit 1; }
	done
	for ((i = 0; i < kernels_trixie; i++)); do
		"$LAB_SRC/fetch-kernel" --suite trixie "$i" >/dev/null ||
			{ echo "not ok - lab: no Debian 13 kernel #$i in the cache"; exit 1; }
	done
	for ((i = 0; i < kernels_i386; i++)); do
		"$LAB_SRC/fetch-kernel" --arch i386 "$i" >/dev/null ||
			{ echo "not ok - lab: no Debian 686 kernel #$i in the cache"; exit 1; }
	done
	if [ -n "$linux" ]; then
		KBISECT_LAB_LINUX=$("$LAB_SRC/linux-lab" "$(lab_bin kbisect-builder)" "$arches") ||
			{ echo "not ok - lab: the shared kernel trees could not be made (see above)"; exit 1; }
		export KBISECT_LAB_LINUX
	fi
	if [ -n "$disk" ]; then
		KBISECT_LAB_DISK=$("$LAB_SRC/disk-image" --suite "$suite") ||
			{ echo "not ok - lab: the lab's base disk could not be made (see above)"; exit 1; }
		export KBISECT_LAB_DISK
	fi
}

# lab_enter [--base S] [--builds N] [--boots M] SCRIPT [ARGS...]: run SCRIPT inside
# new namespaces. Returns at once when already inside (the script runs on from
# there). Its limit is a backstop for a hang, not a wall for a slow machine: S
# seconds (default 300) plus N incremental kernel builds and M boots of a test
# machine, each priced from what this machine measured: a build at half the lab's
# clean build (at least 120 s), a boot at 90 s (QEMU's software emulation on a
# loaded machine). Past it the test says what it was doing (lab_step) and the
# last check it reported.
lab_enter() {
	local base=300 builds=0 boots=0 clean=240 per_build secs
	while [ $# -gt 0 ]; do
		case $1 in
		--base) base=$2 ;;
		--builds) builds=$2 ;;
		--boots) boots=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	[ -n "${KBISECT_LAB_INSIDE:-}" ] && return 0
	[ -n "${KBISECT_LAB_LINUX:-}" ] && [ -f "$KBISECT_LAB_LINUX/clean-x86_64" ] &&
		clean=$(cut -d. -f1 "$KBISECT_LAB_LINUX/clean-x86_64")
	per_build=$((clean / 2 > 120 ? clean / 2 : 120))
	secs=$((base + builds * per_build + boots * 90))
	: "${KBISECT_LAB_ID:=kbisect-lab-$$}"
	LAB_STEP_FILE=$(mktemp /tmp/kbisect-step.XXXXXX)
	export KBISECT_LAB_INSIDE=1 KBISECT_LAB_ID KBISECT_CACHE LAB_STEP_FILE
	echo "# limit for a hang: $secs s ($base s + $builds builds x $per_build s + $boots boots x 90 s)"
	timeout --kill-after=5 "$secs" \
		unshare --net --pid --mount --fork --kill-child --mount-proc bash "$@"
	local rc=$?
	[ $rc -eq 124 ] && echo "not ok - lab: $(basename "$1") ran past its limit of ${secs}s; $(cat "$LAB_STEP_FILE" "$LAB_STEP_FILE.check" 2>/dev/null | paste -sd';')"
	rm -f "$LAB_STEP_FILE" "$LAB_STEP_FILE.check"
	exit $rc
}

# lab_step TEXT: what the test is doing now; said if it runs past its limit.
lab_step() { [ -n "${LAB_STEP_FILE:-}" ] && printf 'now: %s\n' "$*" >"$LAB_STEP_FILE"; return 0; }

# lab_spoil FILE [OFFSET]: one byte of FILE (by default its middle one) changed in
# place, every bit of it flipped: writing a fixed byte is no change when the file
# already holds that byte there (a gzip'd initrd with an 'X' in its middle, once
# in 256 runs, passed its sha256 check and failed t-signed). Dies when the file is
# too short or the byte could not be written.
lab_spoil() {
	local f=$1 size off b
	size=$(stat -c %s "$f") || lab_die "lab_spoil: no $f"
	off=${2:-$((size / 2))}
	[ "$off" -lt "$size" ] || lab_die "lab_spoil: $f has no byte $off"
	lab_spoil_at() { od -An -tu1 -j "$off" -N1 "$f" | tr -d ' '; }
	b=$(( $(lab_spoil_at) ^ 255 ))
	printf "\\$(printf %03o "$b")" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none &&
		[ "$(lab_spoil_at)" = "$b" ] || lab_die "lab_spoil: $f: byte $off not changed"
}

# lab_init: first call inside the namespaces. Brings up lo, gives the servers
# private /run and /var/lib/nfs, and makes LAB_DIR (work) and LAB_OUT (kept output).
lab_init() {
	[ -n "${KBISECT_LAB_INSIDE:-}" ] || lab_die "lab_init outside lab_enter"
	ip link set lo up || lab_die "cannot bring up lo"
	mount -t tmpfs -o mode=755 lab-run /run || lab_die "cannot mount /run"
	mkdir -p /var/lib/nfs
	mount -t tmpfs -o mode=755 lab-nfs /var/lib/nfs || lab_die "cannot mount /var/lib/nfs"
	LAB_DIR=$(mktemp -d /tmp/kbisect-lab.XXXXXX) || lab_die "mktemp"
	chmod 755 "$LAB_DIR"
	: "${LAB_OUT:=${KBISECT_TEST_OUT:-$LAB_DIR/out}}"
	mkdir -p "$LAB_OUT"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

lab_cleanup() {
	local f
	for f in "$LAB_DIR"/*.qmp; do
		[ -S "$f" ] && lab_qmp_raw "$f" '{"execute":"quit"}' >/dev/null 2>&1
	done
	[ -f "$LAB_DIR/apache/httpd.conf" ] &&
		timeout 10 apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop >/dev/null 2>&1
	# Loop devices outlive the namespaces: detach those of this test's disks.
	losetup -n -l -O NAME,BACK-FILE 2>/dev/null | awk -v d="$LAB_DIR/" 'index($2, d) == 1 {print $1}' |
		while read -r f; do partx -d "$f" 2>/dev/null; losetup -d "$f"; done
	# Mounts in LAB_DIR (lab_own_trees' view of the shared trees) go first: rm -rf
	# would go into them. Whatever is left dies with the PID namespace when this
	# shell exits.
	lab_dir_mounts() { findmnt -rn -o TARGET | awk -v d="$LAB_DIR/" 'index($0, d) == 1'; }
	lab_dir_mounts | sort -r | while read -r f; do umount "$f" || umount -l "$f"; done
	if [ -n "$(lab_dir_mounts)" ]; then
		lab_log "$LAB_DIR still has mounts: left in place"
		return
	fi
	cd / && rm -rf "$LAB_DIR"
}

# lab_own_trees ARCH...: in the test's mount namespace (after lab_init), a copy of
# the lab's shared kernel trees of each ARCH (KBISECT_LAB_LINUX: the work tree,
# the O= tree, the config, and the work tree's git metadata in linux.git) over the
# shared ones, at the same paths: Kbuild's files name absolute paths, so the
# copy builds incrementally as the shared trees do, and the test's builds see
# only its own changes while other tests build in the shared trees beside it
# (theirs do not see its). Each arch is copied holding its build lock (the
# builder's), so no build is half-way in it; the copies (~1.6 GB and ~20 s an
# arch on an idle 2-core machine) live in LAB_DIR/own-trees/ARCH and go with it.
lab_own_trees() {
	local a t meta own
	[ -n "${LAB_DIR:-}" ] && [ -n "${KBISECT_LAB_LINUX:-}" ] || lab_die "lab_own_trees before lab_init, or without lab_prepare --linux"
	for a in "$@"; do
		t=$KBISECT_LAB_LINUX/trees/$a own=$LAB_DIR/own-trees/$a
		meta=$(sed -n 's/^gitdir: //p' "$t/src/.git" 2>/dev/null)
		[ -d "$t/out" ] && [ -d "$meta" ] || lab_die "lab_own_trees: no $a tree in $KBISECT_LAB_LINUX (its work tree's git metadata: '${meta}')"
		mkdir -p "$own"
		lab_step "copying the shared $a kernel trees (waiting for its build lock)"
		flock -w 1800 "$t/.lock" sh -c 'cp -a "$1/." "$2/tree" && cp -a "$3/." "$2/git"' _ "$t" "$own" "$meta" ||
			lab_die "lab_own_trees: the $a trees could not be copied (or their build lock was held for 30 min)"
		# The shared work tree's git metadata stays in sight, read-only (nothing
		# done in LAB_DIR may reach the shared trees through it), in OWN/shared-git,
		# and its HEAD when copied in OWN/shared-head: for a test to check that its
		# builds did not reach the shared trees.
		cp "$own/git/HEAD" "$own/shared-head" &&
			mkdir -p "$own/shared-git" && mount --bind "$meta" "$own/shared-git" &&
			mount -o remount,bind,ro "$own/shared-git" &&
			mount --bind "$own/tree" "$t" && mount --bind "$own/git" "$meta" ||
			lab_die "lab_own_trees: the copies of the $a trees could not be mounted"
	done
}

# lab_wait_port PORT SECONDS: until something accepts TCP on 127.0.0.1:PORT.
lab_wait_port() {
	local port=$1 deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.2
	done
	lab_log "nothing listens on port $port after $2 s"
	return 1
}

# lab_wait_port_closed PORT SECONDS: until nothing accepts TCP on 127.0.0.1:PORT.
lab_wait_port_closed() {
	local port=$1 deadline=$((SECONDS + $2))
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { lab_log "port $port still open after $2 s"; return 1; }
		sleep 0.2
	done
}

# lab_apache_start_with SNIPPET...: Apache on 127.0.0.1:LAB_HTTP_PORT with a private
# base config that Includes each SNIPPET (the way conf-available/ files are).
lab_apache_start_with() {
	local d=$LAB_DIR/apache m=/usr/lib/apache2/modules mod f
	mkdir -p "$d"
	chmod 755 "$d"
	{
		cat <<-EOF
		ServerName localhost
		Listen 127.0.0.1:$LAB_HTTP_PORT
		PidFile $d/httpd.pid
		DefaultRuntimeDir $d
		ScriptSock $d/cgid.sock
		ErrorLog $d/error.log
		LogLevel warn
		LogFormat "%h %u \"%r\" %>s %b %D" lab
		CustomLog $d/access.log lab
		User www-data
		Group www-data
		EOF
		for mod in mpm_event authz_core authz_host authz_user authn_core authn_file auth_basic \
			cgid alias env; do
			echo "LoadModule ${mod}_module $m/mod_$mod.so"
		done
		cat <<-EOF
		<Directory />
		    Require all denied
		    AllowOverride None
		</Directory>
		EOF
		for f in "$@"; do echo "Include $f"; done
	} >"$d/httpd.conf"
	apache2 -f "$d/httpd.conf" -k start >"$d/start.log" 2>&1 ||
		{ cat "$d/start.log" >&2; lab_die "apache2 did not start"; }
	lab_wait_port "$LAB_HTTP_PORT" 15 || { cat "$d/error.log" >&2; return 1; }
	LAB_URL=http://127.0.0.1:$LAB_HTTP_PORT/kbisect
	LAB_GUEST_URL=http://10.0.2.2:$LAB_HTTP_PORT/kbisect
}

# lab_apache_start CGI_DIR IMAGES_DIR: CGI_DIR as ScriptAlias /kbisect/ and
# IMAGES_DIR as /kbisect/images/.
lab_apache_start() {
	cat >"$LAB_DIR/plain.conf" <<-EOF
	Alias /kbisect/images/ $2/
	<Directory $2>
	    Require all granted
	</Directory>
	ScriptAlias /kbisect/ $1/
	<Directory $1>
	    Require all granted
	</Directory>
	EOF
	lab_apache_start_with "$LAB_DIR/plain.conf"
}

# lab_kbisect_install: installs the built CGI programs as an admin would
# (make install-cgi) under LAB_DIR, with LAB_IMAGES as the store and LAB_STATE
# (the web server's user's, setgid to its group, which a builder keeping the same
# state (the demo's, as root) shares, as the kbisect group of the Debian packages:
# its requests/ directory is then the web server's to write) as the state. Sets LAB_SNIPPET (kbisect.conf)
# and LAB_INI. Start Apache with: lab_apache_start_with "$LAB_SNIPPET".
lab_kbisect_install() {
	LAB_IMAGES=$LAB_DIR/images
	LAB_STATE=$LAB_DIR/state
	LAB_SNIPPET=$LAB_DIR/etc/apache2/conf-available/kbisect.conf
	LAB_INI=$LAB_DIR/etc/kbisect/kbisect.ini
	mkdir -p "$LAB_IMAGES" "$LAB_STATE"
	chown www-data:www-data "$LAB_STATE"
	chmod 2775 "$LAB_STATE"
	make -s -C "$LAB_TOP" install-cgi PREFIX="$LAB_DIR/prefix" SYSCONFDIR="$LAB_DIR/etc" \
		IMAGES="$LAB_IMAGES" STATE="$LAB_STATE" >"$LAB_DIR/install.log" 2>&1 ||
		{ cat "$LAB_DIR/install.log" >&2; lab_die "make install-cgi failed"; }
}

# lab_store_image NAME [BRANCH] [COMMIT]: an image in LAB_IMAGES with the contract's
# files, published by `kbisect-builder publish` (the store's own writer). Its
# bzImage is a stand-in unless IMAGE_KERNEL names a real one; IMAGE_INITRD,
# IMAGE_MODULES and IMAGE_CMDLINE add an initrd, a modules.cpio.gz and a command
# line; IMAGE_SIGNING_KEY signs it. NAME must be <release>-<branch>_<sha12>_<date>_<arch> with a release
# without '-'; COMMIT defaults to the sha12 and zeros.
lab_store_image() {
	local name=$1 branch=${2:-main} commit=${3:-} kernel=${IMAGE_KERNEL:-} got args
	[[ $name =~ ^([^-]+)-.*_([0-9a-f]{12})_([0-9]{8})_([a-z0-9_]+)$ ]] || lab_die "not an image name: $name"
	[ -n "$commit" ] || commit=${BASH_REMATCH[2]}$(printf '%028d' 0)
	if [ -z "$kernel" ]; then
		kernel=$LAB_DIR/stand-in-$name
		echo "stand-in kernel $name" >"$kernel"
	fi
	args=(--images "$LAB_IMAGES" --release "${BASH_REMATCH[1]}" --arch "${BASH_REMATCH[4]}" --branch "$branch"
		--commit "$commit" --date "${BASH_REMATCH[3]}" --kernel "$kernel")
	[ -n "${IMAGE_INITRD:-}" ] && args+=(--initrd "$IMAGE_INITRD")
	[ -n "${IMAGE_MODULES:-}" ] && args+=(--modules "$IMAGE_MODULES")
	[ -n "${IMAGE_CMDLINE:-}" ] && args+=(--cmdline "$IMAGE_CMDLINE")
	[ -n "${IMAGE_SIGNING_KEY:-}" ] && args+=(--signing-key "$IMAGE_SIGNING_KEY")
	# IMAGE_KERNEL_SIGNING="KEY CERT": the kernel signed for Secure Boot (sbsign).
	[ -n "${IMAGE_KERNEL_SIGNING:-}" ] &&
		args+=(--kernel-signing-key "${IMAGE_KERNEL_SIGNING% *}" --kernel-signing-cert "${IMAGE_KERNEL_SIGNING#* }")
	got=$("$(lab_bin kbisect-builder)" publish "${args[@]}") || lab_die "cannot publish $name"
	[ "$got" = "$name" ] || lab_die "lab_store_image: published $got, not $name"
}

# lab_register MACHINE: makes MACHINE known to the server (a boot report from an
# unknown machine is refused: design.md, "Per-machine state"), as an admin adding
# a machine sets its default; then clears that default again, so that the machine
# boots what it did before (its once, else the newest image). A machine that has
# a default is left as it is.
lab_register() {
	curl -sf "$LAB_URL/default?machine=$1" >/dev/null && return 0
	local newest
	newest=$(curl -sf "$LAB_URL/list?machine=$1" | head -n 1)
	[ -n "$newest" ] || lab_die "lab_register $1: the store has no image to make its default"
	curl -sf -X PUT --data-binary "$newest" "$LAB_URL/default?machine=$1" >/dev/null &&
		curl -sf -X DELETE "$LAB_URL/default?machine=$1" >/dev/null || lab_die "lab_register $1: the server refused"
}

# lab_nfs_start EXPORT_DIR: rpcbind + nfs-ganesha exporting EXPORT_DIR read-only over
# NFSv3 and NFSv4 as /export (pseudo path, also mountable by that path over v3).
lab_nfs_start() {
	local export=$1 d=$LAB_DIR/nfs
	mkdir -p "$d" /run/rpcbind /var/lib/nfs/ganesha
	rpcbind -f >"$d/rpcbind.log" 2>&1 &
	local deadline=$((SECONDS + 10))
	until rpcinfo -p 127.0.0.1 >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || lab_die "rpcbind did not start"
		sleep 0.2
	done
	cat >"$d/ganesha.conf" <<-EOF
	NFS_CORE_PARAM {
	    Protocols = 3, 4;
	    NFS_Port = $LAB_NFS_PORT;
	    MNT_Port = $LAB_MNT_PORT;
	    Enable_NLM = false;
	    Enable_RQUOTA = false;
	    Mount_Path_Pseudo = true;
	}
	NFSV4 { Graceless = true; }
	EXPORT {
	    Export_Id = 1;
	    Path = $export;
	    Pseudo = /export;
	    Access_Type = RO;
	    Squash = No_Root_Squash;
	    Protocols = 3, 4;
	    Transports = TCP;
	    SecType = sys;
	    FSAL { Name = VFS; }
	}
	LOG { Default_Log_Level = EVENT; }
	EOF
	ganesha.nfsd -F -f "$d/ganesha.conf" -L "$d/ganesha.log" -p "$d/ganesha.pid" &
	deadline=$((SECONDS + 20))
	until rpcinfo -p 127.0.0.1 2>/dev/null | grep -q '100003 *4 *tcp'; do
		[ $SECONDS -lt $deadline ] || { tail -20 "$d/ganesha.log" >&2; lab_die "ganesha did not register"; }
		sleep 0.3
	done
	LAB_NFS_V3_OPTS="vers=3,nolock,proto=tcp,port=$LAB_NFS_PORT,mountport=$LAB_MNT_PORT,mountproto=tcp"
	LAB_NFS_V4_OPTS="vers=4,port=$LAB_NFS_PORT"
}

# lab_dns_start NAME=ADDRESS...: dnsmasq on the namespace's 127.0.0.1:53 answering
# these names, and /etc/resolv.conf (in this mount namespace only) pointing at it,
# so QEMU's user network forwards the guests' DNS queries (to 10.0.2.3) there.
lab_dns_start() {
	local d=$LAB_DIR/dns a args=()
	mkdir -p "$d"
	for a in "$@"; do args+=("--address=/${a%%=*}/${a#*=}"); done
	echo "nameserver 127.0.0.1" >"$d/resolv.conf"
	mount --bind "$d/resolv.conf" /etc/resolv.conf || lab_die "cannot bind-mount resolv.conf"
	dnsmasq --no-daemon --user=root --port=53 --listen-address=127.0.0.1 --bind-interfaces \
		--no-resolv --no-hosts --log-queries --log-facility="$d/dnsmasq.log" "${args[@]}" 2>"$d/stderr" &
	local deadline=$((SECONDS + 10))
	until grep -q 'started' "$d/dnsmasq.log" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { cat "$d/stderr" >&2; lab_die "dnsmasq did not start"; }
		sleep 0.1
	done
}

# lab_tls_ca DIR NAME: a CA (DIR/ca.pem) and a server certificate for host NAME
# signed by it (DIR/server.pem, DIR/server.key), made with openssl.
lab_tls_ca() {
	local d=$1 name=$2
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		-subj "/CN=kbisect lab CA $RANDOM" >/dev/null 2>&1 || lab_die "openssl: CA"
	openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=$name" >/dev/null 2>&1 || lab_die "openssl: CSR"
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' "$name" >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 30 -extfile "$d/ext" -out "$d/server.pem" >/dev/null 2>&1 || lab_die "openssl: sign"
}

# lab_apache_tls_conf DIR PORT [DIRECTIVE...]: an Apache snippet serving everything
# over TLS on 127.0.0.1:PORT with DIR/server.pem and the mod_ssl DIRECTIVEs (e.g.
# "SSLCipherSuite AES128-SHA256"); pass it to lab_apache_start_with.
lab_apache_tls_conf() {
	local dir=$1 port=$2 d
	shift 2
	{
		cat <<-EOF
		<IfModule !ssl_module>
		LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
		</IfModule>
		Listen 127.0.0.1:$port
		<VirtualHost 127.0.0.1:$port>
		    SSLEngine on
		    SSLCertificateFile $dir/server.pem
		    SSLCertificateKeyFile $dir/server.key
		EOF
		for d in "$@"; do printf '    %s\n' "$d"; done
		echo "</VirtualHost>"
	} >"$dir/apache-tls-$port.conf"
	echo "$dir/apache-tls-$port.conf"
}

. "$LAB_SRC/machines.sh"
. "$LAB_SRC/disk.sh"
. "$LAB_SRC/bmc.sh"

# verifies PUB FILE: FILE.sig is PUB's signature of FILE, as an admin checks one
# (doc/design.md "Signed images").
verifies() { openssl dgst -sha256 -verify "$1" -signature "$2.sig" "$2" >/dev/null; }
