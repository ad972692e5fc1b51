/*
 * net-crash: the VMs of the config blob, as the shipped root builds them
 * (tests/linux/net.json, driven by tests/system/linux.sh's network
 * steps), while root crashes VM 1's first virtio-net device server every
 * net_period_ms (default NET_PERIOD_MS) and, every NET_SWITCH_EVERY-th
 * period, the switch of its network instead, and every NET_UPLINK_EVERY-th
 * its network's uplink driver if it has one. Root prints each crash and
 * restart; the guests' checks (ping, a TCP transfer with its checksum)
 * and the crash counts in the log judge (docs/net.md).
 */
#include <keel/print.h>

#include "../../boot/net.h"
#include "scenario.h"

#define NET_PERIOD_MS 20u
#define NET_SWITCH_EVERY 10u
#define NET_CRASHES 1000000u
#define NET_UPLINK_EVERY 47u /* about once a second, never with the switch */

static const struct srv_policy net_policy = { .max_restarts = 1000000 };

static void net_start(void)
{
	struct vm *vm;
	struct server *sw, *up;
	unsigned d = 0, period = (unsigned)scn_param("net_period_ms", NET_PERIOD_MS);
	vmrun_start();
	vm = vm_by_index(0);
	while (vm && d < vm->ndev && !vm->spec.dev[d].net_name)
		d++;
	if (!vm || d == vm->ndev || !(sw = net_switch_server(vm->spec.dev[d].net_name))) {
		scn_fail("net-crash", "VM 1 has no virtio-net device on a switch");
		scn_done();
		return;
	}
	srv_set_policy(vm->dev[d], &net_policy);
	srv_set_policy(sw, &net_policy);
	kprintf("[root] net-crash: crashing %s every %u ms, %s every %u-th time\n",
		vm->dev[d]->name, period, sw->name, NET_SWITCH_EVERY);
	inject_crashes_two(vm->dev[d], sw, NET_SWITCH_EVERY, period, NET_CRASHES);
	if ((up = net_uplink_server(vm->spec.dev[d].net_name))) {
		srv_set_policy(up, &net_policy);
		kprintf("[root] net-crash: and %s every %u-th time\n", up->name, NET_UPLINK_EVERY);
		inject_crashes_third(up, NET_UPLINK_EVERY);
	}
}

static uint64_t net_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	vmrun_report(s, kind, value, text);
	return KEEL_REPORT_CONTINUE;
}

static void net_faulted(struct server *s)
{
	(void)s; /* logged and restarted by root; the guests' checks judge */
}

const struct scenario scenario_net_crash = { .name = "net-crash", .start = net_start,
					     .report = net_report, .faulted = net_faulted };
