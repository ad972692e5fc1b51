/*
 * stress: two servers, one on each CPU, make a storm of random calls
 * (tests/servers/stress.c, stress_seq.c) holding only harmless
 * capabilities: an endpoint, a notification, their CNode, a 64 KiB
 * untyped, a frame and a pool of STRESS_VMIDS VMIDs split from root's.
 * Beside each, at a lower priority on the same CPU, a kicker runs only
 * while its storm is blocked and unblocks it (a random receive may wait
 * for a message nobody sends). When both storms have exited, root prints
 * their counts and a fresh pingpong pair, server and client on different
 * CPUs, must still make its calls.
 *
 * Kernel command line: calls=<n> (default STRESS_CALLS; make test uses
 * that, make soak 10,000,000: tests/system/soak.sh) is the total over both
 * storms; every=<n> makes each storm print a line every n calls.
 */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/error.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>

#include "scenario.h"
#include "../servers/stress.h"

#define STRESS_CALLS 40000u
#define STRESS_VMIDS 4u
#define STRESS_MAX 2u
#define STRESS_SEED 0x5eed2024cafef00dull /* storm i: this + i */
#define STRESS_REMOTE_LINUX 32u /* storm 1 takes a Linux call on 1 turn in 32 */

struct stress_pair {
	struct server *storm, *kicker;
	bool exited;
};

static struct stress_pair sp[STRESS_MAX];
static unsigned sp_n, sp_exited;
static bool stress_checking;
static struct storm_tally sp_total;
static uint64_t sp_kicks;

static void stress_fail(const char *why)
{
	scn_fail("stress", "%s", why);
	scn_done();
}

static bool stress_grant_storm(struct server *s, uint64_t ep, uint64_t ntfn)
{
	uint64_t ut = root_alloc(KEEL_OBJ_UNTYPED, 16);
	uint64_t frame = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t pool = root_alloc_slot();
	return ut && frame && pool &&
	       keel_vmid_pool_split(KEEL_ROOT_VMID_POOL, STRESS_VMIDS, KEEL_ROOT_CNODE, pool) ==
		       KEEL_OK &&
	       srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_ALL) &&
	       srv_grant_copy(s, KEEL_SRV_NTFN, ntfn, KEEL_R_ALL) &&
	       srv_grant_copy(s, KEEL_SRV_CNODE, s->cnode, KEEL_R_ALL) &&
	       srv_grant_move(s, KEEL_SRV_UNTYPED, ut) &&
	       srv_grant_move(s, KEEL_SRV_FRAME, frame) &&
	       srv_grant_move(s, KEEL_SRV_PEER, pool);
}

/* The page storm and kicker share (struct stress_shared), mapped in root
 * too, where the storm's window has it: root reads the storm's tally
 * there when the storm has exited. */
static bool stress_share(struct stress_pair *p)
{
	uint64_t frame = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t copy[2] = { root_alloc_slot(), root_alloc_slot() };
	struct server *to[2] = { p->storm, p->kicker };
	unsigned rw = KEEL_R_READ | KEEL_R_WRITE;
	if (!frame || root_frame_map(frame, KEEL_ROOT_VSPACE, p->storm->window + KEEL_SHARED_VADDR,
				     rw) != KEEL_OK)
		return false;
	for (unsigned i = 0; i < 2; i++)
		if (!copy[i] ||
		    keel_cnode_copy(KEEL_ROOT_CNODE, copy[i], KEEL_ROOT_CNODE, frame, rw) != KEEL_OK ||
		    root_frame_map(copy[i], to[i]->vspace, KEEL_SHARED_VADDR, rw) != KEEL_OK)
			return false;
	return true;
}

static bool stress_grant_kicker(struct stress_pair *p, uint64_t ep, uint64_t ntfn)
{
	return srv_grant_copy(p->kicker, KEEL_SRV_EP, ep, KEEL_R_ALL) &&
	       srv_grant_copy(p->kicker, KEEL_SRV_NTFN, ntfn, KEEL_R_WRITE) &&
	       srv_grant_copy(p->kicker, KEEL_SRV_TCB, p->storm->tcb, KEEL_R_ALL) &&
	       stress_share(p);
}

