/*
 * VM restart and benchmark scenarios: one VM as in scn_vm.c whose PL011
 * server the test root crashes on its timer while the guest writes
 * (inject.c: root's own srv_crash, no hook in the server), from the
 * moment the VMM reports the guest started: vm-restart every 20 ms, 3
 * times; vm-restart-load and vm-restart-post VMB_LOAD_PERIOD_MS after
 * each restart (inject.c) until the guest is done (thousands of crashes under its lines: a
 * retried DR write applied twice once doubled a character, issue 16);
 * vm-bench once, after 1 ms. Root restarts
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
 *   vm-restart-load  guest-seq  seq (guest: lines until a key is typed,
 *                            then it powers off), vm-restart-load (root,
 *                            when it does). Root crashes the server every
 *                            VMB_LOAD_PERIOD_MS; after VMB_LOAD_CRASHES it
 *                            prints "[root] vm-restart-load: N crashes
 *                            made", then "[root] a key typed now ends
 *                            the stream", run.sh types one, root goes on
 *                            crashing until the guest is off and prints
 *                            "...: N crashes of vm1-pl011 while the guest
 *                            wrote" (riscv64: vm1-ns16550, the 16550's
 *                            server, scn_seq_uart). The UART has no post
 *                            page: every
 *                            access is a numbered request, the path where
 *                            a crash between commit and reply makes the
 *                            VMM retry (uart_is_retry answers the retry).
 *                            check-seq.sh checks the output
 *   vm-restart-post  guest-seq  the same, VMB_POST_CRASHES crashes, through
 *                            the post page as every VM's first UART has
 *                            it (the queue taken one line per commit).
 *                            Parameters of both (scn_param): period_ms=,
 *                            crashes= (before the key), post=0|1
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
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "scenario.h"

#define VMB_RESTARTS 3u
/* The load runs: the guest writes until a key is typed (at most
 * VMB_LOAD_LINES lines), a crash every VMB_LOAD_PERIOD_MS. With its retry
 * check turned off, the server without a post page doubled 3 to 16
 * characters in 2,000 crashes (three runs). */
#define VMB_LOAD_LINES 100000u
#define VMB_LOAD_PERIOD_MS 2u
#define VMB_LOAD_CRASHES 2000u
#define VMB_POST_CRASHES 1000u

/* One run: the guest, its command line, root's crashes. */
struct vmb_run {
	const char *scn, *guest, *cmdline;
	unsigned crashes;   /* in all (the load runs: until the guest is done) */
	unsigned period_ms; /* one every period_ms */
	unsigned at_least;  /* made before the guest powered off, or the run fails;
			     * the load runs: before the key that stops it */
	bool load;          /* no line per restart; the guest's power-off judges */
	bool no_post;       /* the PL011 without a post page (vm_dev_spec) */
};

static const struct vmb_run *vmb;
static struct vm *vmb_vm;
static bool vmb_bench;
static unsigned vmb_timed;
static uint64_t vmb_ns_sum, vmb_ns_max; /* the load runs' restart times */

/* No back-off and no limit: the load runs crash it thousands of times. */
static const struct srv_policy vmb_policy = { .max_restarts = 1000000 };

static void vmb_start(const struct vmb_run *run)
{
	struct vm_spec spec = {
		.name = "vm1", .image = run->guest, .cmdline = run->cmdline,
		.ram_base = 0x40000000ull,
		.ram_size = 64ull << 20, .cpu = root_boot_info()->ncpus > 1 ? 1 : 0,
		.ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09000000ull,
			   .size = 0x1000, .intid = 33 },
			 /* vm-bench: the same device without an MMIO route, every
			  * access through the VMM, to measure both routes */
			 { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09001000ull,
			   .size = 0x1000, .via_vmm = true } },
	};
	if (strcmp(run->guest, "guest-bench") == 0)
		spec.ndev = 2;
	else
		spec.dev[0] = scn_seq_uart;
	spec.dev[0].restart = &vmb_policy;
	spec.dev[0].no_post = run->no_post;
	vmb = run;
	if (!(vmb_vm = vm_create(&spec)) || !vm_start(vmb_vm)) {
		scn_fail(run->scn, "cannot create or start VM %s with %s", spec.name, run->guest);
		scn_done();
	}
}

