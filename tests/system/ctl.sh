#!/usr/bin/env bash
# keelctl against Keel in QEMU (issue 15, docs/management.md): boot
# config/default.json with the control channel make run gives (a virtio
# console on a UNIX socket), then drive tools/keelctl as a user would in
# a second terminal and judge its answers, the console and the log.
# Steps, in order:
#
#   boot      VM 1 reaches its shell; the control server is ready
#   list      both VMs are listed, running, with their servers (vmm,
#             pl011; vm1's disk: virtio-blk and its block driver), and
#             network lan with its 3 ports (vm1, vm2, the uplink), its switch and its counters
#   bad       a request that is not JSON, one with an unknown command and
#             one naming no VM are refused with their line and column;
#             list is the same after them (nothing changed)
#   raw       keelctl console vm2 on a pseudo-terminal (console-pty.py):
#             raw while attached, a command typed runs in vm2 and its
#             output comes back, Ctrl-] detaches, the settings restored
#   stats     vm1's counters grow while its guest runs a command that
#             reads its disk and pings vm2: exits, WFI exits,
#             interrupts injected, vblk's and vnet's MMIO accesses,
#             requests and bytes (vblk: by at least the 1 MiB read), IPC
#             calls (vm1's, vblk's, vnet's, the PL011's), and the frames
#             lan's switch forwarded
#   crash     keelctl crash vm1 pl011: root's real fault; list shows the
#             restart and the fault, events the faulted and restarted;
#             keelctl restart vm1 vblk: list counts it, the disk still reads
#   trace     keelctl trace --seconds 2 while vm1 reads /bin/busybox from
#             its disk three times (O_DIRECT, 4 KiB requests), pings vm2
#             and prints in a loop, and keelctl crashes vm1-vblk (the
#             disk's device server), then blkdrv1 (its driver): each
#             read's MD5 is the host's file's;
#             the file is JSON (cJSON, through
#             trace-svg; python3's json.tool too if there) with events of
#             every kind: exit, ipc, irq, device request, fault, restart;
#             device requests on vm1-vblk (read), vm1-vnet (send, receive)
#             and vm1-pl011 (output) (trace-requests.py);
#             trace-svg makes a well-formed SVG of it (xmllint if there);
#             the disk still reads, and its serial (/sys/block/vda/serial,
#             a VIRTIO_BLK_T_GET_ID request) is QEMU's, keel-disk0 (mkblobs).
#             Both files stay in <dir>/system/.
#   pause     vm1 paused: its exit count stands still; resumed: its
#             shell answers
#   stop      keelctl stop vm2: list says off, lan has 2 live ports (vm2's
#             left: the switch forgets its MAC), events vm-stopped
#   start     keelctl start vm2: it boots again to its shell (Ctrl-] 2)
#   reset     keelctl reset vm2: it is built again and boots to its shell
#             (Ctrl-] 2 first: its new boot shows as it comes); events has
#             vm2's vm-stopped, then its vm-started, since the reset
#   create    keelctl create of tests/ctl/bad-vm.json is refused with the
#             config loader's located messages, and list is unchanged;
#             of tests/ctl/vm3.json: vm3 runs and boots to its shell
#             (Ctrl-] 3), its shell on hvc0 (it has a virtio-console and a
#             virtio-rng); a 2 s trace while it reads /dev/hwrng and
#             prints has vm3-vcon's output and input and vm3-vrng's
#             entropy requests; stop and remove vm3: list no longer has it
#   sockets   per-VM console sockets (tests/system/consock-steps.sh)
#   churn     keelctl create of a VM with a 31-byte name (as long as a
#             config allows): its servers listed with their whole names,
#             restart by its short device name; then 8 rounds of create,
#             stop, remove (more 256 MiB VMs than the free memory holds:
#             remove gives the memory back)
#   keys      the console's command mode, without keelctl: Ctrl-] :list
#             lists both VMs; Ctrl-] :stop vm2 stops it (keelctl list
#             says off); Ctrl-] :start 2 boots it again to its shell
#
#   bash tests/system/ctl.sh build/aarch64/keel.bin build/host/keelctl
#   ARCH=riscv64 bash tests/system/ctl.sh build/riscv64/keel.bin build/host/keelctl
#
# Needs build/linux (make linux-assets) and the host config tools
# (CHECK_CONFIG, MKBLOBS: set by make). Log: <dir of the image>/system/ctl.log.
#
# ARCH=riscv64: config/default-riscv64.json on riscv64's board
# (tests/system/board.sh), the guest of build/linux-riscv64, whose console
# UART is a 16550 (server ns16550 where aarch64's is pl011); the VMs that
# create and churn make are tests/ctl/riscv64's, and vm3 has no
# virtio-rng (riscv64 has no vrng server: docs/riscv64.md).
set -u
export LC_ALL=C

