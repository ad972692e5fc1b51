#!/usr/bin/env bash
# The deepest kernel stack use, computed from the linked kernel:
#
#   bash tools/stack-depth.sh build/aarch64/keel.elf arch/aarch64/kstack.h
#
# (make stack-depth). The sizes come from the header: KSTACK_SIZE,
# KSTACK_GUARD, ESTACK_SIZE (the emergency stack a kernel fault is
# reported on: aarch64_kernel_fault's own chain must fit in it).
#
# From `objdump -d`: each function's frame (what its prologue takes off sp:
# `sub sp, sp, #n` and pre-indexed `stp/str ..., [sp, #-n]!`) and its calls
# (`bl f`, and branches to another function's start: tail calls, counted as
# calls). An indirect call (`blr`) may reach any function whose address is
# stored in .rodata or .data (the system-call and invocation tables). The
# binary includes libfdt and the assembly, so nothing is left out.
#
# The depth of a chain is the sum of its frames; the script prints the
# deepest chain from any function nobody calls (the exception entries,
# aarch64_main, ...). A call back into a function already on the chain is
# recursion: the functions that call each other round (a strongly
# connected component) are listed, and the bound printed adds, for every
# such group, the frames of all its functions: more than one more round of
# any cycle in it costs (the kernel's rule
# is that none nests deeper: cap.c's doomed-CNode queue turns the
# CNode-in-CNode case into a loop, and TCB binding slots hold no originals
# whose deletion would destroy an object). Fails if that bound is not
# below KSTACK_SIZE, or if one frame is as large as the guard page (a
# frame that large could step over the guard instead of faulting in it).
# Last, the figures as the rows of docs/architecture.md's table ("Kernel
# stack"), to paste there when they change.
set -euo pipefail

elf=${1:?usage: stack-depth.sh keel.elf kstack.h}
hdr=${2:?usage: stack-depth.sh keel.elf kstack.h}
OBJDUMP=${OBJDUMP:-aarch64-linux-gnu-objdump}
size_of() {
	local v
	v=$(awk -v n="$1" '$1 == "#define" && $2 == n { print $3 }' "$hdr")
	[[ $v =~ ^[0-9]+$ ]] || { echo "stack-depth: no plain $1 in $hdr" >&2; exit 1; }
	echo "$v"
}
limit=$(size_of KSTACK_SIZE)
guard=$(size_of KSTACK_GUARD)
estack=$(size_of ESTACK_SIZE)

