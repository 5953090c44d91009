#!/bin/sh
# udhcpc's event script for the reference stage-1.
case $1 in
bound | renew)
	ifconfig "$interface" "$ip" netmask "$subnet"
	[ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
	;;
esac
exit 0
