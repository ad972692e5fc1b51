/*
 * Scenarios where servers misbehave: nullderef (faults and restarts while a
 * peer keeps working), badcap (every bad call gets its exact error), spin
 * (a spinner cannot starve its equals or root), stress (a random call
 * storm leaves the kernel working) and crash-remote (root's crash of a
 * thread on the other CPU is never lost).
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "scenario.h"

static void scn_abort(const char *what, const char *why)
{
	scn_fail(what, "%s", why);
	scn_done();
}

static uint64_t report_fail_done(const char *what, struct server *s, const char *text)
{
	scn_fail(what, "%s: %s", s->name, text);
	scn_done();
	return KEEL_REPORT_STOP;
}

/* ---- nullderef ------------------------------------------------------------------
 * nd (NULL load) must be restarted ND_RESTARTS times and trap (a trap
 * instruction) must fault. Meanwhile, on the other CPU, a pingpong server
 * that crashes at every ND_PEER_CRASH-th call is restarted under its client,
 * which calls again when a call is cancelled. The client must make progress
 * while nd is faulting and after both have been restarted ND_RESTARTS
 * times: restarts keep peers working. */
#define ND_RESTARTS 3u
#define ND_PEER_CRASH "700"

static struct server *nd, *nd_trap, *nd_peer;
static unsigned nd_progress, nd_progress_first, nd_progress_last;
static bool nd_seen_first, nd_seen_last, nd_finished;

static void nd_start(void)
{
	static const struct pp_spec peer = {
		.tag = "peer", .cpu = 1, .prio = 100, .nclients = 1,
		.client = { { 1, "loop" } }, .crash_at = ND_PEER_CRASH, .retry = true,
	};
	static const char *const rd[] = { "read", NULL }, *const trap[] = { "trap", NULL };
	struct pp_pair p;
	nd = srv_create("nullderef", "nullderef", rd, 0, 100);
	nd_trap = srv_create("nullderef", "nulltrap", trap, 0, 100);
	if (!nd || !nd_trap || !pp_start(&p, &peer)) {
		scn_abort("nullderef", "cannot start the servers");
		return;
	}
	nd_peer = p.server;
	nd_peer->policy.max_restarts = 50;
	nd->policy.max_restarts = 10;
	nd_trap->policy.max_restarts = 1;
	if (!srv_start(nd) || !srv_start(nd_trap))
		scn_abort("nullderef", "cannot start the faulting servers");
}

/* Each must have faulted the way it was written to. */
static bool nd_fault_ok(struct server *s)
{
	if (s == nd_trap)
		return s->fault_label == KEEL_FAULT_USER;
	return s->fault_label == KEEL_FAULT_VM && s->fault_addr == 0;
}

static void nd_faulted(struct server *s)
{
	if (s != nd && s != nd_trap && s != nd_peer) {
		scn_abort("nullderef", "a pingpong client faulted");
		return;
	}
	if (!nd_fault_ok(s)) {
		scn_fail("nullderef", "%s: fault label 0x%lx at 0x%lx is not the one "
			  "it made", s->name, (unsigned long)s->fault_label,
			  (unsigned long)s->fault_addr);
		nd_finished = true;
		scn_done();
		return;
	}
	if (s == nd && s->faults == 1) {
		nd_seen_first = true;
		nd_progress_first = nd_progress;
	}
	if (!nd_seen_last && nd->restarts >= ND_RESTARTS &&
	    nd_peer->restarts >= ND_RESTARTS) {
		nd_seen_last = true;
		nd_progress_last = nd_progress;
	}
}

static uint64_t nd_pass(struct server *s)
{
	if (nd_progress_last == nd_progress_first)
		return report_fail_done("nullderef", s, "no peer progress while "
					"nullderef was faulting");
	kprintf("[root] nullderef: %u restarts, peer server %u restarts, %u peer "
		"progress reports (%u during the faults)\n", nd->restarts,
		nd_peer->restarts, nd_progress, nd_progress_last - nd_progress_first);
	scn_pass("nullderef");
	nd_finished = true;
	scn_done();
	return KEEL_REPORT_STOP;
}

static uint64_t nd_report(struct server *s, unsigned kind, uint64_t value,
			  const char *text)
{
	(void)value;
	if (nd_finished)
		return KEEL_REPORT_STOP;
	if (kind == KEEL_REPORT_FAIL)
		return report_fail_done("nullderef", s, text);
	if (kind != KEEL_REPORT_PROGRESS)
		return KEEL_REPORT_CONTINUE;
	nd_progress++;
	if (nd_seen_last && nd_progress > nd_progress_last && nd_trap->faults > 0)
		return nd_pass(s);
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_nullderef = {
	.name = "nullderef", .start = nd_start, .report = nd_report,
	.faulted = nd_faulted,
};

/* ---- badcap ------------------------------------------------------------------------
 * Its capabilities, each with something missing to call wrongly:
 * EP WRITE only, NTFN READ only, its CNode, a 16 KiB untyped, a frame. */
static void badcap_start(void)
{
	struct server *s = srv_create("badcap", "badcap", NULL, 0, 100);
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	uint64_t ut = root_alloc(KEEL_OBJ_UNTYPED, 14);
	uint64_t frame = root_alloc(KEEL_OBJ_FRAME, 0);
	if (!s || !ep || !ntfn || !ut || !frame ||
	    !srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_WRITE) ||
	    !srv_grant_copy(s, KEEL_SRV_NTFN, ntfn, KEEL_R_READ) ||
	    !srv_grant_copy(s, KEEL_SRV_CNODE, s->cnode, KEEL_R_ALL) ||
	    !srv_grant_move(s, KEEL_SRV_UNTYPED, ut) ||
	    !srv_grant_move(s, KEEL_SRV_FRAME, frame) || !srv_grant_report(s) ||
	    !srv_start(s))
		scn_abort("badcap", "cannot start badcap");
}

