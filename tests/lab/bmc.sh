# The lab's own tools around its test machines (sourced by tests/lab/lib.sh): the
# ways a real lab powers machines and reads their consoles, each started in the
# test's namespace against a QEMU machine of machines.sh:
#   lab_redfish_start  a Redfish BMC (tests/lab/redfish-bmc, on the machine's QMP)
#   lab_pdudaemon_start  pdudaemon (Debian's) with a local-command PDU whose
#                      outlets act on the machines through QMP
#   lab_ser2net_start  ser2net (Debian's) serving machines' serial ports on TCP
#   lab_ipmi_sim_start  OpenIPMI's ipmi_sim as a machine's BMC (IPMI LAN+ and SOL)
# Every wait here is bounded in time.

# lab_redfish_start NAME PORT [redfish-bmc ARGS...]: a Redfish BMC for machine NAME
# on 127.0.0.1:PORT, user kbisect with the password in LAB_DIR/NAME.redfish.pass
# (mode 600), acting on NAME's QMP socket. Its log: LAB_OUT/NAME.redfish.log.
lab_redfish_start() {
	local name=$1 port=$2
	shift 2
	printf 'redfish-%s\n' "$RANDOM$RANDOM" >"$LAB_DIR/$name.redfish.pass"
	chmod 600 "$LAB_DIR/$name.redfish.pass"
	"$LAB_SRC/redfish-bmc" --port "$port" --user kbisect --password-file "$LAB_DIR/$name.redfish.pass" \
		--qmp "$LAB_DIR/$name.qmp" --log "$LAB_OUT/$name.redfish.log" "$@" \
		>"$LAB_DIR/$name.redfish.out" 2>>"$LAB_OUT/$name.redfish.log" &
	echo $! >"$LAB_DIR/$name.redfish.pid"
	local deadline=$((SECONDS + 20))
	until grep -q '^ready$' "$LAB_DIR/$name.redfish.out" 2>/dev/null; do
		kill -0 "$(cat "$LAB_DIR/$name.redfish.pid")" 2>/dev/null || { cat "$LAB_OUT/$name.redfish.log" >&2; lab_die "redfish-bmc $name exited"; }
		[ $SECONDS -lt $deadline ] || lab_die "redfish-bmc $name: not ready in 20 s"
		sleep 0.1
	done
}

# lab_pdudaemon_start PORT NAME...: pdudaemon's HTTP listener on 127.0.0.1:PORT
# with one PDU, "lab", whose outlet N (1, 2, ...) is the N-th NAME: its local
# command driver switches it through `kbisect power qmp:` (off stops the machine,
# on resets a stopped one and runs it; pdudaemon's reboot is off, 5 s, on). Its
# requests go to LAB_OUT/pdudaemon.log. LAB_PDU_FAIL=1 makes every outlet's
# command fail (exit 1), which pdudaemon does not see.
lab_pdudaemon_start() {
	local port=$1 n=0 m
	shift
	for m in "$@"; do
		n=$((n + 1))
		ln -sf "$LAB_DIR/$m.qmp" "$LAB_DIR/outlet$n.qmp"
	done
	cat >"$LAB_DIR/pdu-outlet" <<-EOF2
	#!/bin/bash
	# pdu-outlet on|off N: what pdudaemon's local command driver runs for outlet N.
	echo "\$(date +%T) outlet \$2 \$1" >>"$LAB_OUT/pdu-outlets.log"
	[ -z "\${LAB_PDU_FAIL:-}" ] || exit 1
	exec "$(lab_bin kbisect)" power "qmp:$LAB_DIR/outlet\$2.qmp" "\$1"
	EOF2
	chmod +x "$LAB_DIR/pdu-outlet"
	# pdudaemon formats the commands with Python's %: one %s, the outlet.
	cat >"$LAB_DIR/pdudaemon.conf" <<-EOF2
	{"daemon": {"hostname": "127.0.0.1", "port": $port, "listener": "http", "logging_level": "INFO"},
	 "pdus": {"lab": {"driver": "localcmdline", "retries": 1,
	                  "cmd_on": "$LAB_DIR/pdu-outlet on %s", "cmd_off": "$LAB_DIR/pdu-outlet off %s"}}}
	EOF2
	# Debian's pdudaemon runs on Debian's python3 (not one earlier on PATH).
	/usr/sbin/pdudaemon --conf "$LAB_DIR/pdudaemon.conf" --logfile "$LAB_OUT/pdudaemon.log" \
		>>"$LAB_OUT/pdudaemon.log" 2>&1 &
	echo $! >"$LAB_DIR/pdudaemon.pid"
	local deadline=$((SECONDS + 30))
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ]; do
		kill -0 "$(cat "$LAB_DIR/pdudaemon.pid")" 2>/dev/null || { cat "$LAB_OUT/pdudaemon.log" >&2; lab_die "pdudaemon exited"; }
		[ $SECONDS -lt $deadline ] || lab_die "pdudaemon: not listening in 30 s"
		sleep 0.2
	done
}

# lab_ser2net_start PORT NAME...: ser2net serving the serial port of machine NAME
# (QEMU's socket LAB_DIR/NAME.serial) on 127.0.0.1:PORT, the next NAME on PORT+1,
# raw TCP, one client a port. Its log: LAB_OUT/ser2net.log.
lab_ser2net_start() {
	local port=$1 m
	shift
	# ser2net resolves its addresses with AI_ADDRCONFIG, which counts no loopback
	# address: the namespace needs another address for 127.0.0.1 to resolve.
	ip addr add 127.0.0.2/8 dev lo 2>/dev/null
	: >"$LAB_DIR/ser2net.yaml"
	for m in "$@"; do
		cat >>"$LAB_DIR/ser2net.yaml" <<-EOF2
		connection: &$m
		  accepter: tcp,127.0.0.1,$port
		  enable: on
		  connector: unix,$LAB_DIR/$m.serial
		  options:
		    max-connections: 1
		EOF2
		port=$((port + 1))
	done
	ser2net -d -u -c "$LAB_DIR/ser2net.yaml" -P "$LAB_DIR/ser2net.pid" >>"$LAB_OUT/ser2net.log" 2>&1 &
	lab_wait_port "$((port - 1))" 20 || { cat "$LAB_OUT/ser2net.log" >&2; lab_die "ser2net is not listening"; }
}
