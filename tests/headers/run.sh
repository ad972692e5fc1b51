#!/usr/bin/env bash
# tests/headers/run.sh: target code sees no C library's headers but musl's.
#  - tools/check-headers.sh passes dependency files naming only allowed
#    headers and fails, naming the header, for the host's, the cross
#    glibc's, a sysroot header outside the allowed set, and a path that
#    leaves the project through "..", and for a missing dependency file;
#  - the kernel's flags (KCFLAGS) find libfdt.h but no <stdlib.h> or
#    <string.h>; the user programs' flags (UCFLAGS) find musl's <stdlib.h>
#    but not glibc's <gnu/libc-version.h>; the test guests' (GUEST_CFLAGS)
#    find <stdint.h> but no <stdio.h>.
# Run by make headers-test (part of make test), which passes CC, CC_INC,
# SYSROOT, MUSL_TRIPLE and GNU_TRIPLE (the architecture's musl and glibc
# directories), KCFLAGS, UCFLAGS, GUEST_CFLAGS and HEADER_RULES.
set -euo pipefail
: "${CC:?}" "${CC_INC:?}" "${SYSROOT:?}" "${KCFLAGS:?}" "${UCFLAGS:?}" "${HEADER_RULES:?}"
: "${GUEST_CFLAGS:?}"
: "${MUSL_TRIPLE:?}" "${GNU_TRIPLE:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "[headers] PASS $1"; pass=$((pass + 1)); }
bad() { echo "[headers] FAIL $1: $2"; fail=$((fail + 1)); }

# check NAME EXPECT HEADER: a dependency file naming HEADER passes (EXPECT=0)
# or fails with HEADER in the message (EXPECT=1).
check() {
	local name=$1 expect=$2 header=$3 rc=0
	printf 'x.o: kernel/kernel.h \\\n %s\n' "$header" > "$tmp/$name.d"
	# shellcheck disable=SC2086
	bash tools/check-headers.sh $HEADER_RULES -- "$tmp/$name.d" 2> "$tmp/$name.err" || rc=$?
	if [ "$rc" != "$expect" ]; then
		bad "$name" "check-headers exited $rc, expected $expect ($(head -c 300 "$tmp/$name.err"))"
	elif [ "$expect" = 1 ] && ! grep -qF "$header" "$tmp/$name.err"; then
		bad "$name" "the error does not name $header"
	else
		ok "$name"
	fi
}
check allowed-project 0 libipc/include/keel/abi.h
check allowed-musl 0 "$SYSROOT/usr/include/$MUSL_TRIPLE/stdlib.h"
check allowed-compiler 0 "$CC_INC/stdint.h"
check host-libc 1 /usr/include/stdlib.h
check cross-glibc 1 "/usr/$GNU_TRIPLE/include/features.h"
check sysroot-other 1 "$SYSROOT/usr/include/cjson/cJSON.h"
check dotdot-escape 1 kernel/../../outside/stdio.h

# An object whose rule forgot -MD has no dependency file: an error that
# names it, not a pass.
rc=0
# shellcheck disable=SC2086
bash tools/check-headers.sh $HEADER_RULES -- "$tmp/none.d" 2> "$tmp/none.err" || rc=$?
if [ "$rc" = 1 ] && grep -qF "$tmp/none.d" "$tmp/none.err"; then
	ok missing-depfile
else
	bad missing-depfile "check-headers exited $rc ($(head -c 300 "$tmp/none.err"))"
fi

# compiles NAME FLAGS EXPECT SOURCE: preprocessing SOURCE with FLAGS
# succeeds (EXPECT=0) or fails for a missing header (EXPECT=1).
compiles() {
	local name=$1 flags=$2 expect=$3 src=$4 rc=0
	# shellcheck disable=SC2086
	printf '%s\n' "$src" | $CC $flags -x c -E -o /dev/null - 2> "$tmp/$name.err" || rc=$?
	if [ "$expect" = 0 ] && [ "$rc" = 0 ]; then
		ok "$name"
	elif [ "$expect" = 1 ] && [ "$rc" != 0 ] && grep -q 'No such file' "$tmp/$name.err"; then
		ok "$name"
	else
		bad "$name" "preprocessing exited $rc, expected $([ "$expect" = 0 ] && echo success || echo 'a missing header') ($(head -c 300 "$tmp/$name.err"))"
	fi
}
compiles kernel-libfdt "$KCFLAGS" 0 '#include <libfdt.h>'
compiles kernel-stdint "$KCFLAGS" 0 '#include <stdint.h>'
compiles kernel-no-stdlib "$KCFLAGS" 1 '#include <stdlib.h>'
compiles kernel-no-string "$KCFLAGS" 1 '#include <string.h>'
compiles user-musl "$UCFLAGS" 0 '#include <stdlib.h>'
compiles user-libfdt "$UCFLAGS" 0 '#include <libfdt.h>'
compiles user-no-glibc "$UCFLAGS" 1 '#include <gnu/libc-version.h>'
compiles guest-stdint "$GUEST_CFLAGS" 0 '#include <stdint.h>'
compiles guest-no-stdio "$GUEST_CFLAGS" 1 '#include <stdio.h>'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