. "$(dirname "$0")/board.sh" # KEEL_QEMU, KEEL_MACHINE
QEMU=${QEMU:-$KEEL_QEMU}
case $ARCH in
aarch64) CONFIG=config/default.json LINUX_B=build/linux UART=pl011 VMS=tests/ctl ;;
riscv64) CONFIG=config/default-riscv64.json LINUX_B=build/linux-riscv64 UART=ns16550 \
	VMS=tests/ctl/riscv64 ;;
esac
STEP_LIMIT=${CTL_STEP_TIMEOUT:-300}

die() { echo "ctl.sh: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: $0 <keel.bin> <keelctl>"
bin=$1
keelctl=$2
[ -f "$bin" ] || die "no such image: $bin"
[ -x "$keelctl" ] || die "no keelctl: $keelctl"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/ctl.log
blobs=$(dirname "$bin")/ctl-test-blobs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-ctl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT # until QEMU runs (cleanup, below)
# vm1 mounts its disk read-write and QEMU is stopped under it at the end:
# give it a copy, so $LINUX_B/rootfs.ext4 stays clean for the tests
# that mount it read-only (tests/system/uboot.sh). The config's other
# paths become absolute, as it moves to $tmp under the same file name.
[ -s "$LINUX_B/rootfs.ext4" ] || die "no $LINUX_B/rootfs.ext4 (make rootfs)"
cp --sparse=always "$LINUX_B/rootfs.ext4" "$tmp/rootfs.ext4"
sed "s|\"\.\./$LINUX_B/rootfs\.ext4\"|\"$tmp/rootfs.ext4\"|; s|\"\.\./build/|\"$PWD/build/|g" \
	"$CONFIG" >"$tmp/default.json"
CONFIG=$tmp/default.json
grep -q "\"$tmp/rootfs.ext4\"" "$CONFIG" || die "$CONFIG: no disk path to replace"
"$CHECK_CONFIG" --arch "$ARCH" "$CONFIG" >/dev/null || die "$CONFIG does not check"
"$MKBLOBS" --arch "$ARCH" "$CONFIG" 2048 "$blobs" >/dev/null || die "mkblobs failed"
bash "$(dirname "$0")/uplink-ports.sh" "$blobs/qemu-args" >/dev/null || die "no free host port" # h-up: the uplink's forwards

sock=$tmp/ctl.sock
fifo=$tmp/stdin
mkfifo "$fifo"
exec 3<>"$fifo"
cp "$bin" "$tmp/keel.bin"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" "${KEEL_MACHINE[@]}" -smp 2 \
	-nic none -m 2048M -nographic -no-reboot -kernel "$tmp/keel.bin" \
	$(grep -v '^blobs=' "$blobs/qemu-args") \
	-global virtio-mmio.force-legacy=false \
	-chardev "socket,id=keelctl,path=$sock,server=on,wait=off" \
	-device "virtio-serial-device,bus=$(sed -n 's/^ctl=//p' "$blobs/virtio-buses")" \
	-device virtconsole,chardev=keelctl \
	-device "virtio-serial-device,id=keelcon,max_ports=5,bus=$(sed -n 's/^con=//p' "$blobs/virtio-buses")" \
	$(for n in 1 2 3 4; do echo "-chardev socket,id=keelcon$n,server=on,wait=off,path=$tmp/keel-console-vm$n.sock"
		echo "-device virtserialport,bus=keelcon.0,nr=$n,chardev=keelcon$n"; done) \
	-append "$(grep '^blobs=' "$blobs/qemu-args")" \
	<"$fifo" >"$log" 2>&1 &
qemu=$!
cleanup() {
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	exec 3>&-
	rm -rf "$tmp"
}
trap cleanup EXIT

off=0
last=
waited=
passed=0
failed=0
out= # keelctl's last output

