/*
 * Two VMs at once (docs/vm.md, "Several VMs"). Each VM has its own
 * stage-2 space, RAM, vCPU thread, VMM and PL011 server, built by
 * vm_create exactly as a single VM is; the consoles share the serial
 * line, each guest line prefixed "[vm1] " or "[vm2] " (the PL011 server
 * writes a whole line at once). Both VMs run on CPU 0, beside root: the
 * two vCPU threads have the same priority and take turns by time slice, so
 * one guest cannot starve the other. The console takes one character per
 * system call, so writers on two CPUs could mix within a line; on one CPU
 * a line (a PL011 server's, a VMM's or root's) is written out before
 * another console writer runs (root, 255, only wakes for a message from a
 * thread that is running, not printing; the servers at 150 only run when
 * called).
 *
 *   test=          vm1              vm2              checked (run.sh)
 *   vm-two         guest-uart       guest-uart       uart from each VM
 *   vm-isolation   guest-scan       guest-scan       scan-secret, scan from each
 *                  (a probe device server each)      VM; devserver-isolation
 *   vm-hostile2    guest-hostile    guest-hostile    vm1 hostile-done, then a
 *                                                    vm2 heartbeat after it
 *   vm-poweroff    (busy)           guest-off        vm2 poweroff; root's
 *                                                    vm-stop; then a vm1
 *                                                    heartbeat after it; vm3
 *                                                    (guest-uart) made in
 *                                                    vm2's freed RAM: vm-reuse
 *   vm-reset       (busy)           guest-reset      vm2 starts three times
 *                                                    (SYSTEM_RESET rebuilds
 *                                                    it); vm-reset; vm1 keeps
 *                                                    its heartbeat
 *
 * (busy) is scn_guest_busy, a guest that keeps a heartbeat: aarch64's
 * hostile guest (after its storm), riscv64's pulse. The guests are each
 * architecture's own builds of the same names (SYSTEM_OFF and
 * SYSTEM_RESET are PSCI's or SBI SRST's); vm-hostile2 is aarch64's only.
 *
 * devserver-isolation (root prints it): each VM's probe, a test server in
 * a device slot of its own with what every device server gets
 * (tests/servers/probe.c), found no frame capability in its CNode and no
 * map, copy or mint through any slot worked; and root, going
 * through every slot of every device server's CNode, found no frame whose
 * physical address lies in any VM's RAM (vm->ram_pa_lo..hi, noted as
 * vm_create made the frames).
 *
 * A guest that powers off (PSCI SYSTEM_OFF) ends only its own VM: root
 * destroys its vCPU threads, VMM, device servers and RAM (vm_destroy; the
 * other VM's threads are not touched) and prints "[test] PASS vm-stop:
 * ..."; one that resets is destroyed and built again; the scenario passes
 * once every VM has powered off, and fails if one stops any other way.
 * Most test guests never power off, so run.sh judges these scenarios by
 * their markers.
 */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "scenario.h"

#define V2_RAM_BASE 0x40000000ull
#define V2_RAM_SIZE (64ull << 20)
#define V2_PL011 0x09000000ull
#define V2_PL011_SPI 33u
#define V2_PROBE 0x09100000ull
#define V2_NVM 2u

static const char *v2_name;
static struct vm *v2_vm[V2_NVM];
static bool v2_off[V2_NVM];
static unsigned v2_resets[V2_NVM];
static bool v2_reused;
static unsigned v2_probes; /* probe PASS reports received */

#define v2_fail(...)                              \
	do {                                      \
		scn_fail(v2_name, __VA_ARGS__); \
		scn_done();                      \
	} while (0)

