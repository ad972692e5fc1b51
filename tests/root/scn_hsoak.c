/*
 * test=vm-hostile-soak: the hostile guest at scale beside a VM that must
 * keep its heartbeat (make soak: tests/system/hsoak.sh; docs/vm.md).
 *
 *   vm1  guest-hostile with "soak ops=N" (N: ops= on the kernel command
 *        line, default HSOAK_OPS), two vCPUs: its VMM, PL011 server and
 *        vCPU 0 on CPU 1, vCPU 1 on CPU 0. vCPU 0 makes the N operations
 *        of the storm (tests/guests/hostile.c), vCPU 1 floods SGIs, storms
 *        WFI/WFE and makes PSCI calls with bad arguments
 *        (tests/guests/hostile_soak.c); then the guest powers off.
 *   vm2  guest-beat on CPU 0, beside vm1's vCPU 1 and root: a line with
 *        its own millisecond timestamp every 100 ms.
 *
 * Root passes the scenario when vm1 powers off (its VMM prints the exits
 * it took as it stops) and leaves vm2 running, so the script can see it
 * beat after that; it fails the scenario on any other stop or a failure
 * report. The script checks the largest gap between vm2's beats.
 */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include "scenario.h"

#define HSOAK_OPS 20000u
#define HSOAK_RAM_BASE 0x40000000ull
#define HSOAK_RAM_SIZE (64ull << 20)
#define HSOAK_PL011 0x09000000ull
#define HSOAK_PL011_SPI 33u

static struct vm *hs_vm[2];

static void hs_fail(const char *why)
{
	scn_fail("vm-hostile-soak", "%s", why);
	scn_done();
}

static struct vm *hs_create(const char *name, const char *image, const char *cmdline,
			    unsigned cpu, unsigned vcpus)
{
	const struct vm_spec spec = {
		.name = name, .image = image, .cmdline = cmdline,
		.ram_base = HSOAK_RAM_BASE, .ram_size = HSOAK_RAM_SIZE,
		.cpu = cpu, .vcpus = vcpus, .ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = HSOAK_PL011,
			   .size = 0x1000, .intid = HSOAK_PL011_SPI } },
	};
	return vm_create(&spec);
}

static void hsoak_start(void)
{
	static char cmdline[48];
	uint64_t ops = scn_param("ops", HSOAK_OPS);
	unsigned two = root_boot_info()->ncpus > 1;
	snprintf(cmdline, sizeof(cmdline), "soak ops=%lu", (unsigned long)ops);
	kprintf("[root] vm-hostile-soak: %lu operations on vm1's vCPU 0, vm2 beating\n",
		(unsigned long)ops);
	if (!(hs_vm[0] = hs_create("vm1", "guest-hostile", cmdline, two ? 1 : 0, 2)) ||
	    !(hs_vm[1] = hs_create("vm2", "guest-beat", NULL, 0, 1))) {
		hs_fail("cannot create the VMs");
		return;
	}
	if (!vm_start(hs_vm[1]) || !vm_start(hs_vm[0]))
		hs_fail("cannot start the VMs");
}

static uint64_t hsoak_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	if (kind == KEEL_REPORT_VM_STOPPED && hs_vm[0] && s == hs_vm[0]->vmm) {
		vm_stop(hs_vm[0]);
		if (value == KEEL_VM_STOP_OFF) {
			/* no scn_done: vm2 beats on, which the script wants to
			 * see, and stops QEMU */
			scn_pass("vm-hostile-soak");
		} else {
			scn_fail("vm-hostile-soak", "VM vm1 stopped: %s", text);
			scn_done();
		}
	} else if (kind == KEEL_REPORT_VM_STOPPED) {
		hs_fail("the beating VM stopped");
	} else if (kind == KEEL_REPORT_FAIL) {
		scn_fail("vm-hostile-soak", "%s: %s", s->name, text);
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_vm_hostile_soak = {
	.name = "vm-hostile-soak", .start = hsoak_start, .report = hsoak_report,
};
