# Uplink steps of tests/system/linux.sh (sourced by it; docs/net.md): the
# network "lan" of tests/linux/net.json has the uplink, and its first
# host forward leads to vm1's busybox httpd (port 80, /srv/www, started
# by tests/linux/init). linux.sh moved the forwards to free host ports
# (UPLINK_PORTS, uplink-ports.sh). VM 1 has the console.

# web: the host's curl through the first forward gets vm1's index page
# (config/default.json: what README's curl http://127.0.0.1:8080/ shows;
# boot may still be under way: up to 60 tries).
t_web() {
	local port=${UPLINK_PORTS%%[[:space:]]*}
	for _ in $(seq 60); do
		curl -sf --max-time 10 "http://127.0.0.1:$port/" | grep -q 'Hello from Keel VM vm1' && return 0
		sleep 1
	done
	echo "[linux] web: no index page from vm1 at 127.0.0.1:$port"
	return 1
}

# uplink: vm1 writes UPLINK_MIB (default 2) MiB of random data into its
# web root and prints its SHA-256; the host fetches it with curl through
# the forward, again and again, until root (test=net-crash) has crashed
# the uplink driver at least UPLINK_MIN_CRASHES (3) times during the
# fetches; every fetch's checksum must be the guest's (after web).
t_uplink() {
	local port=${UPLINK_PORTS%%[[:space:]]*} mib=${UPLINK_MIB:-2} sum got before crashes=0 n=0
	[ -n "$port" ] || { echo "[linux] uplink: no host forward in qemu-args"; return 1; }
	run_cmd "dd if=/dev/urandom of=/srv/www/big bs=64k count=$((mib * 16)) 2>/dev/null; echo sum=\$(sha256sum /srv/www/big | cut -c1-64)" \
		'sum=[0-9a-f]{64}' 120 || return 1
	sum=${last#sum=}
	t_web || return 1
	local body rc t0
	body=$(mktemp "${TMPDIR:-/tmp}/keel-uplink.XXXXXX")
	while [ "$crashes" -lt "${UPLINK_MIN_CRASHES:-3}" ] && [ "$n" -lt 40 ]; do
		before=$(grep -ac 'server lan-uplink restarted' "$log")
		t0=$SECONDS
		curl -sf --max-time 120 -o "$body" "http://127.0.0.1:$port/big"
		rc=$?
		got=$(sha256sum <"$body" | cut -c1-64)
		n=$((n + 1))
		if [ "$got" != "$sum" ]; then
			# what curl saw, so that a failure says whether bytes were wrong
			# or the transfer did not finish (curl's exit code: 28 timeout,
			# 56 receive error, 52 nothing)
			echo "[linux] uplink: fetch $n: sha256 $got, the guest's $sum (curl exit $rc," \
				"$(stat -c %s "$body") bytes in $((SECONDS - t0)) s," \
				"$(($(grep -ac 'server lan-uplink restarted' "$log") - before)) uplink restarts during it)"
			rm -f "$body"
			return 1
		fi
		crashes=$((crashes + $(grep -ac 'server lan-uplink restarted' "$log") - before))
	done
	rm -f "$body"
	echo "[linux] uplink: $n fetches of $mib MiB, sha256 $sum each, $crashes uplink driver crashes during them"
	[ "$crashes" -ge "${UPLINK_MIN_CRASHES:-3}" ]
}

# restrict: QEMU's user network has restrict=on: a web server on the
# host's 127.0.0.1 (python3's http.server, which the host itself
# reaches) is not reachable from vm1 through the host's address on the
# subnet (10.0.0.254), which without restrict=on leads to it; the same
# request from vm1 to vm2's httpd gets its page.
t_restrict() {
	local q pid ok=1
	q=$(bash "$(dirname "$0")/uplink-ports.sh" --free) || return 1
	python3 -m http.server --bind 127.0.0.1 "$q" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$q/" && ok=0 && break; sleep 0.2; done
	if [ "$ok" != 0 ]; then
		kill "$pid"
		echo "[linux] restrict: the host's own server on port $q did not answer the host"
		return 1
	fi
	# the same request to vm2's httpd first: it works, so "blocked" is the
	# network's doing, not the command's (busybox wget cannot be used: the
	# static busybox crashes resolving an address)
	run_cmd "r=; for a in 10.0.0.2:80 10.0.0.254:$q; do (echo 'GET / HTTP/1.0'; echo) | nc -w 10 \${a%:*} \${a#*:} 2>/dev/null | grep -q '^HTTP/1.[01] 200' && r=\"\$r reached\" || r=\"\$r blocked\"; done; echo restrict:\$r" \
		'restrict: [a-z]+ [a-z]+' 60
	ok=$?
	kill "$pid"
	echo "[linux] restrict: vm2's httpd and the host's 127.0.0.1:$q from vm1:${last#restrict:}"
	[ "$ok" = 0 ] && [ "$last" = "restrict: reached blocked" ]
}
