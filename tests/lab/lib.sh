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

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { lab_log "$*"; exit 1; }

# lab_enter SECONDS SCRIPT [ARGS...]: run SCRIPT inside new namespaces for at most
# SECONDS. Returns at once when already inside (the script runs on from there).
lab_enter() {
	local secs=$1
	shift
	[ -n "${KBISECT_LAB_INSIDE:-}" ] && return 0
	: "${KBISECT_LAB_ID:=kbisect-lab-$$}"
	export KBISECT_LAB_INSIDE=1 KBISECT_LAB_ID KBISECT_CACHE
	timeout --kill-after=5 "$secs" \
		unshare --net --pid --mount --fork --kill-child --mount-proc bash "$@"
	local rc=$?
	[ $rc -eq 124 ] && echo "not ok - lab: timed out after ${secs}s"
	exit $rc
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
	# Whatever is left dies with the PID namespace when this shell exits.
	cd / && rm -rf "$LAB_DIR"
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

# lab_apache_start CGI_DIR IMAGES_DIR [EXTRA_CONF_FILE]: Apache on 127.0.0.1:LAB_HTTP_PORT
# with CGI_DIR as ScriptAlias /kbisect/ and IMAGES_DIR as /kbisect/images/.
lab_apache_start() {
	local cgi=$1 images=$2 extra=${3:-} d=$LAB_DIR/apache m=/usr/lib/apache2/modules
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
		LoadModule mpm_event_module $m/mod_mpm_event.so
		LoadModule authz_core_module $m/mod_authz_core.so
		LoadModule authz_host_module $m/mod_authz_host.so
		LoadModule cgid_module $m/mod_cgid.so
		LoadModule alias_module $m/mod_alias.so
		LoadModule env_module $m/mod_env.so
		<Directory />
		    Require all denied
		    AllowOverride None
		</Directory>
		Alias /kbisect/images/ $images/
		<Directory $images>
		    Require all granted
		</Directory>
		ScriptAlias /kbisect/ $cgi/
		<Directory $cgi>
		    Require all granted
		</Directory>
		EOF
		[ -n "$extra" ] && cat "$extra"
	} >"$d/httpd.conf"
	apache2 -f "$d/httpd.conf" -k start >"$d/start.log" 2>&1 ||
		{ cat "$d/start.log" >&2; lab_die "apache2 did not start"; }
	lab_wait_port "$LAB_HTTP_PORT" 15 || { cat "$d/error.log" >&2; return 1; }
	LAB_URL=http://127.0.0.1:$LAB_HTTP_PORT/kbisect
	LAB_GUEST_URL=http://10.0.2.2:$LAB_HTTP_PORT/kbisect
}

lab_apache_error_log() { cat "$LAB_DIR/apache/error.log"; }

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

# lab_stage1: the cached Debian kernel (see fetch-kernel). Sets LAB_KVER, LAB_KROOT
# and LAB_VMLINUZ. The cache is filled outside the namespace, which has no route out.
lab_stage1() {
	local line
	line=$("$LAB_SRC/fetch-kernel" --offline "${1:-}") || lab_die "no cached stage-1 kernel"
	LAB_KVER=${line%% *}
	LAB_KROOT=${line#* }
	LAB_VMLINUZ=$LAB_KROOT/boot/vmlinuz-$LAB_KVER
}

# lab_qemu_start NAME KERNEL INITRD APPEND [QEMU ARGS...]: a test machine with
# user-mode networking (the namespace's loopback is 10.0.2.2 to the guest), serial
# console to LAB_OUT/NAME.console and QMP for power control.
lab_qemu_start() {
	local name=$1 kernel=$2 initrd=$3 append=$4
	shift 4
	: >"$LAB_OUT/$name.console"
	qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults -display none \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
		-serial "file:$LAB_OUT/$name.console" \
		-qmp "unix:$LAB_DIR/$name.qmp,server=on,wait=off" \
		"$@" >"$LAB_DIR/$name.qemu.log" 2>&1 &
	echo $! >"$LAB_DIR/$name.pid"
	local deadline=$((SECONDS + 10))
	until [ -S "$LAB_DIR/$name.qmp" ]; do
		kill -0 "$(cat "$LAB_DIR/$name.pid")" 2>/dev/null ||
			{ cat "$LAB_DIR/$name.qemu.log" >&2; lab_die "qemu $name exited"; }
		[ $SECONDS -lt $deadline ] || lab_die "qemu $name: no QMP socket"
		sleep 0.1
	done
}

lab_qmp_raw() {
	printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" |
		timeout 5 socat -t 2 - "UNIX-CONNECT:$1"
}

# lab_qmp NAME JSON: one QMP command; fails when QEMU answers with an error.
lab_qmp() {
	local out
	out=$(lab_qmp_raw "$LAB_DIR/$1.qmp" "$2") || { lab_log "qmp $1: no answer"; return 1; }
	case $out in *'"error"'*) lab_log "qmp $1: $out"; return 1 ;; esac
	return 0
}

# power_cycle NAME: the machine's reset line (QEMU restarts with the same -kernel/-initrd).
power_cycle() { lab_qmp "$1" '{"execute":"system_reset"}'; }

lab_qemu_stop() {
	lab_qmp "$1" '{"execute":"quit"}' >/dev/null 2>&1
	local pid
	pid=$(cat "$LAB_DIR/$1.pid" 2>/dev/null) || return 0
	timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null
	return 0
}

# wait_for NAME REGEX SECONDS [COUNT]: until REGEX (grep -E) has matched COUNT lines
# (default 1) of NAME's console. On timeout prints the console's tail and fails.
wait_for() {
	local name=$1 re=$2 count=${4:-1} deadline=$((SECONDS + $3)) n
	local console=$LAB_OUT/$name.console
	while :; do
		n=$(grep -acE -- "$re" "$console" 2>/dev/null)
		[ "${n:-0}" -ge "$count" ] && return 0
		[ $SECONDS -lt $deadline ] || break
		sleep 0.2
	done
	lab_log "$name: '$re' seen ${n:-0} of $count times in $3 s; console tail:"
	tail -n 15 "$console" | sed 's/^/    /' >&2
	return 1
}
