# Network steps of tests/system/linux.sh (sourced by it; docs/net.md).
# VM 1 and VM 2 share the network "lan" (10.0.0.1 and 10.0.0.2, set by
# tests/linux/init from keel.ip=); in tests/linux/net.json VM 3
# (10.0.0.3) is alone on the network "other".

# A console switch to VM n and its prompt.
net_to() {
	send "\\x1d$1"
	PROMPT="vm$1:/# "
	expect "vm$1 has the console" 30 && send '\r'
}

# ping: vm1 reaches vm2 (whose boot may still be under way: up to 120
# tries of one second), then three echo requests in a row come back.
# (then: Linux negotiated mergeable receive buffers, feature bit 15 of
# the virtio device's features string, so every frame it receives in
# this test went through rxmerge.c)
t_ping() {
	run_cmd 'for i in $(seq 120); do ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && break; done; echo pinged-$(ping -c 3 -W 5 10.0.0.2 | grep -c "3 packets transmitted, 3 packets received")-$((40+2))' \
		'pinged-1-42' 300 &&
		run_cmd 'echo mrg-$(cut -c16 /sys/class/net/eth0/device/features)-$((40+2))' 'mrg-1-42'
}

# Restarts of vm1's NIC server and of the switch in the log from byte
# $1 on: "<NIC server's> <switch's>".
net_restarts() {
	local part
	part=$(tail -c +$(($1 + 1)) "$log")
	echo "$(grep -ac 'server vm1-vnet restarted' <<<"$part") $(grep -ac 'server lan-switch restarted' <<<"$part")"
}

