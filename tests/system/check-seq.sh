#!/usr/bin/env bash
# Check test=vm-restart's, vm-restart-load's or vm-restart-post's log
# (tests/root/scn_vmbench.c): the seq guest's output (tests/guests/seq.c)
# must be exact, character by character — every "seq NNNN <checksum>" line
# once, in order, no character lost, doubled or garbled — although the
# PL011 server was crashed and restarted under it (the checker only reads
# the output, however the crash was caused). vm-restart: 400 lines, and
# root must have reported every restart with its time; the load runs: as
# many lines as the guest's "[test] PASS seq: N lines" says (it stops at a
# typed key), and root's count of the crashes made while the guest wrote
# ("[root] <test>: N crashes of ...") at least <min-crashes>.
#
#   bash tests/system/check-seq.sh <log>                # vm-restart
#   bash tests/system/check-seq.sh <log> <min-crashes>  # the load runs
# Prints nothing if the log passes, else the reason; exits 0 either way.
set -u
log=$1
MIN_CRASHES=${2:-}
RESTARTS=3

# Root's and the servers' own lines (the kernel log) come on lines of their
# own: the console server prints them between the guest's lines (docs/
# console.md, "One writer"). Without a console server they go straight to
# the UART and may land in the middle of a guest line: take every complete
# "[root] ...", "[vm1-pl011] ...", "[vm1-ns16550] ..." (riscv64's UART),
# "[vm1-vmm] ..." or "keel: ..." line out,
# wherever it starts, and what is left of the guest's lines joins up again.
# Everything else the guest printed counts (an empty line too), but for
# its banner and its [test] markers.
guest=$(tr -d '\r' <"$log" | perl -0pe 's/(\[(root|vm1-pl011|vm1-ns16550|vm1-vmm)\] |keel: )[^\n]*\n//g' |
	sed -n 's/^\[vm1\] //p')
got=$(grep -avE '^\[(seq|test)\] ' <<<"$guest" || true)
LINES=400
if [ -n "$MIN_CRASHES" ]; then
	LINES=$(sed -n 's/^\[test\] PASS seq: \([0-9]*\) lines$/\1/p' <<<"$guest" | tail -n1)
	[ -n "$LINES" ] || { echo "no [vm1] [test] PASS seq: <n> lines"; exit 0; }
fi
want=$(for ((n = 1; n <= LINES; n++)); do
	printf 'seq %04d %08x\n' "$n" $(((n * 2654435761) % 4294967296))
done)
if [ "$got" != "$want" ]; then
	# the first character that differs, with what surrounds it
	at=$(cmp <(echo "$want") <(echo "$got") 2>&1 | sed -n 's/.*differ: \(char\|byte\) \([0-9]*\),.*/\2/p')
	at=${at:-$(($(echo "$want" | wc -c) + 1))}
	echo "seq output not exact from character $at ($(echo "$want" | wc -c) expected," \
		"$(echo "$got" | wc -c) seen):" \
		"expected \"$(echo "$want" | tail -c +$((at > 20 ? at - 20 : 1)) | head -c 40 | tr '\n' '|')\"," \
		"seen \"$(echo "$got" | tail -c +$((at > 20 ? at - 20 : 1)) | head -c 40 | tr '\n' '|')\""
	exit 0
fi
if [ -n "$MIN_CRASHES" ]; then
	crashes=$(tr -d '\r' <"$log" | grep -aoE '\[root\] vm-restart-[a-z]+: [0-9]+ crashes of' |
		grep -oE '[0-9]+' | tail -n1)
	[ "${crashes:-0}" -ge "$MIN_CRASHES" ] ||
		echo "root counted ${crashes:-no} crashes while the guest wrote, wanted $MIN_CRASHES"
	exit 0
fi
restarts=$(tr -d '\r' <"$log" | grep -aoE 'restarts [0-9]+, restart time [0-9]+ instructions' |
	tail -n1)
if ! grep -qE "^restarts $RESTARTS, restart time [0-9]+ instructions\$" <<<"$restarts"; then
	echo "root did not report $RESTARTS timed restarts (last: ${restarts:-none})"
fi
