#!/usr/bin/env bash
# Console scenarios (tests/root/scn_console.c): each typed line is echoed by
# exactly one guest, exactly once, and (con-switch) by the VM that had the
# console when it was typed.
#
#   bash tests/system/check-console.sh <scenario> <log>
#
# Prints nothing if the log passes, else the reason.
set -u
name=$1
log=$2
clean=$(tr -d '\r' <"$log")

# Line numbers of lines matching an extended regex.
lines_of() { grep -naE -- "$1" <<<"$clean" | cut -d: -f1; }
count() { lines_of "$1" | grep -c . ; }

# "text" echoed exactly once, and nothing else echoed beyond want lines.
once() {
	local n
	n=$(count "\\[test\\] PASS echo: $1\$")
	[ "$n" -eq 1 ] || echo "\"$1\" echoed $n times, not once"
}

echoes_total() {
	local n
	n=$(count '\[test\] (PASS|FAIL) echo')
	[ "$n" -eq "$1" ] || echo "$n echo lines, want $1 (a line lost, doubled or garbled)"
}

# "text" echoed after line lo and before line hi.
between() {
	local at
	at=$(lines_of "\\[test\\] PASS echo: $1\$" | head -1)
	[ -n "$at" ] && [ "$at" -gt "$2" ] && [ "$at" -lt "$3" ] ||
		echo "\"$1\" echoed at line ${at:-none}, not between $2 and $3 (the wrong VM got it)"
}

check() {
	case $name in
	con-echo)
		once hello-keel
		once second-line
		echoes_total 2
		;;
	con-restart)
		once restart-0123456789abcdefghij
		echoes_total 1
		;;
	con-switch | con-crash)
		local s2 s1 end b=bravo
		[ "$name" = con-crash ] && b=bravo-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789
		s2=$(lines_of '^\[console\] vm2 has the console' | head -1)
		s1=$(lines_of '^\[console\] vm1 has the console' | head -1)
		end=$(wc -l <<<"$clean")
		[ -n "$s2" ] && [ -n "$s1" ] || { echo "no switch notices"; return; }
		once alpha
		once "$b"
		once charlie
		echoes_total 3
		between alpha 0 "$s2"
		between "$b" "$s2" "$s1"
		between charlie "$s1" $((end + 1))
		# vm2's banner was kept while vm1 had the console, shown on switching
		[ "$(lines_of '^\[echo\] ready' | awk -v a="$s2" -v b="$s1" \
			'$1 > a && $1 < b' | wc -l)" -eq 1 ] ||
			echo "vm2's buffered output was not replayed after the switch"
		;;
	*) echo "check-console.sh: unknown scenario $name" ;;
	esac
}
check | head -1
