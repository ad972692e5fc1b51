/*
 * stress: a server makes a bounded storm of random calls (tests/servers/
 * stress.c) holding only harmless capabilities: its endpoint, a
 * notification, its CNode, a 64 KiB untyped and a frame. A kicker at a
 * lower priority on the same CPU runs only while the storm is blocked and
 * unblocks it (a random receive may wait for a message nobody sends). When
 * the storm exits, a fresh pingpong pair must still work.
 */
#include <keel/abi.h>
#include <keel/print.h>

#include "scenario.h"

#define STRESS_CPU 0u /* with root: its Linux calls are answered at once */

static struct server *storm, *kicker;
static bool stress_checking;

static void stress_fail(const char *why)
{
	scn_fail("stress", "%s", why);
	scn_done();
}

static bool stress_grant_storm(struct server *s, uint64_t ep, uint64_t ntfn)
{
	uint64_t ut = root_alloc(KEEL_OBJ_UNTYPED, 16);
	uint64_t frame = root_alloc(KEEL_OBJ_FRAME, 0);
	return ut && frame && srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_ALL) &&
	       srv_grant_copy(s, KEEL_SRV_NTFN, ntfn, KEEL_R_ALL) &&
	       srv_grant_copy(s, KEEL_SRV_CNODE, s->cnode, KEEL_R_ALL) &&
	       srv_grant_move(s, KEEL_SRV_UNTYPED, ut) &&
	       srv_grant_move(s, KEEL_SRV_FRAME, frame);
}

static bool stress_grant_kicker(struct server *k, uint64_t ep, uint64_t ntfn)
{
	return srv_grant_copy(k, KEEL_SRV_EP, ep, KEEL_R_ALL) &&
	       srv_grant_copy(k, KEEL_SRV_NTFN, ntfn, KEEL_R_WRITE) &&
	       srv_grant_copy(k, KEEL_SRV_TCB, storm->tcb, KEEL_R_ALL) &&
	       srv_share_page(storm, k);
}

static void stress_start(void)
{
	static const char *const storm_args[] = { "storm", "20000", NULL };
	static const char *const kick_args[] = { "kick", NULL };
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	storm = srv_create("stress", "stress", storm_args, STRESS_CPU, 100);
	kicker = srv_create("stress", "stress-kick", kick_args, STRESS_CPU, 99);
	if (!ep || !ntfn || !storm || !kicker || !stress_grant_storm(storm, ep, ntfn) ||
	    !stress_grant_kicker(kicker, ep, ntfn) || !srv_start(storm) ||
	    !srv_start(kicker))
		stress_fail("cannot start the storm");
}

/* The storm is over: is the kernel still fine? */
static void stress_check(void)
{
	static const struct pp_spec after = {
		.tag = "after", .cpu = STRESS_CPU, .prio = 100, .nclients = 1,
		.client = { { STRESS_CPU, "2000" } },
	};
	struct pp_pair p;
	srv_stop(kicker);
	stress_checking = true;
	if (!pp_start(&p, &after))
		stress_fail("cannot start a pingpong pair after the storm");
}

static void stress_exited(struct server *s, int code)
{
	if (s == storm && code == 0)
		stress_check();
	else
		stress_fail("a server exited with a failure code");
}

static void stress_faulted(struct server *s)
{
	(void)s;
	stress_fail("a server faulted during the storm");
}

static uint64_t stress_report(struct server *s, unsigned kind, uint64_t value,
			      const char *text)
{
	if (kind == KEEL_REPORT_FAIL) {
		scn_fail("stress", "%s: %s", s->name, text);
		scn_done();
	} else if (kind == KEEL_REPORT_PASS && stress_checking) {
		kprintf("[root] stress: %lu pingpong calls after the storm\n",
			(unsigned long)value);
		scn_pass("stress");
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_stress = {
	.name = "stress", .start = stress_start, .report = stress_report,
	.faulted = stress_faulted, .exited = stress_exited,
};