/* Storm i on CPU i with n calls. */
static bool stress_pair_start(unsigned i, uint64_t n, uint64_t every)
{
	char sname[16], kname[16], calls[24], seed[24], ev[24], lx[8];
	const char *storm_args[] = { "storm", calls, seed, ev, lx, NULL };
	static const char *const kick_args[] = { "kick", NULL };
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	struct stress_pair *p = &sp[i];
	snprintf(sname, sizeof(sname), "storm%u", i);
	snprintf(kname, sizeof(kname), "kick%u", i);
	snprintf(calls, sizeof(calls), "%lu", (unsigned long)n);
	snprintf(seed, sizeof(seed), "0x%lx", (unsigned long)(STRESS_SEED + i));
	snprintf(ev, sizeof(ev), "%lu", (unsigned long)every);
	/* Root runs on CPU 0: from another CPU a Linux call is a cross-CPU
	 * round trip, so that storm makes fewer (tests/servers/stress.c). */
	snprintf(lx, sizeof(lx), "%u", i == 0 ? 1u : STRESS_REMOTE_LINUX);
	p->storm = srv_create("stress", sname, storm_args, i, 100);
	p->kicker = srv_create("stress", kname, kick_args, i, 99);
	return ep && ntfn && p->storm && p->kicker && stress_grant_storm(p->storm, ep, ntfn) &&
	       stress_grant_kicker(p, ep, ntfn);
}

static void stress_start(void)
{
	uint64_t calls = scn_param("calls", STRESS_CALLS), every = scn_param("every", 0);
	sp_n = root_boot_info()->ncpus > 1 ? 2 : 1;
	kprintf("[root] stress: %lu calls from %u storms on %u CPUs\n", (unsigned long)calls,
		sp_n, sp_n);
	for (unsigned i = 0; i < sp_n; i++)
		if (!stress_pair_start(i, calls / sp_n + (i == 0 ? calls % sp_n : 0), every)) {
			stress_fail("cannot start the storms");
			return;
		}
	for (unsigned i = 0; i < sp_n; i++)
		if (!srv_start(sp[i].storm) || !srv_start(sp[i].kicker)) {
			stress_fail("cannot start the storms");
			return;
		}
}

/* ---- counts ------------------------------------------------------------------- */

static void stress_add(const struct storm_tally *t)
{
	sp_total.calls += t->calls;
	sp_total.seqs += t->seqs;
	sp_total.revokes += t->revokes;
	sp_total.spared += t->spared;
	for (unsigned n = 0; n < STORM_NUMS; n++)
		sp_total.num[n] += t->num[n];
	for (unsigned e = 0; e <= KEEL_E_COUNT; e++)
		sp_total.result[e] += t->result[e];
	for (unsigned o = 0; o < KEEL_OBJ_COUNT; o++)
		sp_total.made[o] += t->made[o];
	for (unsigned n = 0; n < STORM_NUMS; n++)
		sp_total.ticks[n] += t->ticks[n];
	sp_total.seq_ticks += t->seq_ticks;
}

/* Counter ticks as milliseconds. */
static unsigned long stress_ms(uint64_t ticks)
{
	uint64_t khz = root_boot_info()->timer_hz / 1000;
	return (unsigned long)(khz ? ticks / khz : 0);
}

/* The profile: where the storm's time went (single calls by number,
 * sequences as a whole). */
static void stress_print_time(const char *who, const struct storm_tally *t)
{
	kprintf("[root] stress %s: ms by call number", who);
	for (unsigned n = 0; n < STORM_NUMS; n++)
		kprintf(" %u:%lu", n, stress_ms(t->ticks[n]));
	kprintf(" sequences:%lu\n", stress_ms(t->seq_ticks));
}

