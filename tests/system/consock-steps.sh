# Per-VM console sockets (docs/console.md), a step of tests/system/ctl.sh
# (sourced: it uses ctl.sh's kc, expect, send, has, $tmp, $keelctl):
#
#   sockets   keelctl console holds vm1's and vm2's sockets at once (from
#             pipes); a command typed into vm2's runs in vm2 and its output
#             is on vm2's socket and not on vm1's, and the other way round;
#             vm2 prints 40 numbered lines while keelctl crashes the
#             console server: every line reaches vm2's socket once and in
#             order; a command sent while it restarts runs once;
#             `keelctl console vm2` from a pipe that ends prints its answer

# csock_wait FILE REGEX [S]: FILE (a console's output) matches within S s.
csock_wait() {
	local t=0
	while [ "$t" -lt $((${3:-60} * 5)) ]; do
		tr -d '\r' <"$1" | grep -aqE -- "$2" && return 0
		sleep 0.2
		t=$((t + 1))
	done
	waited="$2 on $(basename "$1") (${3:-60} s)"
	return 1
}

# csock_count FILE REGEX: how many lines of FILE match.
csock_count() { tr -d '\r' <"$1" | grep -acE -- "$2"; }

# Start `keelctl console VM` with its stdin a fifo (fd 5 / 6 here) and its
# output in $tmp/VM.out.
csock_attach() {
	mkfifo "$tmp/$1.in" && : >"$tmp/$1.out"
	"$keelctl" --socket "$sock" --timeout 600 console "$1" <"$tmp/$1.in" >"$tmp/$1.out" 2>&1 &
	csock_pids="${csock_pids:-} $!"
	eval "exec $2>\"\$tmp/\$1.in\""
}

t_sockets() {
	local n
	csock_attach vm1 5 && csock_attach vm2 6 || return 1
	printf 'echo two-$((40+2))\n' >&6 && csock_wait "$tmp/vm2.out" '^two-42$' &&
		printf 'echo one-$((40+2))\n' >&5 && csock_wait "$tmp/vm1.out" '^one-42$' || return 1
	[ "$(csock_count "$tmp/vm1.out" 'two-42')" -eq 0 ] && [ "$(csock_count "$tmp/vm2.out" 'one-42')" -eq 0 ] ||
		{ waited="each VM's output on its own socket only"; return 1; }
	printf 'for i in $(seq 1 40); do echo tick-$i; sleep 0.1; done; echo ticks-$((40+2))\n' >&6 &&
		csock_wait "$tmp/vm2.out" '^tick-5$' 30 && kc crash vm1 console &&
		expect 'server console restarted' 30 && printf 'echo during-$((40+2))\n' >&6 &&
		csock_wait "$tmp/vm2.out" '^ticks-42$' 60 && csock_wait "$tmp/vm2.out" '^during-42$' 30 ||
		return 1
	for i in $(seq 1 40); do
		n=$(csock_count "$tmp/vm2.out" "^tick-$i\$")
		[ "$n" -eq 1 ] || { waited="tick-$i once on vm2's socket across the crash, not $n times"; return 1; }
	done
	tr -d '\r' <"$tmp/vm2.out" | grep -aE '^tick-[0-9]+$' | sort -c -t- -k2,2n ||
		{ waited="the ticks in order"; return 1; }
	[ "$(csock_count "$tmp/vm2.out" '^during-42$')" -eq 1 ] ||
		{ waited="the command sent during the restart run once"; return 1; }
	exec 5>&- 6>&-
	# shellcheck disable=SC2086 # the two keelctl processes started above
	kill $csock_pids && wait $csock_pids 2>/dev/null # QEMU takes one client a socket
	out=$(printf 'echo pipe-$((40+2))\n' | "$keelctl" --socket "$sock" console vm2 2>&1) &&
		has '^pipe-42' || return 1
	kc --json list && has '"name":"vm2".*"console":2' &&
		send '\r' # a fresh vm1 prompt on the terminal for the next step
}
