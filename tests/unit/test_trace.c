/*
 * The trace (kernel/trace.c): off, nothing is recorded and the arch's
 * trap entry is the untraced one; root's TRACE capability turns it on
 * (the rings emptied, the traced entry taken: arch_trace_entry) and off;
 * on, a vCPU exit, an endpoint call and an injection, each through the
 * traced paths (fx_trap, fx_exit follow the fake arch's entry), append
 * one event to the ring of the CPU they happen on, naming the thread by
 * its VMID and fault badge; a call through the untraced path while on
 * (a CPU still on the old entry) is not recorded, and no record is made
 * once it is off even on a traced path.
 * The capability cannot be copied, and bad arguments change nothing.
 *
 * Cast: VMM H (prio 100) receives on EP; guest thread G (prio 50) has EP,
 * minted with badge 3, as fault endpoint and the vCPU in slot V bound.
 */
#include <stdlib.h>

#include "fixture.h"

#define EP 16
#define EP3 17
#define V 18
#define H_SLOT 20
#define G_SLOT 22
#define COPY 24

static struct tcb *H, *G;
static struct keel_trace_ring *ring[2];

static void cast(void)
{
	struct cap tr = { .type = KEEL_OBJ_TRACE, .rights = KEEL_R_ALL };
	cap_init_root(fx_slot(KEEL_ROOT_TRACE), &tr);
	for (unsigned c = 0; c < 2; c++) {
		ring[c] = aligned_alloc(4096, sizeof(*ring[c]));
		ck_assert_ptr_nonnull(ring[c]);
		ring[c]->head = 5; /* left from an earlier trace */
		trace_set_ring(c, (uint64_t)(uintptr_t)ring[c]);
	}
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, EP3, KEEL_ROOT_CNODE, EP,
				   KEEL_R_ALL, 3), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 1), KEEL_OK);
	H = fx_thread(H_SLOT, 100, H_SLOT + 1, true);
	G = fx_thread(G_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_CONFIGURE, EP3, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
}

static void uncast(void)
{
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TRACE, KEEL_TRACE_SET, 0), KEEL_OK);
	for (unsigned c = 0; c < 2; c++)
		free(ring[c]);
}

static void guest_exits(void)
{
	static const uint64_t msg[5] = { 0x9000018, 2, 1, 0, 0x1000 };
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	fx_run(G);
	fx_exit(G, KEEL_EXIT_MMIO, msg, 5);
	ck_assert_uint_eq(H->state, TS_READY);
}

START_TEST(off_records_nothing)
{
	cast();
	guest_exits();
	ck_assert_uint_eq(ring[0]->head, 5);
	ck_assert_uint_eq(ring[1]->head, 5);
	uncast();
}
END_TEST

START_TEST(on_records_exits_calls_and_injections)
{
	const struct keel_trace_event *e;
	cast();
	ck_assert(!fake_arch.traced);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TRACE, KEEL_TRACE_SET, 1), KEEL_OK);
	ck_assert(fake_arch.traced); /* the traced entry */
	ck_assert_uint_eq(ring[0]->head, 0); /* emptied */
	ck_assert_uint_eq(ring[1]->head, 0);
	guest_exits();
	ck_assert_uint_eq(ring[0]->head, 1);
	e = &ring[0]->ev[0];
	ck_assert_uint_eq(e->kind, KEEL_TRACE_EXIT);
	ck_assert_uint_eq(e->cpu, 0);
	ck_assert_uint_eq(e->vmid, G->vs_vmid);
	ck_assert_uint_eq(e->badge, 3);
	ck_assert_uint_eq(e->arg[0], KEEL_EXIT_MMIO);
	ck_assert_uint_eq(e->arg[1], 0x9000018);
	/* H, done with the exit, waits again; root calls EP3: H takes it */
	fx_trap(H, KEEL_SYS_REPLY_RECV, EP, keel_msginfo(KEEL_VCPU_STOP, 0), NULL);
	fx_run(fx.root);
	fx_trap(fx.root, KEEL_SYS_CALL, EP3, keel_msginfo(7, 0), NULL);
	ck_assert_uint_eq(ring[0]->head, 2);
	e = &ring[0]->ev[1];
	ck_assert_uint_eq(e->kind, KEEL_TRACE_IPC);
	ck_assert_uint_eq(e->vmid, fx.root->vs_vmid);
	ck_assert_uint_eq(e->arg[0], (H->vs_vmid & 0xff) | (uint64_t)H->slot[TCB_FAULT_EP].badge << 8);
	ck_assert_uint_eq(e->arg[1], 3);
	fx_trap(H, KEEL_SYS_REPLY, 0, keel_msginfo(0, 0), NULL);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0xa0), KEEL_OK);
	e = &ring[0]->ev[2];
	ck_assert_uint_eq(e->kind, KEEL_TRACE_INJECT);
	ck_assert_uint_eq(e->badge, 3); /* the vCPU's thread */
	ck_assert_uint_eq(e->arg[0], 40);
	ck_assert_uint_le(ring[0]->ev[0].time, e->time);
	/* a failed injection (no such interrupt) is not one */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 100000, 0xa0), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(ring[0]->head, 3);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TRACE, KEEL_TRACE_SET, 0), KEEL_OK);
	ck_assert(!fake_arch.traced); /* the untraced entry again */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 41, 0xa0), KEEL_OK);
	ck_assert_uint_eq(ring[0]->head, 3); /* off again: nothing more */
	fake_arch.traced = true; /* a CPU still on the traced entry */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 42, 0xa0), KEEL_OK);
	ck_assert_uint_eq(ring[0]->head, 3);
	fake_arch.traced = false;
	uncast();
}
END_TEST

START_TEST(bad_calls_change_nothing)
{
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TRACE, KEEL_TRACE_SET, 2), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TRACE, KEEL_TRACE_SET + 1, 1), KEEL_E_INVALID_CALL);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, COPY, KEEL_ROOT_CNODE,
				   KEEL_ROOT_TRACE, KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	guest_exits();
	ck_assert_uint_eq(ring[0]->head, 5); /* still off, not emptied */
	uncast();
}
END_TEST

Suite *suite_trace(void)
{
	TCase *tc;
	Suite *s = fx_suite("trace", &tc);
	tcase_add_test(tc, off_records_nothing);
	tcase_add_test(tc, on_records_exits_calls_and_injections);
	tcase_add_test(tc, bad_calls_change_nothing);
	return s;
}
