#!/usr/bin/env bash
# uplink-ports.sh QEMU-ARGS: give each host forward of mkblobs' qemu-args
# (hostfwd=tcp:127.0.0.1:PORT-...) a free host port instead of the
# config's, in place, so a test never collides with make run or another
# QEMU; prints the new ports, in order, one a line (tests/system/linux.sh).
# uplink-ports.sh --free: print one free port (uplink-steps.sh).
set -eu
args=$1

# A port nothing on 127.0.0.1 listens on (bash's /dev/tcp connects).
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "uplink-ports.sh: no free port" >&2
	return 1
}

if [ "$args" = --free ]; then
	free_port
	exit
fi
for old in $(grep -o 'hostfwd=tcp:127\.0\.0\.1:[0-9]*-' "$args" | sed 's/.*:\([0-9]*\)-$/\1/'); do
	new=$(free_port)
	sed -i "s/hostfwd=tcp:127\.0\.0\.1:$old-/hostfwd=tcp:127.0.0.1:$new-/" "$args"
	echo "$new"
done
