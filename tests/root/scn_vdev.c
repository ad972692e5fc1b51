/*
 * vdev-crash: the VMs of the config blob, as the shipped root builds
 * them (tests/linux/vdev.json, driven by tests/system/linux.sh), while
 * root crashes VM 1's virtio-rng server and, every other period instead,
 * its virtio-console server, every VDEV_PERIOD_MS; and at every
 * VDEV_CON_EVERY-th fault of the virtio-rng server, the console server
 * (which both the PL011's and hvc0's output go through). Reports go on to the
 * shipped root's handling; root prints each crash and restart, which the
 * test counts (linux.sh, step vcrashes).
 *
 * A VM 1 without a virtio-rng (riscv64 has no vrng server:
 * tests/linux/vdev-riscv64.json) gets its virtio-console server crashed
 * alone, as often as beside one (every 2 * VDEV_PERIOD_MS), and the
 * console server at every VDEV_CON_EVERY-th fault of it.
 */
#include <string.h>

#include <keel/print.h>

#include "../../boot/console.h"
#include "../../boot/vm.h"
#include "scenario.h"

#define VDEV_PERIOD_MS 25u
#define VDEV_CRASHES 100000u
#define VDEV_CON_EVERY 8u

static const struct srv_policy vdev_policy = { .max_restarts = 1000000 };
static struct server *vdev_lead;        /* whose faults pace the console server's */
static unsigned vdev_lead_faults;

/* VM 1's device server running program prog, or NULL. */
static struct server *vdev_find(const struct vm *vm, const char *prog)
{
	for (unsigned d = 0; d < vm->ndev && d < vm->spec.ndev; d++)
		if (vm->spec.dev[d].prog && strcmp(vm->spec.dev[d].prog, prog) == 0)
			return vm->dev[d];
	return NULL;
}

static void vdev_start(void)
{
	struct vm *vm;
	struct server *rng, *con;
	vmrun_start();
	vm = vm_by_index(0);
	rng = vm ? vdev_find(vm, "vrng") : NULL;
	con = vm ? vdev_find(vm, "vcon") : NULL;
	if (!con) {
		scn_fail("vdev-crash", "VM 1 needs a virtio-console device");
		scn_done();
		return;
	}
	srv_set_policy(con, &vdev_policy);
	if (console_server())
		srv_set_policy(console_server(), &vdev_policy);
	vdev_lead = rng ? rng : con;
	if (!rng) {
		kprintf("[root] vdev-crash: crashing %s every %u ms, the console server at "
			"every %u-th crash of it\n", con->name, 2 * VDEV_PERIOD_MS, VDEV_CON_EVERY);
		inject_crashes(con, 2 * VDEV_PERIOD_MS, VDEV_CRASHES);
		return;
	}
	srv_set_policy(rng, &vdev_policy);
	kprintf("[root] vdev-crash: crashing %s and %s in turn every %u ms, the console "
		"server at every %u-th crash of %s\n", rng->name, con->name, VDEV_PERIOD_MS,
		VDEV_CON_EVERY, rng->name);
	inject_crashes_two(rng, con, 2, VDEV_PERIOD_MS, VDEV_CRASHES);
}

static uint64_t vdev_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	vmrun_report(s, kind, value, text);
	return KEEL_REPORT_CONTINUE;
}

/* Logged and restarted by root; the guest's steps judge. */
static void vdev_faulted(struct server *s)
{
	struct server *c = console_server();
	if (s != vdev_lead || ++vdev_lead_faults % VDEV_CON_EVERY)
		return;
	if (c && c->state == SRV_RUNNING && !c->restart_due)
		srv_crash(c);
}

const struct scenario scenario_vdev_crash = { .name = "vdev-crash", .start = vdev_start,
					      .report = vdev_report, .faulted = vdev_faulted };