static void v2_start(const char *scn, const char *guest1, const char *guest2, bool probe)
{
	const char *guest[V2_NVM] = { guest1, guest2 };
	static const char *const name[V2_NVM] = { "vm1", "vm2" };
	v2_name = scn;
	for (unsigned i = 0; i < V2_NVM; i++) {
		const struct vm_spec spec = {
			.name = name[i], .image = guest[i], .ram_base = V2_RAM_BASE,
			.ram_size = V2_RAM_SIZE,
			.cpu = 0, .ndev = probe ? 2 : 1,
			.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = V2_PL011,
				   .size = 0x1000, .intid = V2_PL011_SPI },
				 /* the probe in a device slot of its own, at a
				  * window the guest never touches */
				 { .prog = "probe", .kind = KEEL_VM_DEV_PL011, .base = V2_PROBE,
				   .size = 0x1000, .intid = 0 } },
		};
		if (!(v2_vm[i] = vm_create(&spec))) {
			v2_fail("cannot create VM %s with %s", name[i], guest[i]);
			return;
		}
	}
	for (unsigned i = 0; i < V2_NVM; i++)
		if (!vm_start(v2_vm[i])) {
			v2_fail("cannot start VM %s", v2_vm[i]->name);
			return;
		}
}

/* Root's check: copy each slot of each device server's CNode out, and
 * refuse any frame in some VM's RAM. Returns false (why filled) on one. */
static bool v2_devcheck(char *why, size_t size, unsigned *nframes)
{
	static uint64_t tmp;
	*nframes = 0;
	if (!tmp && !(tmp = root_alloc_slot())) {
		snprintf(why, size, "no root slot for the check");
		return false;
	}
	for (unsigned a = 0; a < V2_NVM; a++)
		for (unsigned d = 0; d < v2_vm[a]->ndev; d++) {
			struct server *s = v2_vm[a]->dev[d];
			for (uint64_t i = 0; i < (1u << KEEL_SRV_CNODE_BITS); i++) {
				uint64_t pa;
				bool frame;
				/* READ only: invoking a copied endpoint must not call it
				 * (slot 1 is root's own report endpoint) */
				if (keel_cnode_copy(KEEL_ROOT_CNODE, tmp, s->cnode, i, KEEL_R_READ) !=
				    KEEL_OK)
					continue;
				frame = keel_frame_address(tmp, &pa) == KEEL_OK;
				keel_cnode_delete(KEEL_ROOT_CNODE, tmp);
				if (!frame)
					continue;
				(*nframes)++;
				for (unsigned b = 0; b < V2_NVM; b++)
					if (pa >= v2_vm[b]->ram_pa_lo && pa < v2_vm[b]->ram_pa_hi) {
						snprintf(why, size, "%s holds a frame of %s's RAM "
							 "(pa 0x%lx) in slot %lu", s->name,
							 v2_vm[b]->name, (unsigned long)pa,
							 (unsigned long)i);
						return false;
					}
			}
		}
	return true;
}

static void v2_probe_passed(void)
{
	char why[160]; /* a server name is up to SRV_NAME_MAX */
	unsigned nframes;
	if (++v2_probes < V2_NVM)
		return;
	if (!v2_devcheck(why, sizeof(why), &nframes)) {
		v2_fail("devserver-isolation: %s", why);
		return;
	}
	kprintf("[root] device servers hold %u frame capabilities, none of any VM's RAM "
		"(vm1 RAM pa 0x%lx..0x%lx, vm2 0x%lx..0x%lx)\n", nframes,
		(unsigned long)v2_vm[0]->ram_pa_lo, (unsigned long)v2_vm[0]->ram_pa_hi,
		(unsigned long)v2_vm[1]->ram_pa_lo, (unsigned long)v2_vm[1]->ram_pa_hi);
	scn_pass("devserver-isolation");
}

/* vm-poweroff, after vm2 is gone: vm3 is made where vm2 was, and must get
 * (part of) the very RAM vm2 had: the memory really came back. */
static void v2_reuse(unsigned i)
{
	uint64_t lo = v2_vm[i]->ram_pa_lo, hi = v2_vm[i]->ram_pa_hi;
	const struct vm_spec spec = {
		.name = "vm3", .image = "guest-uart", .ram_base = V2_RAM_BASE,
		.ram_size = V2_RAM_SIZE, .cpu = 0, .ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = V2_PL011,
			   .size = 0x1000, .intid = V2_PL011_SPI } },
	};
	struct vm *vm = vm_create(&spec);
	v2_reused = true;
	if (!vm || !vm_start(vm)) {
		v2_fail("cannot make vm3 in vm2's place");
		return;
	}
	if (vm->ram_pa_lo >= hi || vm->ram_pa_hi <= lo) {
		v2_fail("vm3's RAM (pa 0x%lx..0x%lx) is not vm2's old RAM (0x%lx..0x%lx)",
			(unsigned long)vm->ram_pa_lo, (unsigned long)vm->ram_pa_hi,
			(unsigned long)lo, (unsigned long)hi);
		return;
	}
	kprintf("[root] vm3 runs in vm2's old RAM, pa 0x%lx..0x%lx\n",
		(unsigned long)vm->ram_pa_lo, (unsigned long)vm->ram_pa_hi);
	scn_pass("vm-reuse");
	v2_vm[i] = vm;
	v2_off[i] = false;
}

