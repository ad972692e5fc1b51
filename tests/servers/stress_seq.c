/*
 * The storm's real sequences: an object retyped from the storm's untyped,
 * then used as its owner would use it, in a random order, then deleted.
 * The random single calls of stress.c mostly fail at the first check;
 * these get deep into the kernel: a vspace with a VMID from the storm's
 * own pool, page tables and a frame mapped into it, threads configured in
 * it and resumed, vCPUs bound, unbound and deleted in every order, badged
 * copies, CNodes holding copies of the storm's own CNode, timers armed on
 * notifications that are then deleted, and now and then a revoke of the
 * whole untyped, which destroys everything made from it at once.
 *
 * Slots of the storm's CNode (keel/server.h; KEEL_SRV_PEER holds the
 * storm's VMID pool, a share of root's given by tests/root/scn_stress.c):
 *
 *   24 25 26   objects of the sequence under way (A, B, C)
 *   27         the vspace the sequences map into (kept between them)
 *   28 29 30   its page tables
 *   31         a frame mapped in it
 *
 * The storm's random calls aim at these slots too, so nothing here
 * assumes a slot holds what the last sequence left there.
 */
#include <keel/abi.h>
#include <keel/server.h>

#include "counter.h"
#include "stress.h"

#define SEQ_A 24u
#define SEQ_B 25u
#define SEQ_C 26u
#define SEQ_VS 27u
#define SEQ_PT 28u
#define SEQ_NPT 3u
#define SEQ_FRAME 31u
#define SEQ_POOL KEEL_SRV_PEER
#define SEQ_REGION 0x40000000ull /* where the sequences map: one 2 MiB block */

_Static_assert(SEQ_FRAME < (1u << KEEL_SRV_CNODE_BITS), "slots in the server's CNode");
_Static_assert(SEQ_A >= KEEL_SRV_FREE, "sequence slots are free ones");

static struct storm_tally *seq_t;

/* One object invocation, counted. */
static long seq_inv(uint64_t cptr, uint64_t label, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t a4)
{
	uint64_t mr[6] = { a0, a1, a2, a3, a4, 0 };
	long st = keel_invoke(cptr, label, 5, mr);
	storm_count(seq_t, KEEL_SYS_CALL, st);
	return st;
}

static long seq_retype(unsigned type, unsigned bits, uint64_t slot)
{
	long st = seq_inv(KEEL_SRV_UNTYPED, KEEL_UNTYPED_RETYPE, type, bits, KEEL_SRV_CNODE,
			  slot, 1);
	if (st == KEEL_OK)
		seq_t->made[type]++;
	return st;
}

static long seq_delete(uint64_t slot)
{
	return seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_DELETE, slot, 0, 0, 0, 0);
}

/* Mostly inside the one 2 MiB block the page tables cover. */
static uint64_t seq_vaddr(void)
{
	if (stress_rng_below(4))
		return SEQ_REGION + (stress_rng_below(512) << KEEL_PAGE_BITS);
	return stress_rng_below(1u << 24) << KEEL_PAGE_BITS;
}

/* A vspace with a VMID, its page tables and a mapped frame, taken down
 * first in a random order. */
static void seq_vspace(void)
{
	uint64_t order = stress_rng(), vaddr = SEQ_REGION;
	for (unsigned i = 0; i < 5; i++)
		seq_delete(SEQ_VS + (order >> (3 * i)) % 5);
	if (seq_retype(KEEL_OBJ_VSPACE, 0, SEQ_VS) != KEEL_OK)
		return;
	seq_inv(SEQ_POOL, KEEL_VMID_POOL_ASSIGN, SEQ_VS, 0, 0, 0, 0);
	if (stress_rng_below(4) == 0) { /* a share of the share, given back */
		seq_inv(SEQ_POOL, KEEL_VMID_POOL_SPLIT, stress_rng_below(3), KEEL_SRV_CNODE,
			SEQ_C, 0, 0);
		seq_inv(SEQ_C, KEEL_VMID_POOL_COUNT, 0, 0, 0, 0, 0);
		seq_delete(SEQ_C);
	}
	for (unsigned i = 0; i < SEQ_NPT; i++)
		if (seq_retype(KEEL_OBJ_PAGE_TABLE, 0, SEQ_PT + i) == KEEL_OK)
			seq_inv(SEQ_PT + i, KEEL_PT_MAP, SEQ_VS, vaddr, 0, 0, 0);
	if (seq_retype(KEEL_OBJ_FRAME, 0, SEQ_FRAME) == KEEL_OK)
		seq_inv(SEQ_FRAME, KEEL_FRAME_MAP, SEQ_VS, vaddr, KEEL_R_READ | KEEL_R_WRITE,
			0, 0);
}

