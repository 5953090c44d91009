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

# lab_ipmi_sim_start NAME PORT KERNEL INITRD APPEND: machine NAME behind a BMC,
# OpenIPMI's ipmi_sim, on 127.0.0.1:PORT (IPMI LAN+; user kbisect, its password in
# LAB_DIR/NAME.ipmi.pass, mode 600). The BMC starts the machine's QEMU on power
# on (its startcmd) and talks to it over QEMU's ipmi-bmc-extern device (PORT+1,
# the VM codec: power off is the guest's ACPI-less power-off, QEMU exits); its
# Serial-over-LAN is the machine's serial port, through a pty pair socat holds
# (so that SOL outlives each QEMU). The console is also logged to
# LAB_OUT/NAME.console (wait_for); QMP at LAB_DIR/NAME.qmp while it runs. The
# machine starts off: `ipmitool ... chassis power on`, or a run, starts it.
# ipmitool needs -C 3 (kbisect: ipmi://...?cipher=3): ipmi_sim does not list its
# cipher suites.
lab_ipmi_sim_start() {
	local name=$1 port=$2 kernel=$3 initrd=$4 append="$5 $LAB_EMULATION_ARGS" d=$LAB_DIR/$1.bmc pass
	mkdir -p "$d/state"
	# ipmi_sim locks its SOL device UUCP-style in /run/lock (the test's /run is its
	# own tmpfs): without it no SOL session opens the device, and nothing drains it.
	mkdir -p /run/lock
	pass=ipmi$RANDOM$RANDOM
	printf '%s\n' "$pass" >"$LAB_DIR/$name.ipmi.pass"
	chmod 600 "$LAB_DIR/$name.ipmi.pass"
	socat "PTY,link=$d/sol,rawer" "PTY,link=$d/vm,rawer" 2>>"$LAB_OUT/$name.bmc.log" &
	echo $! >"$d/socat.pid"
	local deadline=$((SECONDS + 10))
	until [ -e "$d/sol" ] && [ -e "$d/vm" ]; do
		[ $SECONDS -lt $deadline ] || lab_die "socat: no pty pair for $name's SOL"
		sleep 0.1
	done
	: >"$LAB_OUT/$name.console"
	cat >"$d/start" <<-EOF2
	#!/bin/bash
	# What the BMC runs on power on: the machine.
	exec "${LAB_QEMU:-qemu-system-x86_64}" -accel tcg -m 1024 -smp 1 -nodefaults -display none \\
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \\
		-chardev serial,id=con,path=$d/vm,logfile=$LAB_OUT/$name.console,logappend=on -serial chardev:con \\
		-chardev socket,id=ipmi0,host=127.0.0.1,port=$((port + 1)),reconnect=1 \\
		-device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0 \\
		-qmp unix:$LAB_DIR/$name.qmp,server=on,wait=off \\
		-kernel "$kernel" ${initrd:+-initrd "$initrd"} -append '$append' >>"$LAB_DIR/$name.qemu.log" 2>&1
	EOF2
	chmod +x "$d/start"
	cat >"$d/sim.emu" <<-EOF2
	mc_setbmc 0x20
	mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
	sel_enable 0x20 1000 0x0a
	mc_enable 0x20
	EOF2
	cat >"$d/lan.conf" <<-EOF2
	name "$name-bmc"
	set_working_mc 0x20
	  startlan 1
	    addr 127.0.0.1 $port
	    priv_limit admin
	    allowed_auths_callback none md2 md5 straight
	    allowed_auths_user none md2 md5 straight
	    allowed_auths_operator none md2 md5 straight
	    allowed_auths_admin none md2 md5 straight
	    guid a123456789abcdefa123456789abcdef
	  endlan
	  serial 15 127.0.0.1 $((port + 1)) codec VM
	  sol "$d/sol" 115200 history=65536 nortscts
	  startcmd "$d/start"
	  startnow false
	  poweroff_wait 5
	  kill_wait 2
	  user 2 true "kbisect" "$pass" admin 10 none md2 md5 straight
	EOF2
	chmod 600 "$d/lan.conf"
	echo "$port" >"$d/port"
	ipmi_sim -c "$d/lan.conf" -f "$d/sim.emu" -n -s "$d/state" >>"$LAB_OUT/$name.bmc.log" 2>&1 &
	echo $! >"$d/sim.pid"
	deadline=$((SECONDS + 20))
	until lab_ipmitool "$name" chassis power status >/dev/null 2>&1; do
		kill -0 "$(cat "$d/sim.pid")" 2>/dev/null || { cat "$LAB_OUT/$name.bmc.log" >&2; lab_die "ipmi_sim for $name exited"; }
		[ $SECONDS -lt $deadline ] || lab_die "ipmi_sim for $name: no answer in 20 s"
		sleep 0.2
	done
}

# lab_ipmitool NAME ARGS...: ipmitool against NAME's simulated BMC, as an admin runs it.
lab_ipmitool() {
	local name=$1
	shift
	ipmitool -I lanplus -C 3 -N 1 -R 2 -H 127.0.0.1 -p "$(cat "$LAB_DIR/$name.bmc/port" 2>/dev/null || echo 0)" \
		-U kbisect -f "$LAB_DIR/$name.ipmi.pass" "$@"
}

# lab_ipmi_sim_stop NAME: the BMC, its machine and the SOL's pty pair.
lab_ipmi_sim_stop() {
	local d=$LAB_DIR/$1.bmc sim
	sim=$(cat "$d/sim.pid" 2>/dev/null) || return 0
	# ipmi_sim leaves the machine it started running when it exits.
	lab_qemu_stop "$1"
	kill "$sim" "$(cat "$d/socat.pid")" 2>/dev/null
	timeout 5 tail --pid="$sim" -f /dev/null 2>/dev/null || kill -9 "$sim" 2>/dev/null
	return 0
}
