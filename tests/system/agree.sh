#!/usr/bin/env bash
# check-config and the root server agree on what a machine can carve
# (issue 9.5). For each config here, check-config on the machine `make
# run` boots (RUN_MIB, RUN_CPUS) names the VMs that would start; then
# Keel boots the config anyway (mkblobs, no check first) and root must
# build exactly those VMs: root carves for real, check-config with the
# loader's model of it (config/cfg_machine.c). The other machine rules
# are the same code on both sides (tests/config/test_vmconfig.c).
#
#   bash tests/system/agree.sh build/aarch64/keel.bin
#   ARCH=riscv64 bash tests/system/agree.sh build/riscv64/keel.bin
#
# Needs CHECK_CONFIG, MKBLOBS, RUN_MIB and RUN_CPUS (make config-system
# sets them). The configs' images are dummies (a WFI loop: tests/config/
# files/Image, and Image-riscv64 with riscv's header): only root's
# building of the VMs is judged. Logs: <dir of the image>/system/agree-NAME.log.
set -u
export LC_ALL=C

# shellcheck source=board.sh
. "$(dirname "$0")/board.sh"
QEMU=${QEMU:-$KEEL_QEMU}
# FILE or FILE@MIB: a config, on a machine of RUN_MIB or MIB MiB of RAM.
# riscv64's are aarch64's with the riscv64 image (the same VMs pass on
# both profiles); on 8192 MiB its RAM runs past QEMU's device tree,
# which sits below 3 GiB (config/cfg_arch.c), so root carves around it.
case $ARCH in
aarch64)
	CONFIGS=(tests/config/machine/big_vms.json tests/config/bad/machine_sum.json
		tests/config/machine/four_1536.json@8192) ;;
riscv64)
	CONFIGS=(tests/config/machine/riscv64/big_vms.json
		tests/config/machine/riscv64/machine_sum.json
		tests/config/machine/riscv64/four_1536.json@8192) ;;
esac
LIMIT=${AGREE_TIMEOUT:-60}

die() { echo "agree.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
[ -n "${RUN_MIB:-}" ] && [ -n "${RUN_CPUS:-}" ] || die "RUN_MIB and RUN_CPUS must be set (make sets them)"
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-agree.XXXXXX")
qemu=
cleanup() {
	[ -n "$qemu" ] && kill "$qemu" 2>/dev/null && wait "$qemu" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0

for entry in "${CONFIGS[@]}"; do
	f=${entry%@*}
	mib=$RUN_MIB
	[ "$f" = "$entry" ] || mib=${entry##*@}
	name=$(basename "$f" .json)
	log=$outdir/agree-$name.log
	"$CHECK_CONFIG" --arch "$ARCH" --machine-mib "$mib" --cpus "$RUN_CPUS" "$f" 2>/dev/null |
		sed -n 's/^.*: vms\[[0-9]*\] "\(.*\)": ok$/\1/p' >"$tmp/want"
	"$MKBLOBS" --arch "$ARCH" "$f" "$mib" "$tmp/blobs" >/dev/null || die "mkblobs failed for $f"
	: >"$log"
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	"$QEMU" "${KEEL_MACHINE[@]}" -smp "$RUN_CPUS" -nic none -m "${mib}M" -nographic \
		-no-reboot -kernel "$bin" \
		$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
		-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$log" 2>&1 &
	qemu=$!
	t=0
	while [ $t -lt $((LIMIT * 5)) ] && kill -0 "$qemu" 2>/dev/null &&
		! grep -aqE '\[root\] [0-9]+ VMs? running|keel: PANIC' "$log"; do
		sleep 0.2
		t=$((t + 1))
	done
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
	# "[root] VM vm1: 400 MiB RAM at ...": root built it.
	sed -n 's/^\[root\] VM \([a-z0-9_-]*\): [0-9]* MiB RAM at .*/\1/p' "$log" >"$tmp/got"
	if grep -aqE '\[root\] [0-9]+ VMs? running' "$log" && [ -s "$tmp/want" ] &&
		cmp -s "$tmp/want" "$tmp/got"; then
		echo "[agree] PASS $name (both build: $(tr '\n' ' ' <"$tmp/want"))"
		passed=$((passed + 1))
	else
		echo "[agree] FAIL $name: check-config passes \"$(tr '\n' ' ' <"$tmp/want")\"," \
			"root built \"$(tr '\n' ' ' <"$tmp/got")\" (log: $log)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