/* Lines soak.sh reads: "[root] stress <who>: ..." */
static void stress_print(const char *who, const struct storm_tally *t, uint64_t kicks)
{
	static const char *const obj[KEEL_OBJ_COUNT] = {
		"null", "untyped", "tcb", "endpoint", "notification", "cnode", "frame",
		"page-table", "vspace", "irq-control", "irq-handler", "vcpu", "vmid-pool",
	};
	kprintf("[root] stress %s: %lu calls, %lu kicks, %lu sequences, %lu untyped revokes, "
		"%lu given slots spared\n",
		who, (unsigned long)t->calls, (unsigned long)kicks, (unsigned long)t->seqs,
		(unsigned long)t->revokes, (unsigned long)t->spared);
	kprintf("[root] stress %s: by call number", who);
	for (unsigned n = 0; n < STORM_NUMS; n++)
		kprintf(" %u:%lu", n, (unsigned long)t->num[n]);
	kprintf("\n[root] stress %s: by result", who);
	for (unsigned e = 0; e <= KEEL_E_COUNT; e++)
		if (t->result[e])
			kprintf(" %s:%lu", e < KEEL_E_COUNT ? keel_err_name(e) + 5 : "other",
				(unsigned long)t->result[e]);
	kprintf("\n[root] stress %s: made by sequences", who);
	for (unsigned o = 0; o < KEEL_OBJ_COUNT; o++)
		if (t->made[o])
			kprintf(" %s:%lu", obj[o], (unsigned long)t->made[o]);
	kprintf("\n");
	stress_print_time(who, t);
}

/* The storm's tally, read in root's mapping of their page. */
static bool stress_collect(struct stress_pair *p)
{
	const struct stress_shared *sh =
		(const struct stress_shared *)(uintptr_t)(p->storm->window + KEEL_SHARED_VADDR);
	if (!sh->done) {
		kprintf("[root] stress %s: exited unfinished after %lu calls\n", p->storm->name,
			(unsigned long)sh->count);
		return false;
	}
	stress_print(p->storm->name, &sh->tally, sh->kicks);
	stress_add(&sh->tally);
	sp_kicks += sh->kicks;
	return true;
}

/* ---- the end ------------------------------------------------------------------ */

/* The storms are over: is the kernel still fine? */
static void stress_check(void)
{
	static const struct pp_spec after = {
		.tag = "after", .cpu = 0, .prio = 100, .nclients = 1,
		.client = { { 1, "2000" } },
	};
	static struct pp_spec spec;
	struct pp_pair p;
	spec = after;
	if (sp_n < 2)
		spec.client[0].cpu = 0;
	for (unsigned i = 0; i < sp_n; i++)
		srv_stop(sp[i].kicker);
	stress_print("all", &sp_total, sp_kicks);
	stress_checking = true;
	if (!pp_start(&p, &spec))
		stress_fail("cannot start a pingpong pair after the storms");
}

static void stress_exited(struct server *s, int code)
{
	for (unsigned i = 0; i < sp_n; i++) {
		if (s != sp[i].storm || sp[i].exited)
			continue;
		if (code != 0 || !stress_collect(&sp[i])) {
			stress_fail("a storm exited with a failure code or no counts");
			return;
		}
		sp[i].exited = true;
		if (++sp_exited == sp_n)
			stress_check();
		return;
	}
	stress_fail("a server exited during the storm");
}

static void stress_faulted(struct server *s)
{
	scn_fail("stress", "%s faulted during the storm", s->name);
	scn_done();
}

static uint64_t stress_report(struct server *s, unsigned kind, uint64_t value,
			      const char *text)
{
	if (kind == KEEL_REPORT_FAIL) {
		scn_fail("stress", "%s: %s", s->name, text);
		scn_done();
	} else if (kind == KEEL_REPORT_PASS && stress_checking) {
		kprintf("[root] stress: %lu pingpong calls across CPUs after the storms\n",
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
