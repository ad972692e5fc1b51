/*
 * Scenarios: the kernel command line's test=<name> picks one (test=demo:
 * two pingpong pairs); without it the test root boots as the shipped root
 * does (the configured VMs). A scenario starts servers and judges what
 * they report; it prints every "[test] PASS/FAIL" marker and "[test] DONE"
 * (tests/system/run.sh greps them).
 *
 * This file: the root hooks (boot/root.h) that run the scenario, the
 * table, dispatch with safe defaults (an unexpected fault or failing exit
 * fails the scenario), the markers and the pingpong helper.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "scenario.h"

static const struct scenario *const scenario_table[] = {
	&scenario_demo, &scenario_boot, &scenario_ipc, &scenario_epqueue, &scenario_libc, &scenario_bench,
	&scenario_nullderef, &scenario_badcap, &scenario_spin, &scenario_stress,
	&scenario_crash_remote,
	&scenario_vm_hello, &scenario_vm_abort, &scenario_vm_hvc, &scenario_vm_timer,
	&scenario_vm_mem, &scenario_vm_scan, &scenario_vm_hostile, &scenario_vm_uirq,
	&scenario_vm_devrestart, &scenario_vm_sbi, &scenario_vm_sbi_restart,
	/* two VMs (tests/root/scn_vm2.c) */
	&scenario_vm_two, &scenario_vm_isolation, &scenario_vm_hostile2, &scenario_vm_poweroff,
	&scenario_vm_reset,
	&scenario_vm_hostile_soak, /* h-soak */
	&scenario_vm_hostile_sbi, /* riscv64's (tests/guests/arch/riscv64/hostile.c) */
	&scenario_vm_restart, &scenario_vm_restart_load,
	&scenario_vm_restart_post, &scenario_vm_bench,
	/* VM configs and restart policies (tests/root/scn_cfg.c) */
	&scenario_cfg, &scenario_restart_policy,
	&scenario_blk, &scenario_disk_crash, &scenario_flash_crash,
	&scenario_vdev_crash, /* h-vdev */
	&scenario_net_crash, /* h-net */
	/* the console server (tests/root/scn_console.c) */
	&scenario_con_echo, &scenario_con_switch, &scenario_con_restart, &scenario_con_crash,
	/* two vCPUs (tests/root/scn_smp.c) */
	&scenario_vm_smp,
};

static const struct scenario *scn; /* NULL: no test= */
static const char *scn_cmdline = "";

void scn_pass(const char *what)
{
	kprintf("[test] PASS %s\n", what);
}

void scn_fail(const char *what, const char *fmt, ...)
{
	char why[KEEL_PRINT_MAX / 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kprintf("[test] FAIL %s: %s\n", what, why);
}

void scn_done(void)
{
	if (inject_lost()) /* any scenario that crashes servers (inject.c) */
		scn_fail("inject", "%u crashes root made never faulted their server",
			 inject_lost());
	inject_stop();
	srv_stop_all();
	kprintf("[test] DONE\n");
}

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
	return n > 0; /* "test=" alone: as without it */
}

/* "key=<number>" on the command line (decimal or 0x hex), else dflt. */
uint64_t scn_param(const char *key, uint64_t dflt)
{
	size_t n = strlen(key);
	for (const char *p = scn_cmdline; (p = strstr(p, key)); p += n) {
		char *end;
		unsigned long long v;
		if ((p != scn_cmdline && p[-1] != ' ') || p[n] != '=')
			continue;
		v = strtoull(p + n + 1, &end, 0);
		if (end != p + n + 1 && (*end == ' ' || *end == 0))
			return v;
		kprintf("[root] %s= is not a number: using %lu\n", key, (unsigned long)dflt);
		return dflt;
	}
	return dflt;
}

static const struct scenario *scenario_find(const char *name)
{
	for (size_t i = 0; i < sizeof(scenario_table) / sizeof(scenario_table[0]); i++)
		if (strcmp(scenario_table[i]->name, name) == 0)
			return scenario_table[i];
	return NULL;
}

bool root_hook_start(const char *cmdline)
{
	char name[32];
	scn_cmdline = cmdline;
	if (!cmdline_test(cmdline, name, sizeof(name)))
		return false; /* boot as the shipped root does */
	if (!(scn = scenario_find(name))) {
		kprintf("[root] unknown scenario \"%s\"\n", name);
		scn_fail("scenario", "unknown test= name on the command line");
		scn_done();
		return true;
	}
	kprintf("[root] scenario %s\n", scn->name);
	scn->start();
	return true;
}

bool root_hook_report(struct server *s, unsigned kind, uint64_t value, const char *text,
		      uint64_t *answer)
{
	if (!scn)
		return false;
	*answer = scn->report ? scn->report(s, kind, value, text) : KEEL_REPORT_CONTINUE;
	return true;
}

void root_hook_faulted(struct server *s)
{
	if (!scn)
		return;
	inject_faulted(s);
	if (scn->faulted) {
		scn->faulted(s);
		return;
	}
	scn_fail(scn->name, "server %s faulted", s->name);
	scn_done();
}

void root_hook_exited(struct server *s, int code)
{
	if (!scn)
		return;
	if (scn->exited) {
		scn->exited(s, code);
	} else if (code != 0) {
		scn_fail(scn->name, "server %s exited with code %d", s->name, code);
		scn_done();
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
