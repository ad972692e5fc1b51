/*
 * test=vm-hostile-sbi (riscv64): the hostile guest beside a VM that must
 * keep its heartbeat (docs/riscv64.md), aarch64's vm-hostile-soak in
 * riscv64's terms.
 *
 *   vm1  guest-hostile (tests/guests/arch/riscv64/hostile.c), two vCPUs:
 *        its VMM, 16550 server and vCPU 0 on CPU 1, vCPU 1 on CPU 0; the
 *        16550 at 0x10000000 on PLIC source 10 (QEMU virt's UART). Its
 *        command line "ops=N seed=S ram=R": N and S from this scenario's
 *        ops= and seed= on the kernel command line (tests/system/run.sh
 *        passes SYSTEM_ARGS), R its RAM size. It storms, reports its
 *        counts and powers off (SRST).
 *   vm2  guest-beat on CPU 0, beside vm1's vCPU 1 and root: a line every
 *        100 ms with the largest gap so far (a FAIL over its bound).
 *
 * When vm1 powers off root destroys it, prints "[test] PASS vm-hostile-sbi"
 * and builds vm3 (guest-beat again): root still makes VMs. run.sh wants
 * vm1's counts, root's PASS, vm2 beating after it and vm3's first line.
 * Any other stop of a VM, a server's fault or failure report fails the
 * scenario. Root destroys vm1 at its priority on CPU 0, beside vm2: one
 * TLB flush per system call, not per page (kernel/vspace.c), made that
 * 11 ms instead of 0.73 s.
 */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include "scenario.h"

#define RVH_NAME "vm-hostile-sbi"
#define RVH_OPS 20000u
#define RVH_SEED 0x686f7374696c65ull /* the guest's default, "hostile" */
#define RVH_RAM_BASE 0x40000000ull
/* 16 MiB and 64 KiB: not a multiple of 2 MiB, so the VM's RAM is 4 KiB
 * frames (boot/vm.c, ram_frame_bits), the most calls to build and unmaps
 * to destroy; root does both at its priority on CPU 0, beside vm2. */
#define RVH_RAM_SIZE ((16ull << 20) + (64ull << 10))

static struct vm *rvh_vm[3];

static void rvh_fail(const char *fmt, const char *arg)
{
	scn_fail(RVH_NAME, fmt, arg);
	scn_done();
}

static struct vm *rvh_create(const char *name, const char *image, const char *cmdline,
			     unsigned cpu, unsigned vcpus)
{
	const struct vm_spec spec = {
		.name = name, .image = image, .cmdline = cmdline,
		.ram_base = RVH_RAM_BASE, .ram_size = RVH_RAM_SIZE,
		.cpu = cpu, .vcpus = vcpus, .ndev = 1,
		.dev = { { .prog = "ns16550", .kind = KEEL_VM_DEV_NS16550, .base = 0x10000000,
			   .size = 0x1000, .intid = 10 } },
	};
	struct vm *vm = vm_create(&spec);
	if (!vm || !vm_start(vm)) {
		rvh_fail("cannot create or start VM %s", name);
		return NULL;
	}
	return vm;
}

static void rvh_start(void)
{
	static char cmdline[96];
	uint64_t ops = scn_param("ops", RVH_OPS), seed = scn_param("seed", RVH_SEED);
	snprintf(cmdline, sizeof(cmdline), "ops=%lu seed=0x%lx ram=0x%lx trace=%lu",
		 (unsigned long)ops, (unsigned long)seed, (unsigned long)RVH_RAM_SIZE,
		 (unsigned long)scn_param("trace", 0));
	kprintf("[root] %s: vm1 storms (%s), vm2 beats\n", RVH_NAME, cmdline);
	if ((rvh_vm[1] = rvh_create("vm2", "guest-beat", NULL, 0, 1)))
		rvh_vm[0] = rvh_create("vm1", "guest-hostile", cmdline, 0, 2);
}

/* vm1 is off: destroyed, and a new VM is built beside it. */
static void rvh_vm1_off(void)
{
	vm_destroy(rvh_vm[0]);
	rvh_vm[0] = NULL;
	scn_pass(RVH_NAME);
	rvh_vm[2] = rvh_create("vm3", "guest-beat", NULL, 0, 1);
}

static uint64_t rvh_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	if (kind == KEEL_REPORT_VM_STOPPED && rvh_vm[0] && s == rvh_vm[0]->vmm) {
		if (value == KEEL_VM_STOP_OFF)
			rvh_vm1_off();
		else
			rvh_fail("VM vm1 stopped: %s", text);
	} else if (kind == KEEL_REPORT_VM_STOPPED) {
		rvh_fail("a beating VM stopped: %s", text);
	} else if (kind == KEEL_REPORT_FAIL) {
		scn_fail(RVH_NAME, "%s: %s", s->name, text);
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_vm_hostile_sbi = {
	.name = RVH_NAME, .start = rvh_start, .report = rvh_report,
};
