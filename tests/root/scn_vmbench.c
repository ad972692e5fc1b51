/*
 * VM restart and benchmark scenarios: one VM as in scn_vm.c whose PL011
 * server the test root crashes on its timer while the guest writes
 * (inject.c: root's own srv_crash, no hook in the server), from the
 * moment the VMM reports the guest started: vm-restart every 20 ms, 3
 * times; vm-bench once, after 1 ms. Root restarts
 * it from its image on each fault (boot/fault.c); the state page carries
 * the registers over and the VMM makes the cancelled call again on the
 * new instance, so every character is printed exactly once. Each restart
 * is timed from the crash to the restarted server running again.
 *
 *   test=       guest        markers
 *   vm-restart  guest-seq    seq (guest), vm-restart (root, after
 *                            VMB_RESTARTS restarts, each timed, before the
 *                            guest is done); tests/system/check-seq.sh
 *                            checks the output
 *   vm-bench    guest-bench  bench (guest): prints "bench hypercall_roundtrip",
 *                            "bench mmio_device_roundtrip" (the PL011 at
 *                            0x09000000, routed to its server), "bench
 *                            mmio_posted_read" (its FR, from the post
 *                            page) and "bench
 *                            mmio_vmm_device_roundtrip" (a second PL011 at
 *                            0x09001000, through the VMM); root prints
 *                            "bench device_restart" (tools/bench.sh).
 *                            riscv64's guest-bench (tests/guests/arch/
 *                            riscv64/bench.c) takes the same devices
 *                            (PLIC source 33) and prints the same names,
 *                            its hypercall an SBI call
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "scenario.h"

#define VMB_RESTARTS 3u

static const char *vmb_name;
static struct vm *vmb_vm;
static bool vmb_bench;
static unsigned vmb_timed, vmb_crashes, vmb_period_ms;

static void vmb_start(const char *scn, const char *guest, unsigned crashes, unsigned period_ms)
{
	struct vm_spec spec = {
		.name = "vm1", .image = guest, .ram_base = 0x40000000ull,
		.ram_size = 64ull << 20, .cpu = root_boot_info()->ncpus > 1 ? 1 : 0,
		.ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09000000ull,
			   .size = 0x1000, .intid = 33 },
			 /* vm-bench: the same device without an MMIO route, every
			  * access through the VMM, to measure both routes */
			 { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09001000ull,
			   .size = 0x1000, .via_vmm = true } },
	};
	if (strcmp(guest, "guest-bench") == 0)
		spec.ndev = 2;
	vmb_name = scn;
	vmb_crashes = crashes;
	vmb_period_ms = period_ms;
	if (!(vmb_vm = vm_create(&spec)) || !vm_start(vmb_vm)) {
		scn_fail(scn, "cannot create or start VM %s with %s", spec.name, guest);
		scn_done();
	}
}

static void vmb_fail(const char *who, const char *why)
{
	scn_fail(vmb_name, "%s: %s", who, why);
	scn_done();
}

/* The crashed PL011 server runs again: time since its crash. */
static void vmb_restart_timed(struct server *s, uint64_t value)
{
	vmb_timed++;
	if (vmb_bench) {
		kprintf("bench device_restart %lu instructions\n", (unsigned long)value);
		return;
	}
	kprintf("[root] %s restarts %u, restart time %lu instructions\n", s->name,
		s->restarts, (unsigned long)value);
	if (vmb_timed == VMB_RESTARTS)
		scn_pass(vmb_name);
}

static uint64_t vmb_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	bool from_vmm = vmb_vm && s == vmb_vm->vmm;
	if (kind == KEEL_REPORT_READY && from_vmm) {
		kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
		inject_crashes(vmb_vm->dev[0], vmb_period_ms, vmb_crashes);
	} else if (kind == KEEL_REPORT_VM_STOPPED && from_vmm) {
		vm_stop(vmb_vm);
		if (value != KEEL_VM_STOP_OFF)
			return vmb_fail("VM stopped", text), KEEL_REPORT_CONTINUE;
		if (vmb_timed < vmb_crashes)
			return vmb_fail(vmb_vm->name, "the guest was done before the PL011 server "
				       "was crashed and restarted often enough"),
			       KEEL_REPORT_CONTINUE;
		scn_pass(vmb_name);
		scn_done();
	} else if (kind == KEEL_REPORT_FAIL) {
		vmb_fail(s->name, text);
	}
	return KEEL_REPORT_CONTINUE;
}

/* boot/fault.c has logged the fault and restarted the server already. */
static void vmb_faulted(struct server *s)
{
	if (!vmb_vm || s != vmb_vm->dev[0] || s->state != SRV_RUNNING)
		vmb_fail(s->name, "faulted (not the PL011 under test)");
	else
		vmb_restart_timed(s, inject_since_ns());
}

static void vm_restart(void) { vmb_start("vm-restart", "guest-seq", VMB_RESTARTS, 20); }

static void vm_bench(void)
{
	vmb_bench = true;
	vmb_start("vm-bench", "guest-bench", 1, 1);
}

const struct scenario scenario_vm_restart = {
	.name = "vm-restart", .start = vm_restart, .report = vmb_report,
	.faulted = vmb_faulted,
};
const struct scenario scenario_vm_bench = {
	.name = "vm-bench", .start = vm_bench, .report = vmb_report,
	.faulted = vmb_faulted,
};
