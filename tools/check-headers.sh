#!/usr/bin/env bash
# check-headers.sh [--allow DIR | --deny DIR]... -- DEPFILE...
#
# Every header a target object was compiled from (its dependency file, made
# with -MD so system headers are listed too) must lie in an allowed
# directory. The longest matching --allow/--deny prefix decides, so
# "--allow . --deny build/sysroot --allow build/sysroot/usr/include/x" lets
# the project and x in, keeps the rest of the sysroot out, and refuses
# anything outside (the host's /usr/include, the cross glibc's
# /usr/aarch64-linux-gnu/include). A target object that reaches a C
# library's headers builds on one machine and breaks on the next, so this is
# a build error, not a warning.
set -euo pipefail
rules=()
while [ $# -gt 0 ]; do
	case $1 in
	--allow | --deny)
		[ $# -ge 2 ] || { echo "check-headers: $1 needs a directory" >&2; exit 2; }
		rules+=("${1#--} $(realpath -m -- "$2")")
		shift 2 ;;
	--) shift; break ;;
	*) echo "check-headers: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || exit 0

# A target object with no dependency file would go unchecked: its rule
# lacks -MD (the Makefile's check_headers names each object's).
missing=$(for d in "$@"; do [ -f "$d" ] || echo "  $d"; done)
if [ -n "$missing" ]; then
	echo "check-headers: no dependency file for these target objects (compile them with -MD):" >&2
	echo "$missing" >&2
	exit 1
fi

# "header<TAB>depfile" for every prerequisite named in every dependency
# file (-MP's phony "header:" lines and the "object:" targets skipped).
pairs=$(awk '{
	gsub(/\\$/, "")
	for (i = 1; i <= NF; i++)
		if ($i !~ /:$/)
			print $i "\t" FILENAME
}' "$@" | sort -u)
[ -n "$pairs" ] || exit 0
resolved=$(cut -f1 <<<"$pairs" | tr '\n' '\0' | xargs -0 realpath -m --)

bad=$(paste <(echo "$resolved") <(echo "$pairs") | awk -F'\t' -v rules="$(printf '%s\n' "${rules[@]}")" '
BEGIN {
	n = split(rules, r, "\n")
	for (i = 1; i <= n; i++) {
		kind[i] = substr(r[i], 1, index(r[i], " ") - 1)
		dir[i] = substr(r[i], index(r[i], " ") + 1)
	}
}
{
	best = 0; verdict = "deny"
	for (i = 1; i <= n; i++) {
		d = dir[i]
		pfx = d == "/" ? "/" : d "/"
		if (($1 == d || substr($1, 1, length(pfx)) == pfx) && length(d) > best) {
			best = length(d); verdict = kind[i]
		}
	}
	if (verdict != "allow")
		print "  " $2 " (in " $3 ")"
}' | sort -u)

if [ -n "$bad" ]; then
	echo "check-headers: target objects were compiled from headers outside the project," >&2
	echo "the compiler's own include directory and the allowed sysroot headers:" >&2
	echo "$bad" >&2
	echo "check-headers: target code must not see a C library's headers (the host's or the" >&2
	echo "cross compiler's glibc); the kernel and the test guests use -nostdinc, user" >&2
	echo "programs only musl's." >&2
	exit 1
fi
