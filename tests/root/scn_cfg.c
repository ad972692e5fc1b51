/*
 * Config scenarios on the target.
 *
 *   cfg             the loader and cJSON as root links them (musl, static,
 *                   cJSON on vmconfig.c's static heap) parse the boot module
 *                   "cfg-test.json" (tests/config/good/default.json, packed
 *                   by config/config.mk): both VMs become specs with the
 *                   file's values; with 300 MiB for guests the second is
 *                   refused by the memory check; a broken text gives its
 *                   located error and no spec
 *   restart-policy  per-server restart policies in root's fault handler:
 *                   a server with policy "never" stays down after its first
 *                   fault; one allowed 2 restarts per minute with a 200 ms
 *                   back-off is restarted twice, each time after the back-off,
 *                   and stays down after its third fault
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "scenario.h"

#define MIB (1024ull * 1024ull)

/* ---- cfg ------------------------------------------------------------------------ */

static struct vm_spec cfg_specs[VM_MAX];

static uint64_t cfg_ram_bytes(void)
{
	const struct keel_bootinfo *bi = root_boot_info();
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < bi->untyped_count && i < KEEL_BOOT_MAX_UNTYPED; i++)
		if (!bi->untyped[i].is_device)
			bytes += 1ull << bi->untyped[i].size_bits;
	return bytes;
}

static void cfg_print(const struct vm_spec *s)
{
	kprintf("[root] spec %s: image %s, %u vCPUs, %lu MiB at 0x%lx, initrd %s, cmdline \"%s\","
		" %u devices\n", s->name, s->image, s->vcpus, (unsigned long)(s->ram_size / MIB),
		(unsigned long)s->ram_base, s->initrd ? s->initrd : "none", s->cmdline, s->ndev);
	for (unsigned d = 0; d < s->ndev; d++)
		kprintf("[root]   dev %u: %s at 0x%lx+0x%lx, SPI %u, restart %s max %u per %u ms\n", d,
			s->dev[d].prog, (unsigned long)s->dev[d].base, (unsigned long)s->dev[d].size,
			s->dev[d].intid, s->dev[d].restart->never ? "never" : "on-failure",
			s->dev[d].restart->max_restarts, s->dev[d].restart->window_ms);
}

/* What tests/config/good/default.json says about VM v. */
static const char *cfg_check_spec(const struct vm_spec *s, const char *name)
{
	if (strcmp(s->name, name) != 0)
		return "name";
	if (strcmp(s->image, "Image") != 0 || !s->initrd ||
	    strcmp(s->initrd, "initrd.cpio.gz") != 0)
		return "image or initrd";
	if (s->vcpus != 2 || s->ram_base != 0x40000000 || s->ram_size != 256 * MIB)
		return "vCPUs or RAM";
	if (strcmp(s->cmdline, "console=ttyAMA0 earlycon") != 0)
		return "cmdline";
	if (s->ndev != 1 || strcmp(s->dev[0].prog, "pl011") != 0 ||
	    s->dev[0].kind != KEEL_VM_DEV_PL011 || s->dev[0].base != 0x09000000 ||
	    s->dev[0].size != 0x1000 || s->dev[0].intid != 33)
		return "device";
	if (!s->restart || s->restart->never || s->restart->max_restarts != 5 ||
	    s->restart->window_ms != 10000)
		return "restart policy";
	return NULL;
}