static void vmb_fail(const char *who, const char *why)
{
	scn_fail(vmb->scn, "%s: %s", who, why);
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
	if (vmb->load) { /* boot/fault.c's lines show each; the power-off judges */
		vmb_ns_sum += value;
		vmb_ns_max = value > vmb_ns_max ? value : vmb_ns_max;
		if (vmb_timed == vmb->at_least) {
			kprintf("[root] %s: %u crashes made\n", vmb->scn, vmb_timed);
			/* run.sh types the key on this line: a line of its own
			 * (docs/console.md, "One writer") */
			kputs("[root] a key typed now ends the stream\n");
		}
		return;
	}
	kprintf("[root] %s restarts %u, restart time %lu instructions\n", s->name,
		s->restarts, (unsigned long)value);
	if (vmb_timed == VMB_RESTARTS)
		scn_pass(vmb->scn);
}

/* The guest powered off (or stopped otherwise): its crashes are over. */
static void vmb_stopped(uint64_t value, const char *text)
{
	inject_stop();
	vm_stop(vmb_vm);
	if (value != KEEL_VM_STOP_OFF) {
		vmb_fail("VM stopped", text);
		return;
	}
	if (vmb->load && vmb_timed)
		kprintf("[root] %s: %u crashes of %s while the guest wrote, each %u ms "
			"after the last restart; restart time mean %lu us, max %lu us\n",
			vmb->scn, vmb_timed, vmb_vm->dev[0]->name, vmb->period_ms,
			(unsigned long)(vmb_ns_sum / vmb_timed / 1000),
			(unsigned long)(vmb_ns_max / 1000));
	else if (vmb->load) /* the count check-seq.sh reads, even when it is 0 */
		kprintf("[root] %s: 0 crashes of %s while the guest wrote\n", vmb->scn,
			vmb_vm->dev[0]->name);
	if (vmb_timed < vmb->at_least) {
		vmb_fail(vmb_vm->name, "the guest was done before the PL011 server "
			 "was crashed and restarted often enough");
		return;
	}
	scn_pass(vmb->scn);
	scn_done();
}

static uint64_t vmb_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	bool from_vmm = vmb_vm && s == vmb_vm->vmm;
	if (kind == KEEL_REPORT_READY && from_vmm) {
		kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
		inject_crashes(vmb_vm->dev[0], vmb->period_ms, vmb->crashes);
	} else if (kind == KEEL_REPORT_VM_STOPPED && from_vmm) {
		vmb_stopped(value, text);
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

static void vm_restart(void)
{
	static const struct vmb_run run = { .scn = "vm-restart", .guest = "guest-seq",
					    .crashes = VMB_RESTARTS, .period_ms = 20,
					    .at_least = VMB_RESTARTS };
	vmb_start(&run);
}

/* Issue 16's bug 5 (a retried DR write applied twice doubled a character,
 * 7 times in 150 crashes) wants many crashes under much output. */
static void vmb_load(const char *scn, unsigned crashes, bool post)
{
	static char cmdline[48];
	static struct vmb_run run = { .guest = "guest-seq", .cmdline = cmdline,
				      .crashes = 10000000, .load = true };
	run.scn = scn;
	run.period_ms = (unsigned)scn_param("period_ms", VMB_LOAD_PERIOD_MS);
	run.at_least = (unsigned)scn_param("crashes", crashes);
	run.no_post = scn_param("post", post) == 0;
	snprintf(cmdline, sizeof(cmdline), "lines=%u key=1 off=1", VMB_LOAD_LINES);
	kprintf("[root] %s: the seq guest's UART server %s post page crashed every %u ms "
		"while the guest writes, %u times before a key stops it\n", scn,
		run.no_post ? "without a" : "with its", run.period_ms, run.at_least);
	vmb_start(&run);
}

static void vm_restart_load(void) { vmb_load("vm-restart-load", VMB_LOAD_CRASHES, false); }
static void vm_restart_post(void) { vmb_load("vm-restart-post", VMB_POST_CRASHES, true); }

static void vm_bench(void)
{
	static const struct vmb_run run = { .scn = "vm-bench", .guest = "guest-bench",
					    .crashes = 1, .period_ms = 1, .at_least = 1 };
	vmb_bench = true;
	vmb_start(&run);
}

const struct scenario scenario_vm_restart = {
	.name = "vm-restart", .start = vm_restart, .report = vmb_report,
	.faulted = vmb_faulted,
};
const struct scenario scenario_vm_restart_load = {
	.name = "vm-restart-load", .start = vm_restart_load, .report = vmb_report,
	.faulted = vmb_faulted,
};
const struct scenario scenario_vm_restart_post = {
	.name = "vm-restart-post", .start = vm_restart_post, .report = vmb_report,
	.faulted = vmb_faulted,
};
const struct scenario scenario_vm_bench = {
	.name = "vm-bench", .start = vm_bench, .report = vmb_report,
	.faulted = vmb_faulted,
};