/* ---- thread and vCPU: A is a TCB, B a VCPU; steps in a random order ---- */

static void seq_thread_step(unsigned step)
{
	switch (step) {
	case 0: seq_inv(SEQ_A, KEEL_TCB_BIND_VCPU, SEQ_B, 0, 0, 0, 0); break;
	case 1: seq_inv(SEQ_A, KEEL_TCB_BIND_VCPU, 0, 0, 0, 0, 0); break;
	case 2: seq_inv(SEQ_A, KEEL_TCB_RESUME, 0, 0, 0, 0, 0); break;
	case 3: seq_inv(SEQ_A, KEEL_TCB_SUSPEND, 0, 0, 0, 0, 0); break;
	case 4: seq_inv(SEQ_A, KEEL_TCB_WRITE_REGS, seq_vaddr(), seq_vaddr(), stress_rng(),
			stress_rng(), stress_rng()); break;
	case 5: seq_inv(SEQ_A, KEEL_TCB_SET_PRIORITY, stress_rng_below(120), 0, 0, 0, 0); break;
	case 6: seq_inv(SEQ_A, KEEL_TCB_SET_AFFINITY, stress_rng_below(3), 0, 0, 0, 0); break;
	case 7: seq_inv(SEQ_A, KEEL_TCB_BIND_NOTIFICATION,
			stress_rng_below(2) ? KEEL_SRV_NTFN : 0, 0, 0, 0, 0); break;
	case 8: seq_inv(SEQ_B, KEEL_VCPU_WRITE_REG, stress_rng_below(KEEL_VREG_COUNT + 2),
			stress_rng(), 0, 0, 0); break;
	case 9: seq_inv(SEQ_B, KEEL_VCPU_INJECT_IRQ, stress_rng_below(1100),
			stress_rng_below(256), stress_rng_below(3), 0, 0); break;
	case 10: seq_inv(SEQ_B, KEEL_VCPU_RESET, 0, 0, 0, 0, 0); break;
	case 11: seq_inv(SEQ_B, KEEL_VCPU_READ_REG, stress_rng_below(KEEL_VREG_COUNT + 2), 0,
			 0, 0, 0); break;
	case 12: seq_delete(SEQ_B); break;
	default: seq_inv(SEQ_A, KEEL_TCB_READ_REGS, 0, 0, 0, 0, 0); break;
	}
}

static void seq_thread(void)
{
	unsigned steps = 2 + (unsigned)stress_rng_below(8);
	if (stress_rng_below(2))
		seq_retype(KEEL_OBJ_VCPU, 0, SEQ_B);
	seq_inv(SEQ_A, KEEL_TCB_CONFIGURE, KEEL_SRV_EP, KEEL_SRV_CNODE, SEQ_VS,
		stress_rng_below(4) ? SEQ_FRAME : 0, SEQ_REGION);
	seq_inv(SEQ_A, KEEL_TCB_SET_PRIORITY, stress_rng_below(101), 0, 0, 0, 0);
	for (unsigned i = 0; i < steps; i++)
		seq_thread_step((unsigned)stress_rng_below(14));
	/* either may go first: a bound vCPU deleted under its thread, or the
	 * thread under its vCPU */
	seq_delete(stress_rng_below(2) ? SEQ_A : SEQ_B);
}

/* ---- endpoints, notifications, CNodes, untyped, frames, page tables ---- */

static void seq_endpoint(void)
{
	uint64_t info = keel_msginfo(stress_rng_below(4), stress_rng_below(8)), mr[6] = { 0 };
	seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_MINT, SEQ_B, KEEL_SRV_CNODE, SEQ_A, KEEL_R_ALL,
		1 + stress_rng_below(1000));
	storm_count(seq_t, KEEL_SYS_NBSEND, keel_trap(KEEL_SYS_NBSEND, SEQ_B, &info, mr));
	storm_count(seq_t, KEEL_SYS_POLL, keel_poll(SEQ_A, &info, mr));
	seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_REVOKE, SEQ_A, 0, 0, 0, 0);
}

static void seq_notification(void)
{
	uint64_t info = 0, mr[6] = { 0 };
	uint64_t when = stress_rng_below(4) ? counter_now() + stress_rng_below(100000) : 0;
	seq_inv(SEQ_A, KEEL_NTFN_SET_TIMER, when, stress_rng(), 0, 0, 0);
	storm_count(seq_t, KEEL_SYS_SEND, keel_signal(SEQ_A));
	storm_count(seq_t, KEEL_SYS_POLL, keel_poll(SEQ_A, &info, mr));
	if (stress_rng_below(2))
		seq_inv(SEQ_A, KEEL_NTFN_SET_TIMER, counter_now() + stress_rng_below(50000), 1,
			0, 0, 0); /* left armed: deleted with the timer pending */
}