static const char *cfg_run(const struct keel_boot_module *m)
{
	static const char broken[] = "{\n  \"vms\": [ { \"name\": \"x\", \"mem_size_mib\": 64,"
				     " \"kernel_image_path\": 7 } ]\n}\n";
	const char *text = (const char *)(uintptr_t)m->vaddr, *why;
	unsigned n = vmconfig_load("cfg-test.json", text, m->size, cfg_ram_bytes(), cfg_specs,
				   VM_MAX);
	if (n != 2)
		return "not 2 VMs with all of root's RAM";
	for (unsigned v = 0; v < n; v++)
		cfg_print(&cfg_specs[v]);
	if ((why = cfg_check_spec(&cfg_specs[0], "vm1")) || (why = cfg_check_spec(&cfg_specs[1], "vm2")))
		return why;
	if (vmconfig_load("cfg-test.json", text, m->size, 300 * MIB, cfg_specs, VM_MAX) != 1 ||
	    strcmp(cfg_specs[0].name, "vm1") != 0)
		return "the memory check did not refuse vm2 with 300 MiB";
	if (vmconfig_load("broken.json", broken, sizeof(broken) - 1, 0, cfg_specs, VM_MAX) != 0)
		return "a broken config gave a spec";
	return NULL;
}

static void cfg_start(void)
{
	const struct keel_boot_module *m = srv_module("cfg-test.json");
	const char *why = m ? cfg_run(m) : "no boot module cfg-test.json";
	if (why)
		scn_fail("cfg", "%s", why);
	else
		scn_pass("cfg");
	scn_done();
}

const struct scenario scenario_cfg = { .name = "cfg", .start = cfg_start };

/* ---- restart-policy -------------------------------------------------------------- */

#define RP_BACKOFF_MS 200u

static struct server *rp_never, *rp_limit;
static bool rp_never_ok, rp_limit_ok, rp_over;

static void rp_finish(const char *why)
{
	if (rp_over)
		return;
	rp_over = true;
	if (why)
		scn_fail("restart-policy", "%s", why);
	else
		scn_pass("restart-policy");
	scn_done();
}

static void rp_start(void)
{
	static const char *const rd[] = { "read", NULL };
	const struct srv_policy never = { .never = true, .max_restarts = 100 };
	const struct srv_policy limit = { .max_restarts = 2, .window_ms = 60000,
					  .backoff_ms = RP_BACKOFF_MS };
	rp_never = srv_create("nullderef", "rp-never", rd, 0, 100);
	rp_limit = srv_create("nullderef", "rp-limit", rd, 1 % root_boot_info()->ncpus, 100);
	if (!rp_never || !rp_limit) {
		rp_finish("cannot create the servers");
		return;
	}
	srv_set_policy(rp_never, &never);
	srv_set_policy(rp_limit, &limit);
	if (!srv_start(rp_never) || !srv_start(rp_limit))
		rp_finish("cannot start the servers");
}

/* Root restarts rp-limit once the back-off after a fault is over (its
 * timer wakes it; it serves others meanwhile) and then calls this; fault
 * 3 is not restarted, so it is seen at once. */
static const char *rp_limit_fault(struct server *s)
{
	uint64_t waited = root_arch_now_ms() - s->fault_ms;
	kprintf("[root] restart-policy: rp-limit fault %u, seen %lu ms after it, %u restarts\n",
		s->faults, (unsigned long)waited, s->restarts);
	if (s->faults < 3 && waited < RP_BACKOFF_MS)
		return "restarted before its back-off was over";
	if (s->faults < 3)
		return s->state == SRV_RUNNING && s->restarts == s->faults ? NULL
									   : "not restarted";
	if (s->faults > 3 || s->state != SRV_STOPPED || s->restarts != 2)
		return "the maximum of 2 restarts was not enforced";
	rp_limit_ok = true;
	return NULL;
}

static void rp_faulted(struct server *s)
{
	const char *why = NULL;
	if (s == rp_never) {
		if (s->faults != 1 || s->restarts != 0 || s->state != SRV_STOPPED)
			why = "policy never: the server was restarted";
		else
			rp_never_ok = true;
	} else if (s == rp_limit) {
		why = rp_limit_fault(s);
	} else {
		why = "an unexpected server faulted";
	}
	if (why || (rp_never_ok && rp_limit_ok))
		rp_finish(why);
}

const struct scenario scenario_restart_policy = {
	.name = "restart-policy", .start = rp_start, .faulted = rp_faulted,
};
