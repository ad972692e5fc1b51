/*
 * test=vm-smp: one VM with two vCPUs (docs/vm.md) running guest-smp
 * (tests/guests/smp.c): 64 MiB of RAM at 0x40000000 and a PL011 on SPI
 * 33, as in tests/root/scn_vm.c. The VMM, its PL011 server and vCPU 0 run on
 * CPU 1 when there is one, vCPU 1 on CPU 0 beside root, so the guest's
 * SGIs cross physical CPUs both ways: to a vCPU running on the other CPU,
 * and to one parked there in WFI.
 *
 * The guest prints its markers (smp-psci ... smp, tests/system/run.sh)
 * and powers off; root prints "[test] PASS vm-smp" when the VMM reports
 * SYSTEM_OFF, and fails the scenario on any other stop.
 */
#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include "scenario.h"

#define SMP_RAM_BASE 0x40000000ull
#define SMP_RAM_SIZE (64ull << 20)
#define SMP_PL011 0x09000000ull
#define SMP_PL011_SPI 33u
#define SMP_VCPUS 2u

static struct vm *smp_vm;

static void vm_smp(void)
{
	const struct vm_spec spec = {
		.name = "vm1", .image = "guest-smp", .ram_base = SMP_RAM_BASE,
		.ram_size = SMP_RAM_SIZE, .cpu = root_boot_info()->ncpus > 1 ? 1 : 0,
		.vcpus = SMP_VCPUS, .ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = SMP_PL011,
			   .size = 0x1000, .intid = SMP_PL011_SPI } },
	};
	if (!(smp_vm = vm_create(&spec)) || !vm_start(smp_vm)) {
		scn_fail("vm-smp", "cannot create or start VM %s with guest-smp", spec.name);
		scn_done();
	}
}

static uint64_t smp_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	bool from_vmm = smp_vm && s == smp_vm->vmm;
	if (kind == KEEL_REPORT_READY && from_vmm) {
		kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
	} else if (kind == KEEL_REPORT_VM_STOPPED && from_vmm) {
		vm_stop(smp_vm);
		if (value == KEEL_VM_STOP_OFF)
			scn_pass("vm-smp");
		else
			scn_fail("vm-smp", "VM %s stopped: %s", smp_vm->name, text);
		scn_done();
	} else if (kind == KEEL_REPORT_FAIL) {
		scn_fail("vm-smp", "%s: %s", s->name, text);
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_vm_smp = { .name = "vm-smp", .start = vm_smp,
					  .report = smp_report };