/* SYSTEM_RESET: build the VM again, twice; then it is destroyed. */
static void v2_reset(unsigned i)
{
	char what[80];
	if (++v2_resets[i] <= 2) {
		kprintf("[root] VM %s reset (%u): destroyed and built again\n", v2_vm[i]->name,
			v2_resets[i]);
		if (!vm_reset(v2_vm[i]))
			v2_fail("VM %s could not be built again", v2_vm[i]->name);
		return;
	}
	vm_destroy(v2_vm[i]);
	v2_off[i] = true;
	snprintf(what, sizeof(what), "vm-reset: %s came back twice after SYSTEM_RESET",
		 v2_vm[i]->name);
	scn_pass(what);
}

/* SYSTEM_OFF ends only that VM: its servers and memory are destroyed. The
 * scenario is over when all are off. */
static void v2_stopped(unsigned i, uint64_t why, const char *text)
{
	char what[80];
	if (why == KEEL_VM_STOP_RESET) {
		v2_reset(i);
		return;
	}
	vm_destroy(v2_vm[i]);
	if (why != KEEL_VM_STOP_OFF) {
		v2_fail("VM %s stopped: %s", v2_vm[i]->name, text);
		return;
	}
	v2_off[i] = true;
	snprintf(what, sizeof(what), "vm-stop: %s powered off and is destroyed", v2_vm[i]->name);
	scn_pass(what);
	if (v2_name[3] == 'p' && !v2_reused) { /* vm-poweroff */
		v2_reuse(i);
		return;
	}
	for (unsigned j = 0; j < V2_NVM; j++)
		if (!v2_off[j])
			return;
	scn_pass(v2_name);
	scn_done();
}

static uint64_t v2_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	for (unsigned i = 0; i < V2_NVM; i++) {
		if (!v2_vm[i] || s != v2_vm[i]->vmm)
			continue;
		if (kind == KEEL_REPORT_READY)
			kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
		else if (kind == KEEL_REPORT_VM_STOPPED)
			v2_stopped(i, value, text);
	}
	if (kind == KEEL_REPORT_PASS) {
		scn_pass(text);
		v2_probe_passed();
	} else if (kind == KEEL_REPORT_FAIL) {
		v2_fail("%s: %s", s->name, text);
	}
	return KEEL_REPORT_CONTINUE;
}

static void vm_two(void) { v2_start("vm-two", "guest-uart", "guest-uart", false); }
static void vm_isolation(void) { v2_start("vm-isolation", "guest-scan", "guest-scan", true); }
static void vm_hostile2(void) { v2_start("vm-hostile2", "guest-hostile", "guest-hostile", false); }
static void vm_poweroff(void) { v2_start("vm-poweroff", scn_guest_busy, "guest-off", false); }
static void vm_reset_scn(void) { v2_start("vm-reset", scn_guest_busy, "guest-reset", false); }

const struct scenario scenario_vm_two = { .name = "vm-two", .start = vm_two,
					  .report = v2_report };
const struct scenario scenario_vm_isolation = { .name = "vm-isolation",
						.start = vm_isolation, .report = v2_report };
const struct scenario scenario_vm_hostile2 = { .name = "vm-hostile2", .start = vm_hostile2,
					       .report = v2_report };
const struct scenario scenario_vm_poweroff = { .name = "vm-poweroff", .start = vm_poweroff,
					       .report = v2_report };
const struct scenario scenario_vm_reset = { .name = "vm-reset", .start = vm_reset_scn,
					    .report = v2_report };