# tcp: NET_TCP_MIB MiB of random data from vm1 to vm2 over TCP (busybox
# nc); the checksum vm1 computed of what it sent must be the one vm2
# computed of what it received. make test's net-system and make soak's
# net-soak send 64 MiB (net.mk: NET_TCP_MIB, NET_SOAK_MIB), as issue 13
# asks; 64 if NET_TCP_MIB is unset. The restarts while it was
# under way (from the command to its answer) are TCP_CRASHES, which
# netcrashes judges.
TCP_CRASHES=
t_tcp() {
	local mib=${NET_TCP_MIB:-64} sent from
	net_to 2 || return 1
	# the receiver's stdin is the connection (nc -e): a half-close from
	# vm2 would make vm1's nc stop sending
	run_cmd 'rm -f /tmp/rx; printf "#!/bin/sh\nmd5sum > /tmp/rx.part; mv /tmp/rx.part /tmp/rx\n" > /tmp/recv; chmod +x /tmp/recv; nc -l -p 5000 -e /tmp/recv >/dev/null 2>&1 & sleep 1; echo listening-$((40+2))' 'listening-42' || return 1
	net_to 1 || return 1
	from=$(stat -c %s "$log")
	run_cmd "rm -f /tmp/p; mkfifo /tmp/p; md5sum < /tmp/p > /tmp/tx & dd if=/dev/urandom bs=64k count=$((mib * 16)) 2>/dev/null | tee /tmp/p | nc 10.0.0.2 5000; wait; echo sent=\$(cut -c1-32 /tmp/tx)" \
		'sent=[0-9a-f]{32}' "${NET_TCP_LIMIT:-1800}" || return 1
	sent=${last#sent=}
	TCP_CRASHES=$(net_restarts "$from")
	echo "[linux] tcp: vm1 sent $mib MiB, md5 $sent"
	net_to 2 || return 1
	run_cmd 'for i in $(seq 60); do [ -f /tmp/rx ] && break; sleep 1; done; echo got=$(cut -c1-32 /tmp/rx)' "got=$sent" 90 &&
		net_to 1
}

# spoof: vm1 takes another MAC; its frames are dropped by the switch,
# which says so (and counts them), so pings fail; with its own MAC back
# they come through again.
t_spoof() {
	run_cmd 'm=$(cat /sys/class/net/eth0/address); ip link set eth0 address 02:00:00:00:00:99; ping -c 3 -W 1 10.0.0.2 >/dev/null 2>&1 && echo spoof-through; ip link set eth0 address $m; ping -c 1 -W 5 10.0.0.2 >/dev/null && echo spoof-done-$((40+2))' \
		'spoof-done-42' 120 || return 1
	# root's lines about crashes can land inside any line: cut them. The
	# output is spoof-through alone on its line; the typed command's echo,
	# broken by such lines, can start a line with it too (a run failed so)
	local text
	text=$(tr -d '\r' <"$log" | perl -0pe 's/\[root\] server [^\n]*\n//g')
	! grep -aq '^spoof-through$' <<<"$text" &&
		grep -aqE 'lan-switch\] port [0-9]: frame from 02:00:00:00:00:99 is not from the port.s MAC: dropped' <<<"$text"
}

# isolated: vm3, alone on "other", has received no frame at all, though
# vm1 and vm2 broadcast (ARP) and sent thousands of frames on "lan".
t_isolated() {
	net_to 3 || return 1
	run_cmd 'echo rx=$(cat /sys/class/net/eth0/statistics/rx_packets) up=$(cat /sys/class/net/eth0/operstate)' 'rx=0 up=up' 60 &&
		net_to 1
}

# netcrashes: under test=net-crash, root crashed vm1's NIC server and
# the switch often enough meanwhile (NET_MIN_DEV, NET_MIN_SW), and as
# often during the TCP transfer alone when the tcp step ran.
t_netcrashes() {
	local dev sw
	read -r dev sw <<<"$(net_restarts 0)"
	echo "[linux] net crashes: vm1's NIC server $dev, switch $sw${TCP_CRASHES:+; during the TCP transfer: ${TCP_CRASHES% *} and ${TCP_CRASHES#* }}"
	[ "$dev" -ge "${NET_MIN_DEV:-100}" ] && [ "$sw" -ge "${NET_MIN_SW:-10}" ] || return 1
	[ -z "$TCP_CRASHES" ] ||
		{ [ "${TCP_CRASHES% *}" -ge "${NET_MIN_DEV:-100}" ] && [ "${TCP_CRASHES#* }" -ge "${NET_MIN_SW:-10}" ]; }
}

# netbench (make bench, tools/bench-net.sh: QEMU -icount shift=0, so a
# guest's virtual nanosecond is one instruction): the ping round trip
# vm1 -> vm2 (average of 20) and the TCP throughput vm1 -> vm2 of
# NET_BENCH_MIB (64) MiB of zeros (busybox nc), in MiB per virtual second.
t_netbench() {
	local mib=${NET_BENCH_MIB:-64} avg real
	t_ping || return 1 # both up, ARP resolved
	run_cmd 'ping -c 20 -i 0.2 10.0.0.2 | tail -1' 'round-trip min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms' 120 || return 1
	avg=$(echo "$last" | sed 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|')
	net_to 2 || return 1
	run_cmd 'printf "#!/bin/sh\ncat > /dev/null\n" > /tmp/sink; chmod +x /tmp/sink; nc -l -p 5001 -e /tmp/sink >/dev/null 2>&1 & sleep 1; echo listening-$((40+2))' 'listening-42' || return 1
	net_to 1 || return 1
	run_cmd "time sh -c 'dd if=/dev/zero bs=64k count=$((mib * 16)) 2>/dev/null | nc 10.0.0.2 5001'" \
		'real[[:space:]]+[0-9]+m [0-9.]+s' 1800 || return 1
	real=$(echo "$last" | sed 's/real[[:space:]]*\([0-9]*\)m \([0-9.]*\)s/\1 \2/')
	awk -v a="$avg" 'BEGIN { printf "bench vm_net_ping_rtt %d instructions\n", a * 1000000 }'
	echo "$real" | awk -v m="$mib" '{ printf "bench vm_net_tcp_throughput %.2f MiB/s\n", m / ($1 * 60 + $2) }'
}
