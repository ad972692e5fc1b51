/*
 * VM scenarios (docs/vm.md): one VM — 64 MiB of RAM at 0x40000000, a
 * PL011 at 0x09000000 on SPI 33, as on QEMU's virt board — runs one test
 * guest from the boot modules (tests/guests/, packed as "guest-<name>").
 * The guest prints its own "[test] PASS/FAIL" markers through the PL011
 * server (prefixed "[vm1] "); the scenario passes when the guest powers
 * off with PSCI SYSTEM_OFF and the VMM reports it.
 *
 *   test=          guest           guest markers (tests/system/run.sh)
 *   vm-hello       guest-uart      uart
 *   vm-abort       guest-abort     abort-read abort-write abort-resume
 *   vm-hvc         guest-hvc       hvc-psci-version hvc-unknown
 *   vm-timer       guest-timer     timer
 *   vm-mem         guest-mem       mem
 *   vm-scan        guest-scan      scan-secret scan
 *   vm-hostile     guest-hostile   hostile-done (then heartbeats, no power-off)
 *   vm-uirq        guest-uirq      uirq: the PL011's interrupt reaches the guest
 *   vm-devrestart  guest-uart      uart, with the PL011 server restarted as the
 *                                  guest starts (its state page carries over)
 *   vm-sbi         guest-sbi       riscv64 (tests/guests/arch/riscv64/sbi.c): two
 *                                  vCPUs, the 16550 at 0x10000000 on PLIC source
 *                                  10 (QEMU virt's UART), a PL011 at 0x10001000
 *                                  on 11; its SBI calls, MMIO devices, a bad
 *                                  access, both UARTs' interrupts through the
 *                                  VMM's PLIC, power-off
 *   vm-sbi-restart guest-sbi       the same, the 16550's server restarted as the
 *                                  guest starts
 */
#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include "scenario.h"

#define GUEST_RAM_BASE 0x40000000ull
#define GUEST_RAM_SIZE (64ull << 20)
#define GUEST_PL011 0x09000000ull
#define GUEST_PL011_SPI 33u

static const char *vmt_name;
static struct vm *vmt_vm;
static bool vmt_restart_dev;

/* The VM runs on CPU 1 when there is one: its exits run beside root, and
 * its reports cross CPUs. */
static void vmt_run(const char *scn, const struct vm_spec *spec)
{
	vmt_name = scn;
	if (!(vmt_vm = vm_create(spec)) || !vm_start(vmt_vm)) {
		scn_fail(scn, "cannot create or start VM %s with %s", spec->name, spec->image);
		scn_done();
	}
}

static void vmt_start(const char *scn, const char *guest)
{
	const struct vm_spec spec = {
		.name = "vm1", .image = guest, .ram_base = GUEST_RAM_BASE,
		.ram_size = GUEST_RAM_SIZE, .cpu = root_boot_info()->ncpus > 1 ? 1 : 0,
		.ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = GUEST_PL011,
			   .size = 0x1000, .intid = GUEST_PL011_SPI } },
	};
	vmt_run(scn, &spec);
}

static void vmt_ready(struct server *s, uint64_t entry, const char *text)
{
	kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)entry);
	if (vmt_restart_dev && srv_restart(vmt_vm->dev[0]))
		kprintf("[root] restarted %s under the running guest\n", vmt_vm->dev[0]->name);
}

static void vmt_stopped(uint64_t why, const char *text)
{
	vm_stop(vmt_vm);
	if (why == KEEL_VM_STOP_OFF)
		scn_pass(vmt_name);
	else
		scn_fail(vmt_name, "VM %s stopped: %s", vmt_vm->name, text);
	scn_done();
}

static uint64_t vmt_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	bool from_vmm = vmt_vm && s == vmt_vm->vmm;
	if (kind == KEEL_REPORT_READY && from_vmm) {
		vmt_ready(s, value, text);
	} else if (kind == KEEL_REPORT_VM_STOPPED && from_vmm) {
		vmt_stopped(value, text);
	} else if (kind == KEEL_REPORT_FAIL) {
		scn_fail(vmt_name, "%s: %s", s->name, text);
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

static void vm_hello(void) { vmt_start("vm-hello", "guest-uart"); }
static void vm_abort(void) { vmt_start("vm-abort", "guest-abort"); }
static void vm_hvc(void) { vmt_start("vm-hvc", "guest-hvc"); }
static void vm_timer(void) { vmt_start("vm-timer", "guest-timer"); }
static void vm_mem(void) { vmt_start("vm-mem", "guest-mem"); }
static void vm_scan(void) { vmt_start("vm-scan", "guest-scan"); }
static void vm_hostile(void) { vmt_start("vm-hostile", "guest-hostile"); }
static void vm_uirq(void) { vmt_start("vm-uirq", "guest-uirq"); }

/* The riscv64 guest: the 16550 where QEMU virt has its UART, on the
 * same PLIC source, and a PL011 beside it (tests/guests/arch/riscv64/
 * sbi.c's UART_SOURCE and PL011_SOURCE). */
static void vm_sbi_run(const char *scn)
{
	const struct vm_spec spec = {
		.name = "vm1", .image = "guest-sbi", .ram_base = GUEST_RAM_BASE,
		.ram_size = GUEST_RAM_SIZE, .cpu = root_boot_info()->ncpus > 1 ? 1 : 0,
		.vcpus = 2, .ndev = 2,
		.dev = { { .prog = "ns16550", .kind = KEEL_VM_DEV_NS16550, .base = 0x10000000,
			   .size = 0x1000, .intid = 10 },
			 { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x10001000,
			   .size = 0x1000, .intid = 11 } },
	};
	vmt_run(scn, &spec);
}

static void vm_sbi(void) { vm_sbi_run("vm-sbi"); }

/* The same with the 16550's server restarted as the guest starts: it
 * resumes from its state page, and the guest's line still comes once. */
static void vm_sbi_restart(void)
{
	vmt_restart_dev = true;
	vm_sbi_run("vm-sbi-restart");
}

static void vm_devrestart(void)
{
	vmt_restart_dev = true;
	vmt_start("vm-devrestart", "guest-uart");
}

/* Every VM scenario judges reports the same way (vmt_report). */
#define VM_SCN(fn, scn) { .name = scn, .start = fn, .report = vmt_report }
const struct scenario scenario_vm_hello = VM_SCN(vm_hello, "vm-hello");
const struct scenario scenario_vm_abort = VM_SCN(vm_abort, "vm-abort");
const struct scenario scenario_vm_hvc = VM_SCN(vm_hvc, "vm-hvc");
const struct scenario scenario_vm_timer = VM_SCN(vm_timer, "vm-timer");
const struct scenario scenario_vm_mem = VM_SCN(vm_mem, "vm-mem");
const struct scenario scenario_vm_scan = VM_SCN(vm_scan, "vm-scan");
const struct scenario scenario_vm_hostile = VM_SCN(vm_hostile, "vm-hostile");
const struct scenario scenario_vm_uirq = VM_SCN(vm_uirq, "vm-uirq");
const struct scenario scenario_vm_devrestart = VM_SCN(vm_devrestart, "vm-devrestart");
const struct scenario scenario_vm_sbi = VM_SCN(vm_sbi, "vm-sbi");
const struct scenario scenario_vm_sbi_restart = VM_SCN(vm_sbi_restart, "vm-sbi-restart");