static uint64_t badcap_report(struct server *s, unsigned kind, uint64_t value,
			      const char *text)
{
	if (kind == KEEL_REPORT_FAIL)
		return report_fail_done("badcap", s, text);
	if (kind == KEEL_REPORT_PASS) {
		kprintf("[root] badcap: %lu checks passed\n", (unsigned long)value);
		scn_pass("badcap");
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_badcap = {
	.name = "badcap", .start = badcap_start, .report = badcap_report,
};

/* ---- spin: on each CPU a spinner and a worker of equal priority ------------------ */

static unsigned spin_done, spin_cpus;

static bool spin_pair(unsigned cpu)
{
	static const char *const spin[] = { "spin", NULL };
	static const char *const work[] = { "work", "3000000", NULL };
	char sname[16] = "spinner0", wname[16] = "worker0";
	struct server *sp, *wk;
	sname[7] = wname[6] = (char)('0' + cpu);
	sp = srv_create("spin", sname, spin, cpu, 100);
	if (!sp || !srv_start(sp))
		return false;
	wk = srv_create("spin", wname, work, cpu, 100);
	return wk && srv_grant_report(wk) && srv_start(wk);
}

static void spin_start(void)
{
	spin_cpus = root_boot_info()->ncpus > 1 ? 2 : 1;
	for (unsigned cpu = 0; cpu < spin_cpus; cpu++)
		if (!spin_pair(cpu)) {
			scn_abort("spin", "cannot start spinner and worker");
			return;
		}
}

static uint64_t spin_report(struct server *s, unsigned kind, uint64_t value,
			    const char *text)
{
	if (kind == KEEL_REPORT_FAIL)
		return report_fail_done("spin", s, text);
	if (kind != KEEL_REPORT_PASS)
		return KEEL_REPORT_CONTINUE;
	kprintf("[root] %s finished beside a spinner (checksum 0x%lx)\n", s->name,
		(unsigned long)value);
	if (++spin_done == spin_cpus) {
		scn_pass("spin");
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_spin = {
	.name = "spin", .start = spin_start, .report = spin_report,
};

/* ---- crash-remote: root crashes threads that run on the other CPU -------------------
 * Root (CPU 0) crashes threads on CPU 1 with srv_crash (suspend, pc 0,
 * resume: inject.c) CR_CRASHES times each: first a pingpong server whose
 * client calls it without pause (caught in its system calls), then a
 * spinner (caught in user code). Every crash must fault the thread at
 * address 0, and none may be lost (inject_lost: the thread went on with
 * its own registers instead). */
#define CR_CRASHES 100u
#define CR_PERIOD_MS 2u

static struct server *cr_target[2];
static unsigned cr_phase;

static void cr_start(void)
{
	static const struct pp_spec pair = {
		.tag = "cr", .cpu = 1, .prio = 100, .nclients = 1,
		.client = { { 1, "loop" } }, .retry = true,
	};
	static const char *const spin[] = { "spin", NULL };
	struct pp_pair p;
	if (root_boot_info()->ncpus < 2) {
		scn_abort("crash-remote", "needs two CPUs");
		return;
	}
	if (!pp_start(&p, &pair) || !(cr_target[1] = srv_create("spin", "cr-spinner", spin, 1, 100))) {
		scn_abort("crash-remote", "cannot start the servers");
		return;
	}
	cr_target[0] = p.server;
	for (unsigned i = 0; i < 2; i++)
		cr_target[i]->policy.max_restarts = CR_CRASHES + 1;
	inject_crashes(cr_target[0], CR_PERIOD_MS, CR_CRASHES);
}

static void cr_faulted(struct server *s)
{
	if (cr_phase >= 2 || s != cr_target[cr_phase]) {
		scn_fail("crash-remote", "%s faulted, not the thread being crashed", s->name);
		scn_done();
		return;
	}
	if (s->fault_label != KEEL_FAULT_VM || s->fault_addr != 0) {
		scn_fail("crash-remote", "%s: fault 0x%lx at 0x%lx, not the crash's (address 0)",
			 s->name, (unsigned long)s->fault_label, (unsigned long)s->fault_addr);
		scn_done();
		return;
	}
	if (inject_count() < CR_CRASHES)
		return;
	if (inject_lost()) {
		scn_fail("crash-remote", "%s: %u of the crashes made never faulted it", s->name,
			 inject_lost());
		scn_done();
		return;
	}
	kprintf("[root] crash-remote: %s crashed %u times on CPU 1, each one faulted it\n",
		s->name, CR_CRASHES);
	if (++cr_phase == 2) {
		scn_pass("crash-remote");
		scn_done();
		return;
	}
	if (!srv_start(cr_target[1])) {
		scn_abort("crash-remote", "cannot start the spinner");
		return;
	}
	inject_crashes(cr_target[1], CR_PERIOD_MS, CR_CRASHES);
}

static uint64_t cr_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	(void)value;
	if (kind == KEEL_REPORT_FAIL)
		return report_fail_done("crash-remote", s, text);
	return KEEL_REPORT_CONTINUE; /* the client's progress */
}

const struct scenario scenario_crash_remote = {
	.name = "crash-remote", .start = cr_start, .report = cr_report,
	.faulted = cr_faulted,
};
