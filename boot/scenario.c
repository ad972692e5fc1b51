/*
 * Scenarios: the kernel command line's test=<name> picks one; without it
 * root runs the demo. A scenario starts servers and judges what they
 * report; root prints every "[test] PASS/FAIL" marker and "[test] DONE"
 * (tests/system/run.sh greps them).
 *
 * This file: the table, dispatch with safe defaults (an unexpected fault or
 * failing exit fails the scenario), and the pingpong helper.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "root.h"
#include "console.h"
#include "vm.h"
#include "vmconfig.h"

static const struct scenario *const scenario_table[] = {
	&scenario_boot, &scenario_ipc, &scenario_epqueue, &scenario_libc, &scenario_bench,
	&scenario_nullderef, &scenario_badcap, &scenario_spin, &scenario_stress,
	&scenario_vm_hello, &scenario_vm_abort, &scenario_vm_hvc, &scenario_vm_timer,
	&scenario_vm_mem, &scenario_vm_scan, &scenario_vm_hostile, &scenario_vm_uirq,
	&scenario_vm_devrestart,
	/* two VMs (boot/scn_vm2.c) */
	&scenario_vm_two, &scenario_vm_isolation, &scenario_vm_hostile2, &scenario_vm_poweroff,
	&scenario_vm_reset,
	&scenario_vm_restart, &scenario_vm_bench,
	/* VM configs and restart policies (boot/scn_cfg.c) */
	&scenario_cfg, &scenario_restart_policy,
	/* the console server (boot/scn_console.c) */
	&scenario_con_echo, &scenario_con_switch, &scenario_con_restart, &scenario_con_crash,
	/* two vCPUs (boot/scn_smp.c) */
	&scenario_vm_smp,
};

static const struct scenario *scn = &scenario_demo;
static bool scn_unknown;

/* Take the word after "test=" (at the start or after a space). */
static bool cmdline_test(const char *cmdline, char *name, size_t size)
{
	const char *p = cmdline;
	size_t n = 0;
	while ((p = strstr(p, "test=")) && p != cmdline && p[-1] != ' ')
		p++;
	if (!p)
		return false;
	for (p += 5; p[n] && p[n] != ' ' && n + 1 < size; n++)
		name[n] = p[n];
	name[n] = 0;
	return n > 0; /* "test=" alone: the demo */
}

void scenario_select(const char *cmdline)
{
	char name[32];
	if (!cmdline_test(cmdline, name, sizeof(name))) {
		if (vmrun_configured())
			scn = &scenario_vms; /* QEMU brought a configuration */
		return;
	}
	for (size_t i = 0; i < sizeof(scenario_table) / sizeof(scenario_table[0]); i++)
		if (strcmp(scenario_table[i]->name, name) == 0) {
			scn = scenario_table[i];
			return;
		}
	kprintf("[root] unknown scenario \"%s\"\n", name);
	scn_unknown = true;
}

void scenario_start(void)
{
	if (scn_unknown) {
		root_fail("scenario", "unknown test= name on the command line");
		root_done();
		return;
	}
	kprintf("[root] scenario %s\n", scn->name);
	scn->start();
}

uint64_t scenario_report(struct server *s, unsigned kind, uint64_t value,
			 const char *text)
{
	if (scn->report)
		return scn->report(s, kind, value, text);
	return KEEL_REPORT_CONTINUE;
}

void scenario_faulted(struct server *s)
{
	if (scn->faulted) {
		scn->faulted(s);
		return;
	}
	root_fail(scn->name, "server %s faulted", s->name);
	root_done();
}

void scenario_exited(struct server *s, int code)
{
	if (scn->exited) {
		scn->exited(s, code);
	} else if (code != 0) {
		root_fail(scn->name, "server %s exited with code %d", s->name, code);
		root_done();
	}
}

/* ---- pingpong pairs ---------------------------------------------------------- */

static struct server *pp_client(const struct pp_spec *spec, unsigned i, uint64_t ep)
{
	char name[24], badge[16];
	uint64_t b = 0xa1 + 0x11 * i;
	const char *args[] = { "call", badge, spec->client[i].calls,
			       spec->retry ? "retry" : NULL, NULL };
	struct server *c;
	snprintf(name, sizeof(name), "%s-client%u", spec->tag, i + 1);
	snprintf(badge, sizeof(badge), "0x%lx", (unsigned long)b);
	c = srv_create("pingpong", name, args, spec->client[i].cpu, 100);
	if (!c || !srv_grant_mint(c, KEEL_SRV_PEER, ep, KEEL_R_WRITE, b) ||
	    !srv_grant_report(c))
		return NULL;
	return c;
}

bool pp_start(struct pp_pair *p, const struct pp_spec *spec)
{
	const char *const serve[] = { "serve", spec->crash_at, NULL };
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	char name[24];
	snprintf(name, sizeof(name), "%s-server", spec->tag);
	memset(p, 0, sizeof(*p));
	if (!ep || !(p->server = srv_create("pingpong", name, serve, spec->cpu, spec->prio)) ||
	    !srv_grant_copy(p->server, KEEL_SRV_EP, ep, KEEL_R_READ))
		return false;
	for (unsigned i = 0; i < spec->nclients && i < 2; i++)
		if (!(p->client[i] = pp_client(spec, i, ep)))
			return false;
	p->nclients = spec->nclients < 2 ? spec->nclients : 2;
	if (!srv_start(p->server))
		return false;
	for (unsigned i = 0; i < p->nclients; i++)
		if (!srv_start(p->client[i]))
			return false;
	return true;
}
