# Network steps of tests/system/linux.sh (sourced by it; docs/net.md):
# VM 1 and VM 2 of config/default.json share the network "lan"
# (10.0.0.1 and 10.0.0.2, set by tests/linux/init from keel.ip=).

# ping: vm1 reaches vm2 (whose boot may still be under way: up to 120
# tries of one second), then three echo requests in a row come back.
t_ping() {
	run_cmd 'for i in $(seq 120); do ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && break; done; ping -c 3 -W 5 10.0.0.2 | grep -o "3 packets transmitted, 3 packets received"; echo ping-done' \
		'^3 packets transmitted, 3 packets received' 300
}
t_nchelp() { run_cmd 'nc --help 2>&1 | head -30; echo help-done' '^help-done'; }
