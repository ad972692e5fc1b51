#!/usr/bin/env bash
# Check test=vm-restart's log (tests/root/scn_vmbench.c): the seq guest's output
# (tests/guests/seq.c) must be exact, character by character — every
# "seq NNNN <checksum>" line once, in order, no character lost, doubled or
# garbled — although the PL011 server was crashed and restarted under it
# (the checker only reads the output, however the crash was caused); and
# root must have reported every restart with its time.
#
#   bash tests/system/check-seq.sh <log>
# Prints nothing if the log passes, else the reason; exits 0 either way.
set -u
LINES=400
RESTARTS=3
log=$1

# Root's and the servers' own lines may land in the middle of a guest line
# (the guest was mid-line when the server crashed): take every complete
# "[root] ...", "[vm1-pl011] ...", "[vm1-vmm] ..." or "keel: ..." line out,
# wherever it starts, and what is left of the guest's lines joins up again.
# Everything else the guest printed counts (an empty line too), but for
# its banner and its [test] markers.
got=$(tr -d '\r' <"$log" | perl -0pe 's/(\[(root|vm1-pl011|vm1-vmm)\] |keel: )[^\n]*\n//g' |
	sed -n 's/^\[vm1\] //p' | grep -avE '^\[(seq|test)\] ' || true)
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
restarts=$(tr -d '\r' <"$log" | grep -aoE 'restarts [0-9]+, restart time [0-9]+ instructions' |
	tail -n1)
if ! grep -qE "^restarts $RESTARTS, restart time [0-9]+ instructions\$" <<<"$restarts"; then
	echo "root did not report $RESTARTS timed restarts (last: ${restarts:-none})"
fi
