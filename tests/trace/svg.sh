#!/bin/bash
# trace-svg on a small trace of keelctl's format: a well-formed SVG (xmllint
# when it is there, else its structure) with a lane per CPU, server and
# vCPU, the stripes and the fault and restart marks; bad input refused.
# Usage: svg.sh TRACE_SVG
set -u
svg_tool=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "[trace-svg] FAIL: $*"; exit 1; }

cat > "$tmp/t.json" <<'JSON'
{"traceEvents":[
{"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"CPU 0"}},
{"name":"thread_name","ph":"M","pid":2,"tid":589827,"args":{"name":"vm1-vblk & co"}},
{"name":"thread_name","ph":"M","pid":8,"tid":1,"args":{"name":"vm1 vcpu0"}},
{"name":"exit mmio","ph":"i","pid":1,"tid":0,"ts":10,"cat":"exit","s":"t"},
{"name":"exit mmio","ph":"i","pid":8,"tid":1,"ts":10,"cat":"exit","s":"t"},
{"name":"ipc","ph":"i","pid":2,"tid":589827,"ts":20,"cat":"ipc","s":"t"},
{"name":"read","ph":"X","pid":2,"tid":589827,"ts":30,"dur":400,"cat":"device request"},
{"name":"fault","ph":"i","pid":2,"tid":589827,"ts":500,"cat":"fault","s":"t"},
{"name":"restart","ph":"i","pid":2,"tid":589827,"ts":900,"cat":"restart","s":"t"},
{"name":"irq","ph":"i","pid":8,"tid":1,"ts":1000,"cat":"irq","s":"t"}]}
JSON
"$svg_tool" "$tmp/t.json" > "$tmp/t.svg" || fail "trace-svg failed on a good trace"
if command -v xmllint > /dev/null; then
	xmllint --noout "$tmp/t.svg" || fail "not well-formed XML (xmllint)"
else
	head -2 "$tmp/t.svg" | grep -q '<svg ' && tail -1 "$tmp/t.svg" | grep -q '^</svg>$' ||
		fail "no <svg> ... </svg>"
fi
for want in '>CPU 0<' '>vm1-vblk &amp; co<' '>vm1 vcpu0<' '>fault<' '>restart<' \
	'fill="#4e79a7"' 'fill="#f28e2b"' 'fill="#59a14f"' 'fill="#b8860b"'; do
	grep -qF "$want" "$tmp/t.svg" || fail "no $want in the SVG"
done
echo '{"traceEvents":3}' > "$tmp/bad.json"
if "$svg_tool" "$tmp/bad.json" > "$tmp/bad.svg" 2> "$tmp/err"; then fail "a bad trace accepted"; fi
grep -q "no traceEvents array" "$tmp/err" || fail "no clear error for a bad trace"
[ -s "$tmp/bad.svg" ] && fail "output for a bad trace"
echo "[trace-svg] PASS lanes, stripes, marks, well-formed; bad input refused"