expect() {
	local re=$1 limit=${2:-$STEP_LIMIT} t=0 hit pos match
	while [ "$t" -lt $((limit * 5)) ]; do
		hit=$(tail -c +$((off + 1)) "$log" | grep -a -o -b -E -- "$re" | head -n1)
		if [ -n "$hit" ]; then
			pos=${hit%%:*}
			match=${hit#*:}
			off=$((off + pos + ${#match}))
			last=$match
			return 0
		fi
		if grep -aqE 'keel: PANIC|Kernel panic' "$log"; then
			waited="$re (a panic came first)"
			return 1
		fi
		kill -0 "$qemu" 2>/dev/null || { waited="$re (QEMU exited)"; return 1; }
		sleep 0.2
		t=$((t + 1))
	done
	waited="$re (${limit} s)"
	return 1
}

send() { printf '%b' "$1" >&3; }

# kc ARGS: run keelctl; its output in $out (and in the log of this script).
kc() {
	out=$("$keelctl" --socket "$sock" --timeout 60 "$@" 2>&1)
	local rc=$?
	echo "[ctl] \$ keelctl $*" >&2
	printf '%s\n' "$out" | sed 's/^/[ctl]   /' >&2
	return $rc
}
# has REGEX: keelctl's last output matches.
has() { printf '%s\n' "$out" | grep -qE -- "$1" || { waited="keelctl output ~ $1"; return 1; }; }

step() {
	local name=$1
	shift
	waited=
	if "$@"; then
		echo "[ctl] PASS $name"
		passed=$((passed + 1))
	else
		echo "[ctl] FAIL $name (log: $log, from byte $off${waited:+; waited for: $waited})"
		failed=$((failed + 1))
		finish
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

PROMPT='vm1:/# '
run_cmd() {
	expect "$PROMPT" 60 || return 1
	send "$1\r"
	expect "$2" "${3:-60}"
}

# vm1's exit count (keelctl stats --json).
exits() {
	kc --json stats vm1 || return 1
	printf '%s\n' "$out" | grep -oE '"exits":[0-9]+' | head -n1 | cut -d: -f2
}

t_boot() {
	# not '[ctl] ...': root's lines from the other CPU may split its prefix
	expect 'control channel ready' && expect '\[linux\] shell ready' &&
		expect "$PROMPT" 60 && send '\r' && t_transports
}
# The four physical virtio devices (keelctl's, the sockets', vm1's disk,
# the uplink) each alone in a 4 KiB MMIO page, so a driver server mapping
# its device's page reaches no other device (keel/config.h,
# cfg_virtio_transport; aarch64's transports are 0x200 apart).
t_transports() {
	local stride pages
	case $ARCH in aarch64) stride=512 ;; riscv64) stride=4096 ;; esac
	pages=$(grep -aoE '(control server|console sockets|uplink lan-uplink started|block driver vm1-blkdrv[0-9]+):? on virtio-mmio transport [0-9]+' "$log" |
		head -n4 | awk -v s="$stride" '{ print int($NF * s / 4096) }' | sort -u | wc -l)
	[ "$pages" -eq 4 ] || { waited="4 virtio devices in 4 MMIO pages, not $pages: $(grep -aoE 'on virtio-mmio transport [0-9]+' "$log" | tr '\n' ' ')"; return 1; }
}
t_list() {
	kc --json list || return 1
	has '"name":"vm1","state":"running","vcpus":2,"memory_mib":256' &&
		has '"name":"vm2","state":"running","vcpus":2' &&
		has '"name":"vm1-vmm","device":"vmm","kind":"vmm","state":"running"' &&
		has '"name":"vm1-'"$UART"'","device":"'"$UART"'","kind":"'"$UART"'","state":"running","restarts":0' &&
		has '"name":"vm1-vblk","device":"vblk","kind":"virtio-blk","state":"running"' &&
		has '"name":"vm1-blkdrv1","device":"blkdrv1","kind":"blkdrv","state":"running"' &&
		has '"name":"vm2-'"$UART"'","device":"'"$UART"'","kind":"'"$UART"'","state":"running"' &&
		has '"name":"vm1-vnet","device":"vnet","kind":"virtio-net","state":"running"' &&
		has '"networks":\[\{"name":"lan","ports":3,"servers":\[\{"name":"lan-switch","device":"lan-switch","kind":"switch","state":"running","restarts":0' &&
		kc list && has '^vm1 +running +2 vCPUs +256 MiB +up ' && has '^  vm2-'"$UART"' +'"$UART"' +running' &&
		has '^network lan +3 ports; frames in [0-9]+, forwarded [0-9]+' && has '^  lan-switch +switch +running'
}
t_bad() {
	local before
	kc --json list && before=$(printf '%s\n' "$out" | sed 's/"uptime_ms":[0-9]*//g; s/"now_ms":[0-9]*//g; s/"ago_ms":[0-9]*//g; s/"frames":{[^}]*}//g')
	! kc raw '{"cmd":"stop","vm":"vm2",}' && has '^\{"error":"not JSON","line":1,"column":26\}$' &&
		! kc raw '{"cmd": "explode"}' &&
		has '"error":"unknown command \(known: [a-z, ]+\)","line":1,"column":2' &&
		! kc raw '{"cmd":"stop","vm":"vm9"}' && has '"error":"no VM of that name","line":1,"column":15' &&
		! kc raw '{"cmd":"stop","vmm":"vm2"}' && has '"error":"unknown key.*","line":1,"column":15' &&
		! kc stop vm9 && has 'refused the request: no VM of that name \(line 1, column [0-9]+\)' &&
		kc --json list &&
		[ "$(printf '%s\n' "$out" | sed 's/"uptime_ms":[0-9]*//g; s/"now_ms":[0-9]*//g; s/"ago_ms":[0-9]*//g; s/"frames":{[^}]*}//g')" = "$before" ] ||
		{ waited="${waited:-the same list as before}"; return 1; }
}
# counters C1 C2 ...: vm1's counters named (stats --json), space-separated.
counters() {
	kc --json stats vm1 || return 1
	local c
	for c in "$@"; do
		case $c in
		reason_*) printf '%s\n' "$out" | grep -oE "\"${c#reason_}\":[0-9]+" | head -n1 ;;
		vblk_* | vnet_* | "$UART"_*) printf '%s\n' "$out" | grep -oE "\"device\":\"${c%%_*}\"[^}]*" |
			grep -oE "\"${c#*_}\":[0-9]+" ;;
		*) printf '%s\n' "$out" | grep -oE "\"$c\":[0-9]+" | head -n1 ;;
		esac | cut -d: -f2 | tr '\n' ' '
	done
}
# (reason_mmio is left out on aarch64: the guest's device accesses go to
# their servers on MMIO routes, not to the VMM; vblk_mmio and vnet_mmio
# count them. Its interrupts' exits are the GIC's maintenance ones; on
# riscv64 there are none, and the PLIC's claims and completions are MMIO
# the VMM answers: reason_mmio there.)
# (vmm_calls: the VMM's own calls, to the console server for the typed
# command, and to root)
case $ARCH in
aarch64) IRQ_EXITS=reason_maint ;;
riscv64) IRQ_EXITS=reason_mmio ;;
esac
COUNTED="exits $IRQ_EXITS irqs_injected vblk_mmio vblk_requests vblk_bytes_out vnet_mmio vnet_requests vnet_bytes_in vnet_bytes_out ipc_calls vblk_ipc_calls vnet_ipc_calls ${UART}_ipc_calls vmm_calls"
# lan's switch: frames it forwarded (list --json)
forwarded() {
	kc --json list || return 1
	printf '%s\n' "$out" | grep -oE '"name":"lan".*"forwarded":[0-9]+' | grep -oE '[0-9]+$'
}
t_stats() {
	local a= b= i c f0 f1
	f0=$(forwarded) && [ -n "$f0" ] || { waited="lan's forwarded count"; return 1; }
	a=$(counters $COUNTED) && [ "$(wc -w <<<"$a")" -eq "$(wc -w <<<"$COUNTED")" ] || { waited="$(wc -w <<<"$COUNTED") counters, not: $a"; return 1; }
	run_cmd 'for i in 1 2 3 4 5; do echo stats-$i; done; dd if=/dev/vda of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null; ping -c 2 10.0.0.2 >/dev/null; echo stats-done-$((40+2))' '^stats-done-42' &&
		b=$(counters $COUNTED) && [ "$(wc -w <<<"$b")" -eq "$(wc -w <<<"$COUNTED")" ] || { waited="$(wc -w <<<"$COUNTED") counters, then: $b"; return 1; }
	read -ra a <<<"$a"
	read -ra b <<<"$b"
	i=0
	for c in $COUNTED; do
		[ "${b[$i]}" -gt "${a[$i]}" ] || { waited="$c to grow with the guest's work (${a[$i]}, then ${b[$i]})"; return 1; }
		i=$((i + 1))
	done
	f1=$(forwarded) && [ "${f1:-0}" -gt "$f0" ] || { waited="lan's switch to forward the pings ($f0, then ${f1:-none})"; return 1; }
	# dd read 16 x 64 KiB: at least that many bytes came from the disk
	[ $((b[5] - a[5])) -ge 1048576 ] || { waited="vblk bytes_out (the 6th counted) to grow by 1 MiB (${a[5]}, ${b[5]})"; return 1; }
	# vm1's IPC calls: at least its exits, its device servers' calls and
	# the VMM's own
	[ $((b[10] - a[10])) -ge $(((b[0] - a[0]) + (b[11] - a[11]) + (b[12] - a[12]) + (b[14] - a[14]))) ] ||
		{ waited="vm1's IPC calls to grow by its exits, vblk's and vnet's calls and the VMM's at least"; return 1; }
	kc stats && has '^vm1 \(running\): exits [0-9]+, data aborts injected [0-9]+, IPIs [0-9]+, IPC calls [0-9]+ \(the VMM.s own [0-9]+\)' &&
		has '^  exits by reason: mmio [0-9]+, hvc [0-9]+, smc [0-9]+, wfi [0-9]+' &&
		has '^  vblk +virtio-blk +MMIO [0-9]+, IPC calls [0-9]+, requests [0-9]+, bytes from the guest [0-9]+, to the guest [0-9]+' &&
		has '^  '"$UART"' +'"$UART"' +MMIO [0-9]+, IPC calls [0-9]+$' &&
		! printf '%s\n' "$out" | grep -q '^not counted'
}
t_crash() {
	local fpid
	# events --follow in the background lets go of the socket between its
	# questions: the crash below gets through, and it prints the news
	"$keelctl" --socket "$sock" events --follow >"$tmp/follow.out" 2>&1 &
	fpid=$!
	sleep 2
	kc crash vm1 "$UART" && has '^crash vm1 '"$UART"': done' &&
		expect 'server vm1-'"$UART"' faulted' 30 && expect 'server vm1-'"$UART"' restarted' 30 ||
		{ kill "$fpid"; return 1; }
	sleep 3
	kill "$fpid"
	wait "$fpid" 2>/dev/null
	sed 's/^/[ctl]   follow: /' "$tmp/follow.out" >&2
	grep -qE 'server-restarted +vm1 +vm1-'"$UART" "$tmp/follow.out" ||
		{ waited="events --follow to print vm1-$UART's restart"; return 1; }
	kc --json list &&
		has '"name":"vm1-'"$UART"'","device":"'"$UART"'","kind":"'"$UART"'","state":"running","restarts":1,"faults":1,"last_fault":\{"reason":"[a-z ]+","address":"0x[0-9a-f]+"' &&
		kc --json events && has '"event":"server-faulted","vm":"vm1","server":"vm1-'"$UART"'"' &&
		has '"event":"server-restarted","vm":"vm1","server":"vm1-'"$UART"'"' &&
		kc events && has 'server-restarted +vm1 +vm1-'"$UART" &&
		send '\r' && run_cmd 'echo after-crash-$((6*7))' '^after-crash-42' &&
		kc restart vm1 vblk && expect 'server vm1-vblk restarted as keelctl asked' 30 &&
		kc --json list && has '"name":"vm1-vblk","device":"vblk","kind":"virtio-blk","state":"running","restarts":1,"faults":0' &&
		send '\r' && run_cmd 'dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null && echo disk-$((6*7))' '^disk-42'
}
t_trace() {
	local svg_tool json=$outdir/trace.json svg=$outdir/trace.svg pid kind want
	svg_tool=$(dirname "$keelctl")/trace-svg
	[ -x "$svg_tool" ] || { waited="trace-svg next to keelctl"; return 1; }
	rm -f "$json" "$svg"
	# busybox as the guest reads it from its disk (vblk), 4 KiB at a time
	# past its page cache, against the file it was made of; meanwhile a
	# ping (vnet: send, receive) and a line (pl011: output) in a loop
	want=$(md5sum <"$LINUX_B/root/bin/busybox") &&
		send '\r' && run_cmd "(while :; do ping -c 1 -W 1 10.0.0.2 >/dev/null; echo io; done) & p=\$!; e=\$((\$(cut -d. -f1 /proc/uptime)+25)); i=0; ok=0; while [ \$i -lt 3 ] || [ \$(cut -d. -f1 /proc/uptime) -lt \$e ]; do [ \"\$(dd if=/bin/busybox bs=4k iflag=direct 2>/dev/null | md5sum)\" = '$want' ] && ok=\$((ok+1)); i=\$((i+1)); done; kill \$p; wait \$p 2>/dev/null; echo trace-io-\$ok-of-\$i-\$((40+2))" 'echo trace-io-' || return 1
	sleep 2 # the loop's own echo done: the reads have begun
	"$keelctl" --socket "$sock" --timeout 120 trace --seconds 2 -o "$json" >"$tmp/trace.out" 2>&1 &
	pid=$!
	sleep 1
	# the disk's device server, then its driver, crashed under the reads
	kc crash vm1 vblk && expect 'server vm1-vblk restarted' 30 &&
		kc crash vm1 blkdrv1 && expect 'server vm1-blkdrv1 restarted' 30 || { kill "$pid"; return 1; }
	wait "$pid" || { waited="keelctl trace: $(cat "$tmp/trace.out")"; return 1; }
	out=$(cat "$tmp/trace.out")
	echo "[ctl]   $out" >&2
	# the reads go on for 25 s of guest time, past both restarts: a line
	# printed before them is missed here and fails the step
	has '^trace: [0-9]+ events, [0-9]+ lost, [0-9.]+ s -> ' && expect '^trace-io-[0-9]+-of-[0-9]+-42' 180 || return 1
	local n=${last#trace-io-*-of-}
	n=${n%-42}
	[ "$last" = "trace-io-$n-of-$n-42" ] && [ "$n" -ge 3 ] ||
		{ waited="every read of /bin/busybox (3 or more) with the host's MD5, not $last"; return 1; }
	if command -v python3 >/dev/null; then
		python3 -m json.tool "$json" >/dev/null || { waited="JSON (python3 -m json.tool)"; return 1; }
	fi
	for kind in exit ipc irq 'device request' fault restart; do
		grep -qF "\"cat\":\"$kind\"" "$json" || { waited="a \"$kind\" event in the trace"; return 1; }
	done
	python3 "$(dirname "$0")/trace-requests.py" "$json" vm1-vblk:read vm1-vnet:send \
		vm1-vnet:receive "vm1-$UART:output" >"$tmp/requests.out" 2>&1 ||
		{ waited="device requests: $(cat "$tmp/requests.out")"; return 1; }
	grep -qF '"name":"vm1-vblk"' "$json" && grep -qF '"name":"vm1 vcpu0"' "$json" &&
		grep -qF '"name":"CPU 1"' "$json" || { waited="the lanes named"; return 1; }
	"$svg_tool" "$json" >"$svg" || { waited="trace-svg to read it"; return 1; }
	if command -v xmllint >/dev/null; then
		xmllint --noout "$svg" || { waited="a well-formed SVG (xmllint)"; return 1; }
	fi
	grep -q '^<svg ' "$svg" && tail -n1 "$svg" | grep -q '^</svg>$' && grep -qF '>vm1-vblk<' "$svg" &&
		grep -qF '>restart<' "$svg" || { waited="the SVG's lanes and marks"; return 1; }
	send '\r' && run_cmd 'dd if=/dev/vda of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null && echo traced-$((6*7))' '^traced-42' &&
		run_cmd 'echo serial-$(cat /sys/block/vda/serial)-$((6*7))' '^serial-keel-disk0-42' # GET_ID
}
# keelctl crash --at: the disk's device server armed at "used" (a chain
# in the used ring, the guest not yet interrupted), then its driver at
# "notified" (a request on the device), both under reads of /bin/busybox
# that must all have the host's MD5; each faults with the point's store
# (a data abort at 0), is restarted, and the reads go on. A name that is
# not a point of that server is refused and arms nothing.
t_crashat() {
	local want
	want=$(md5sum <"$LINUX_B/root/bin/busybox") || return 1
	! kc crash vm1 vblk --at later && has 'no such crash point \(known: notified, taken, handed, told, status, used\)' &&
		! kc crash vm1 "$UART" --at used && has 'this server has no named crash points' || return 1
	send '\r' && run_cmd "e=\$((\$(cut -d. -f1 /proc/uptime)+20)); i=0; ok=0; while [ \$i -lt 3 ] || [ \$(cut -d. -f1 /proc/uptime) -lt \$e ]; do [ \"\$(dd if=/bin/busybox bs=4k iflag=direct 2>/dev/null | md5sum)\" = '$want' ] && ok=\$((ok+1)); i=\$((i+1)); done; echo crashat-io-\$ok-of-\$i-\$((40+2))" 'echo crashat-io-' || return 1
	sleep 2 # the reads have begun
	kc crash vm1 vblk --at used && has '^crash vm1 vblk: armed at used' &&
		expect 'vm1-vblk armed to crash at its point 6 as keelctl asked' 30 &&
		expect 'server vm1-vblk faulted: data abort \(write\) at address 0x0' 30 &&
		expect 'server vm1-vblk restarted' 30 &&
		kc crash vm1 blkdrv1 --at notified && expect 'vm1-blkdrv1 armed to crash at its point 2 as keelctl asked' 30 &&
		expect 'server vm1-blkdrv1 faulted: data abort \(write\) at address 0x0' 30 &&
		expect 'server vm1-blkdrv1 restarted' 30 || return 1
	expect '^crashat-io-[0-9]+-of-[0-9]+-42' 180 || return 1
	local n=${last#crashat-io-*-of-}
	n=${n%-42}
	[ "$last" = "crashat-io-$n-of-$n-42" ] && [ "$n" -ge 3 ] ||
		{ waited="every read of /bin/busybox (3 or more) with the host's MD5, not $last"; return 1; }
}
t_pause() {
	local a b
	kc pause vm1 && kc --json list && has '"name":"vm1","state":"paused"' || return 1
	sleep 1
	a=$(exits) && sleep 3 && b=$(exits) && [ -n "$a" ] && [ "$a" = "$b" ] ||
		{ waited="a paused VM's exits to stand still ($a, then $b)"; return 1; }
	! kc pause vm1 && has 'not possible' &&
		kc resume vm1 && kc --json list && has '"name":"vm1","state":"running"' &&
		send '\r' && run_cmd 'echo resumed-$((6*7))' '^resumed-42' &&
		kc --json events && has '"event":"vm-paused","vm":"vm1"' && has '"event":"vm-resumed","vm":"vm1"'
}
t_stop() {
	kc stop vm2 && expect 'VM vm2 destroyed' 60 && kc --json list &&
		has '"name":"vm2","state":"off","vcpus":2,"memory_mib":256,"uptime_ms":0,"servers":\[\]' &&
		has '"name":"vm1","state":"running"' &&
		has '"networks":\[\{"name":"lan","ports":2,' &&
		kc --json events && has '"event":"vm-stopped","vm":"vm2"' &&
		! kc stop vm2 && has 'not possible'
}
# A VM just started: the switch is proved by the VM's own lines and
# prompt, which come seconds later, not by the console's "vm2 has the
# console" note, which a new VMM's lines split when the kernel wrote them
# beside the console server (a fresh-root run failed so; docs/console.md,
# "One writer").
t_start() {
	kc start vm2 && has '^start vm2: done' && kc --json list &&
		has '"name":"vm2","state":"running"' && has '"networks":\[\{"name":"lan","ports":3,' &&
		send '\x1d2' && PROMPT='vm2:/# ' &&
		expect '\[linux\] shell ready' && expect "$PROMPT" 60 && send '\r' &&
		run_cmd 'echo vm2-again-$((40+2))' '^vm2-again-42' &&
		kc --json events && has '"event":"vm-started","vm":"vm2"'
}
# The number of root's last event (events --json), 0 if none.
last_event() {
	kc --json events || return 1
	printf '%s\n' "$out" | grep -oE '"seq":[0-9]+' | tail -n1 | cut -d: -f2 | grep . || echo 0
}
t_reset() {
	local since
	send '\x1d2' && PROMPT='vm2:/# ' && expect 'vm2 has the console' 30 &&
		since=$(last_event) && kc reset vm2 && has '^reset vm2: done' &&
		expect 'VM vm2: building it again \(keelctl reset\)' 30 &&
		expect '\[linux\] shell ready' && expect "$PROMPT" 60 && send '\r' &&
		run_cmd 'echo vm2-reset-$((40+2))' '^vm2-reset-42' &&
		kc --json list && has '"name":"vm2","state":"running"' &&
		kc raw "{\"cmd\":\"events\",\"since\":$since}" &&
		[ "$(printf '%s\n' "$out" | grep -oE '"event":"vm-(stopped|started)","vm":"vm2"' | tr '\n' ' ')" = \
			'"event":"vm-stopped","vm":"vm2" "event":"vm-started","vm":"vm2" ' ] ||
		{ waited="${waited:-vm2 stopped, then started, in the events since #$since}"; return 1; }
}

# list --json without what changes by itself (times, frames on lan).
still() { printf '%s\n' "$out" | sed 's/"uptime_ms":[0-9]*//g; s/"now_ms":[0-9]*//g; s/"ago_ms":[0-9]*//g; s/"frames":{[^}]*}//g'; }
t_create() {
	local before
	kc --json list && before=$(still)
	! kc create tests/ctl/bad-vm.json &&
		has '^bad-vm\.json:6:7: vms\[0\]\.mem_size_mib: expected a number, got a string$' &&
		! kc create "$VMS/vm3.json.missing" &&
		kc --json list && [ "$(still)" = "$before" ] || { waited="${waited:-the same list}"; return 1; }
	kc create "$VMS/vm3.json" && has '^create vm3: done' && kc --json list &&
		has '"name":"vm3","state":"running","vcpus":1,"memory_mib":256' &&
		has '"name":"vm3-'"$UART"'","device":"'"$UART"'","kind":"'"$UART"'","state":"running"' &&
		send '\x1d3' && PROMPT='vm3:/# ' && # just created: not its note (t_start)
		expect '\[linux\] shell ready' && expect "$PROMPT" 60 && send '\r' &&
		run_cmd 'echo vm3-$((40+2)) $(grep -c processor /proc/cpuinfo) $(tty)' '^vm3-42 1 /dev/hvc0' &&
		t_hvc_replay && t_trace_vm3 && ! kc remove vm3 && has 'not possible' &&
		kc stop vm3 && expect 'VM vm3 destroyed' 60 && kc remove vm3 && has '^remove vm3: done' &&
		kc --json list && ! has '"vm3"' && has '"name":"vm1","state":"running"' &&
		kc --json events && has '"event":"vm-created","vm":"vm3"' && has '"event":"vm-removed","vm":"vm3"'
}

# What vm3 prints on hvc0 while vm1 has the console is kept, not shown,
# and replayed when vm3 gets it back, as for a PL011 (docs/console.md).
t_hvc_replay() {
	local mark
	send '(sleep 4; echo hvc-later-$((40+2))) &\r' && sleep 1 &&
		send '\x1d1' && expect 'vm1 has the console' 30 || return 1
	mark=$off
	sleep 8
	if tail -c +$((mark + 1)) "$log" | grep -aq 'hvc-later-42'; then
		waited="vm3's hvc0 line kept while vm1 has the console, not shown"
		return 1
	fi
	send '\x1d3' && expect 'vm3 has the console' 30 && expect '^hvc-later-42' 30 && send '\r'
}

# A trace while vm3 (its shell on hvc0) reads /dev/hwrng: what is typed
# and printed goes through vm3-vcon, the entropy through vm3-vrng. A vm3
# without a virtio-rng (riscv64's) prints the lines only.
t_trace_vm3() {
	local json=$outdir/trace-vm3.json pid each='echo vm3-line-$i' want=
	if grep -q '"virtio-rng"' "$VMS/vm3.json"; then
		each='head -c 512 /dev/hwrng | wc -c' want=vm3-vrng:entropy
		run_cmd 'modprobe virtio_rng; echo rng-$(cat /sys/class/misc/hw_random/rng_current)' '^rng-virtio_rng' || return 1
	fi
	"$keelctl" --socket "$sock" --timeout 120 trace --seconds 3 -o "$json" >"$tmp/trace3.out" 2>&1 &
	pid=$!
	sleep 1 && kc list # QEMU takes one client at a time: this waits for the trace's start
	run_cmd "for i in 1 2 3 4; do $each; done; echo vm3-rng-\$((40+2))" '^vm3-rng-42' ||
		{ kill "$pid"; return 1; }
	wait "$pid" || { waited="keelctl trace: $(cat "$tmp/trace3.out")"; return 1; }
	python3 "$(dirname "$0")/trace-requests.py" "$json" vm3-vcon:output vm3-vcon:input \
		${want:+"$want"} >"$tmp/requests.out" 2>&1 ||
		{ waited="device requests: $(cat "$tmp/requests.out")"; return 1; }
}

# VM names as long as a config allows (31 bytes) made at run time, and
# memory given back: more rounds of create, stop, remove than the free
# memory holds 256 MiB VMs (2 GiB machine, two 256 MiB VMs running).
LONG=a-vm-name-of-31-bytes-to-create
t_churn() {
	local i
	kc create "$VMS/vm-long.json" && has "^create $LONG: done" && kc --json list &&
		has "\"name\":\"$LONG\",\"state\":\"running\"" &&
		has "\"name\":\"$LONG-$UART\",\"device\":\"$UART\"" && has "\"name\":\"$LONG-vmm\"" &&
		kc restart "$LONG" "$UART" && expect "server $LONG-$UART restarted as keelctl asked" 30 || return 1
	# its UART's restart policy is never (vm-long.json): a crash leaves
	# the server down and the VM failed, until keelctl starts it again
	kc crash "$LONG" "$UART" && expect "server $LONG-$UART stopped: restart policy is never" 30 &&
		kc --json list && has "\"name\":\"$LONG\",\"state\":\"failed\"" &&
		has "\"name\":\"$LONG-$UART\",\"device\":\"$UART\",\"kind\":\"$UART\",\"state\":\"down\"" &&
		kc --json events && has "\"event\":\"server-down\",\"vm\":\"$LONG\",\"server\":\"$LONG-$UART\"" &&
		! kc pause "$LONG" && has 'not possible' &&
		kc start "$LONG" && has "^start $LONG: done" && kc --json list &&
		has "\"name\":\"$LONG\",\"state\":\"running\"" &&
		has "\"name\":\"$LONG-$UART\",\"device\":\"$UART\",\"kind\":\"$UART\",\"state\":\"running\"" || return 1
	for i in $(seq 1 8); do
		{ [ "$i" -eq 1 ] || kc create "$VMS/vm-long.json"; } && kc stop "$LONG" &&
			expect "VM $LONG destroyed" 60 && kc remove "$LONG" ||
			{ waited="${waited:-create, stop and remove, round $i of 8}"; return 1; }
	done
	kc --json list && ! has "$LONG"
}
t_keys() {
	send '\x1d1' && PROMPT='vm1:/# ' && expect 'vm1 has the console' 30 &&
		send '\x1d:list\r' && expect '\[root\] console command: list' 30 &&
		expect '\[root\] 1 vm1: running, 2 vCPUs, 256 MiB, up [0-9]+ s; vm1-vmm running' 30 &&
		expect '\[root\] 2 vm2: running' 30 &&
		send '\x1d:stop vm2\r' && expect '\[root\] stop vm2: done' 60 &&
		kc --json list && has '"name":"vm2","state":"off"' &&
		send '\x1d:start 2\r' && expect '\[root\] start 2: done' 60 &&
		send '\x1d2' && PROMPT='vm2:/# ' && expect 'vm2 has the console' 30 &&
		expect '\[linux\] shell ready' && expect "$PROMPT" 60 && send '\r' &&
		run_cmd 'echo keys-$((40+2))' '^keys-42'
}

# keelctl console on a terminal (raw mode), through a pseudo-terminal.
t_raw() {
	local rc
	command -v python3 >/dev/null || { waited="python3 (tools/setup-deps.sh installs it)"; return 1; }
	out=$(python3 "$(dirname "$0")/console-pty.py" "$keelctl" "$sock" vm2 'echo raw-$((40+2))' raw-42 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/[ctl]   /' >&2
	[ "$rc" -eq 0 ] || { waited="keelctl console on a pseudo-terminal: $(printf '%s\n' "$out" | head -n1)"; return 1; }
}

# shellcheck source=tests/system/consock-steps.sh
. "$(dirname "$0")/consock-steps.sh"

for s in ${CTL_TEST_STEPS:-boot list bad sockets raw stats crash trace crashat pause stop start reset create churn keys}; do
	step "$s" "t_$s"
done
finish