{
	"$OBJDUMP" -d "$elf"
	echo "@@DATA"
	"$OBJDUMP" -s -j .rodata -j .data "$elf" 2>/dev/null || true
} | awk -v limit="$limit" -v guard="$guard" -v estack="$estack" -v fault=aarch64_kernel_fault '
function strip0(h) { sub(/^0+/, "", h); return h == "" ? "0" : h }
function num(s,   v) { # "#0x40", "#64", "#-48"
	gsub(/[#!\]]/, "", s)
	if (s ~ /^-/) s = substr(s, 2)
	if (s ~ /^0x/) return hex(substr(s, 3))
	return s + 0
}
function hex(h,   i, v, c) {
	v = 0
	for (i = 1; i <= length(h); i++) {
		c = index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
		v = v * 16 + c
	}
	return v
}
# Longest chain from f; cycles (calls back into the chain) are recorded.
function depth(f, lvl,   i, n, c, d, best, bestc, k, cost) {
	if (f in memo) return memo[f]
	onstack[f] = lvl
	stk[lvl] = f
	best = 0; bestc = ""
	n = ncallee[f]
	for (i = 1; i <= n; i++) {
		c = callee[f, i]
		if (c in onstack) {
			cost = 0
			for (k = onstack[c]; k <= lvl; k++) cost += frame[stk[k]]
			cyc = ""
			for (k = onstack[c]; k <= lvl; k++) cyc = cyc stk[k] " -> "
			cyc = cyc c
			if (!(cyc in cycles)) { cycles[cyc] = cost; ncyc++ }
			continue
		}
		d = depth(c, lvl + 1)
		if (d > best) { best = d; bestc = c }
	}
	delete onstack[f]
	memo[f] = frame[f] + best
	next_in_chain[f] = bestc
	return memo[f]
}
# Tarjan: strongly connected components (a recursive cycle and every
# function that lies on one with it).
function scc(v,   i, w) {
	idx[v] = lowl[v] = ++counter
	sstack[++sp] = v; insk[v] = 1
	for (i = 1; i <= ncallee[v]; i++) {
		w = callee[v, i]
		if (!(w in idx)) {
			scc(w)
			if (lowl[w] < lowl[v]) lowl[v] = lowl[w]
		} else if ((w in insk) && idx[w] < lowl[v]) {
			lowl[v] = idx[w]
		}
	}
	if (lowl[v] == idx[v]) {
		ncomp++; members = ""; size = 0; cost = 0
		do {
			w = sstack[sp--]; delete insk[w]
			members = members " " w; size++; cost += frame[w]
		} while (w != v)
		if (size > 1 || ((v, v) in seen)) { compm[ncomp] = members; compc[ncomp] = cost }
	}
}
function commas(n,   s) { # 1552 -> "1,552", as docs/architecture.md writes it
	s = n ""
	while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s)
	return s
}
# The figures as rows of the table in docs/architecture.md, "Kernel stack".
function doc_rows(   f, top, topf, last, k, j, order, n, t, groups) {
	top = -1
	for (f = root; f != ""; f = next_in_chain[f]) {
		if (frame[f] > top) { top = frame[f]; topf = f }
		last = f
	}
	n = 0
	for (k in compm) order[++n] = k
	for (k = 2; k <= n; k++) # by cost, largest first
		for (j = k; j > 1 && compc[order[j]] > compc[order[j - 1]]; j--) {
			t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
		}
	groups = ""
	for (k = 1; k <= n; k++) {
		t = compm[order[k]]; sub(/^ /, "", t); gsub(/ /, "`, `", t)
		groups = groups (k > 1 ? "; " : "") "`" t "`: " commas(compc[order[k]])
	}
	print "docs/architecture.md, \"Kernel stack\":"
	print "| | bytes |"
	print "|---|---|"
	printf "| deepest chain without recursion (`%s` … `%s` %s … `%s`) | %s |\n", root, topf,
		commas(top), last, commas(worst)
	printf "| bound with one more round of each recursive group (%s) | %s |\n", groups,
		commas(bound)
	printf "| largest single frame (`%s`) | %s |\n", bigf, commas(big)
	printf "| fault report on the emergency stack | %s |\n", commas(fd)
}
/^@@DATA/ { data = 1; next }
data && /^ [0-9a-f]+ / {
	a = hex($1)
	for (g = 2; g <= 5; g++) {
		if ($g !~ /^[0-9a-f]+$/) break
		for (b = 0; b < length($g) / 2; b++)
			byte[a + (g - 2) * 4 + b] = substr($g, b * 2 + 1, 2)
		lastbyte = a + (g - 2) * 4 + length($g) / 2
	}
	if (!firstbyte) firstbyte = a
	next
}
data { next }
/^[0-9a-f]+ <[^>]+>:$/ {
	fn = $2; gsub(/[<>:]/, "", fn)
	addr[strip0($1)] = fn
	frame[fn] = 0; ncallee[fn] = 0; funcs[fn] = 1
	next
}
fn != "" && /^ +[0-9a-f]+:\t/ {
	nf = split($0, p, "\t")
	if (nf < 3) next
	op = p[3]; arg = p[4]
	if (op == "sub" && arg ~ /^sp, sp, #/) {
		v = arg; sub(/^sp, sp, /, "", v)
		sh = (v ~ /lsl #12/) ? 4096 : 1
		sub(/, lsl #12/, "", v)
		frame[fn] += num(v) * sh
	} else if ((op == "stp" || op == "str") && arg ~ /\[sp, #-[0-9]+\]!$/) {
		v = arg; sub(/.*\[sp, /, "", v)
		frame[fn] += num(v)
	} else if (op == "blr") {
		indirect[fn] = 1
	} else if (arg ~ /<[^+>]+>$/ && (op == "bl" || op == "b" || op ~ /^b\./ || op ~ /^c?b/ || op ~ /^tb/)) {
		t = arg; sub(/.*</, "", t); sub(/>$/, "", t)
		if (t != fn && !((fn, t) in seen)) {
			seen[fn, t] = 1
			callee[fn, ++ncallee[fn]] = t
			called[t] = 1
		}
	}
}
END {
	# address-taken functions: 8-byte words in .rodata/.data naming a start
	for (a = firstbyte - firstbyte % 8; a + 8 <= lastbyte; a += 8) {
		w = ""
		for (b = 7; b >= 0; b--) w = w ((a + b) in byte ? byte[a + b] : "00")
		w = strip0(w)
		if (w in addr && !(addr[w] in taken)) { taken[addr[w]] = 1; ntaken++ }
	}
	for (f in indirect)
		for (t in taken)
			if (t != f && !((f, t) in seen)) {
				seen[f, t] = 1
				callee[f, ++ncallee[f]] = t
				called[t] = 1
			}
	worst = 0; root = ""
	for (f in funcs) {
		if ((f in called) || (f in taken)) continue
		d = depth(f, 1)
		if (d > worst) { worst = d; root = f }
	}
	bigf = ""; big = 0
	for (f in funcs) if (frame[f] > big) { big = frame[f]; bigf = f }
	printf "deepest chain without recursion: %d bytes\n", worst
	for (f = root; f != ""; f = next_in_chain[f])
		printf "  %6d  %s\n", frame[f], f
	for (c in cycles)
		printf "recursion found: %s\n", c
	extra = 0
	for (f in funcs) if (!(f in idx)) scc(f)
	for (k in compm) {
		printf "recursive group (+%d bytes, all its frames, a round):%s\n", compc[k], compm[k]
		extra += compc[k]
	}
	bound = worst + extra
	printf "indirect calls reach %d functions (tables in .rodata/.data)\n", ntaken
	printf "largest frame: %d bytes (%s); guard page %d\n", big, bigf, guard
	printf "bound, one more round of every cycle: %d of %d bytes\n", bound, limit
	if (!(fault in funcs)) { print "FAIL: no " fault " in the kernel"; exit 1 }
	delete memo
	fd = depth(fault, 1)
	printf "fault report (%s, emergency stack): %d of %d bytes\n", fault, fd, estack
	if (fd >= estack) { print "FAIL: the emergency stack is too small"; exit 1 }
	if (big >= guard) { print "FAIL: a frame could step over the guard page"; exit 1 }
	if (bound >= limit) { print "FAIL: the kernel stack may overflow"; exit 1 }
	doc_rows()
	print "PASS stack-depth"
}'