/* A CNode holding copies of the storm's own caps, its CNode included. */
static void seq_cnode(void)
{
	static const uint64_t src[] = { KEEL_SRV_EP, KEEL_SRV_NTFN, KEEL_SRV_CNODE, SEQ_VS,
					SEQ_A };
	uint64_t i = stress_rng_below(8), j = stress_rng_below(8);
	seq_inv(SEQ_A, KEEL_CNODE_COPY, i, KEEL_SRV_CNODE, src[stress_rng_below(5)],
		stress_rng_below(8), 0);
	seq_inv(SEQ_A, KEEL_CNODE_MINT, j, KEEL_SRV_CNODE, KEEL_SRV_EP, KEEL_R_ALL,
		stress_rng_below(3));
	seq_inv(SEQ_A, KEEL_CNODE_MOVE, j ^ 1, SEQ_A, j, 0, 0);
	seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_MOVE, SEQ_C, SEQ_A, i, 0, 0);
	seq_inv(SEQ_A, KEEL_CNODE_REVOKE, stress_rng_below(8), 0, 0, 0, 0);
}

static void seq_untyped(void)
{
	long st = seq_inv(SEQ_A, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT + stress_rng_below(3),
			  2, KEEL_SRV_CNODE, SEQ_B, 1 + stress_rng_below(2));
	if (st == KEEL_OK && stress_rng_below(2))
		seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_REVOKE, SEQ_A, 0, 0, 0, 0);
}

static void seq_frame(void)
{
	uint64_t vaddr = seq_vaddr();
	seq_inv(SEQ_A, KEEL_FRAME_MAP, SEQ_VS, vaddr, stress_rng_below(8), 0, 0);
	seq_inv(SEQ_A, KEEL_FRAME_ADDRESS, 0, 0, 0, 0, 0);
	if (stress_rng_below(2))
		seq_inv(SEQ_A, KEEL_FRAME_UNMAP, 0, 0, 0, 0, 0);
	seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_COPY, SEQ_B, KEEL_SRV_CNODE, SEQ_A, KEEL_R_READ, 0);
	seq_inv(SEQ_B, KEEL_FRAME_MAP, SEQ_VS, seq_vaddr(), KEEL_R_READ, 0, 0);
}

static void seq_page_table(void)
{
	seq_inv(SEQ_A, KEEL_PT_MAP, SEQ_VS, seq_vaddr(), 0, 0, 0);
	if (stress_rng_below(2))
		seq_inv(SEQ_A, KEEL_PT_UNMAP, 0, 0, 0, 0, 0);
}

/* The object for A, and its size. */
static unsigned seq_pick(unsigned *bits)
{
	static const unsigned char types[] = {
		KEEL_OBJ_UNTYPED, KEEL_OBJ_TCB, KEEL_OBJ_ENDPOINT, KEEL_OBJ_NOTIFICATION,
		KEEL_OBJ_CNODE, KEEL_OBJ_FRAME, KEEL_OBJ_PAGE_TABLE, KEEL_OBJ_VSPACE,
	};
	unsigned type = types[stress_rng_below(sizeof(types))];
	*bits = type == KEEL_OBJ_UNTYPED ? 12 + (unsigned)stress_rng_below(3)
	      : type == KEEL_OBJ_CNODE  ? 2 + (unsigned)stress_rng_below(3) : 0;
	return type;
}

static void seq_use(unsigned type)
{
	switch (type) {
	case KEEL_OBJ_UNTYPED: seq_untyped(); break;
	case KEEL_OBJ_TCB: seq_thread(); break;
	case KEEL_OBJ_ENDPOINT: seq_endpoint(); break;
	case KEEL_OBJ_NOTIFICATION: seq_notification(); break;
	case KEEL_OBJ_CNODE: seq_cnode(); break;
	case KEEL_OBJ_FRAME: seq_frame(); break;
	default: seq_page_table(); break;
	}
}

void storm_sequence(struct storm_tally *t)
{
	unsigned bits, type;
	seq_t = t;
	t->seqs++;
	type = seq_pick(&bits);
	if (type == KEEL_OBJ_VSPACE) {
		seq_vspace();
		return;
	}
	if (seq_retype(type, bits, SEQ_A) == KEEL_OK)
		seq_use(type);
	seq_delete(SEQ_C);
	seq_delete(SEQ_B);
	seq_delete(SEQ_A);
	if (stress_rng_below(16) == 0) {
		t->revokes++;
		seq_inv(KEEL_SRV_CNODE, KEEL_CNODE_REVOKE, KEEL_SRV_UNTYPED, 0, 0, 0, 0);
	}
}
