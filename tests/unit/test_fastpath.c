/*
 * IPC fastpath (kernel/fastpath.c). It promises the general path's
 * semantics with fewer instructions, so each scenario runs twice (loop
 * index 0: general path only; 1: fastpath first, as arch/aarch64/trap.c
 * enters) and must end in the same state, and the fast run must really
 * take the fastpath. When the fastpath declines, nothing may have changed.
 *
 * Cast: S server (IPC buffer), C client (prio 50, IPC buffer), root
 * suspended so that the scheduler, not the test, decides who runs.
 */
#include <string.h>

#include "fixture.h"

#define EP 16
#define BADGED 17 /* EP minted with badge 0x77 */
#define S_SLOT 20
#define C_SLOT 22
#define M_SLOT 24
#define EP_RO 30
#define EP_WO 31
#define NTFN 32

static struct tcb *S, *C;
static const uint64_t MR[6] = { 11, 12, 13, 14, 15, 16 };

/* Trap as t, which must be running: the fastpath first if `fast`, else (or
 * when it declines) the general path and kernel_exit. Returns the thread
 * the CPU goes to. */
static struct tcb *enter(struct tcb *t, bool fast, unsigned num, uint64_t cptr,
			 uint64_t info, bool *took_fast)
{
	uint64_t *r = fx_regs(t);
	struct tcb *next;
	ck_assert_ptr_eq(fx_cpu(t->cpu)->current, t);
	r[0] = cptr;
	r[1] = info;
	memcpy(r + 2, MR, sizeof(MR));
	fake_arch.activations = 0;
	fake_arch.active_root = 0;
	kernel_enter(t, true);
	next = fast ? kernel_fastpath(num, t) : NULL;
	*took_fast = next != NULL;
	if (next) {
		arch_lock_release();
		return next;
	}
	kernel_syscall(num);
	return fx_kernel_exit();
}

/* The objects, made by root: EP, its badged copy, a read-only copy in
 * EP_RO and a write-only one in EP_WO; S (prio s_prio) ready, C not yet. */
static void cast_objects(unsigned s_prio)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, BADGED, KEEL_ROOT_CNODE,
				   EP, KEEL_R_ALL, 0x77), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, EP_RO, KEEL_ROOT_CNODE,
				   EP, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, EP_WO, KEEL_ROOT_CNODE,
				   EP, KEEL_R_WRITE), KEEL_OK);
	S = fx_thread(S_SLOT, s_prio, S_SLOT + 1, true);
	C = fx_thread(C_SLOT, 50, C_SLOT + 1, false);
}

/* Root steps aside, S waits on EP, then C is made ready and runs. */
static void cast_run(void)
{
	bool took;
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), S);
	ck_assert_ptr_eq(enter(S, true, KEEL_SYS_RECV, EP, 0, &took), &fx_cpu(0)->idle);
	ck_assert(!took);
	tcb_resume(C);
	ck_assert_ptr_eq(fx_kernel_exit(), C);
}

static void cast(unsigned s_prio)
{
	cast_objects(s_prio);
	cast_run();
}

static void check_call_delivered(void)
{
	uint64_t *s = fx_regs(S);
	ck_assert_ptr_eq(fx_cpu(0)->current, S);
	ck_assert_uint_eq(S->state, TS_READY);
	ck_assert_uint_eq(C->state, TS_BLOCKED_REPLY);
	ck_assert_ptr_eq(S->reply_to, C);
	ck_assert_ptr_eq(C->reply_from, S);
	ck_assert_ptr_null(S->blocked_on);
	ck_assert_uint_eq(s[0], KEEL_OK);
	ck_assert_uint_eq(s[1], 0x77ull << 32 | keel_msginfo(9, 3));
	ck_assert(memcmp(s + 2, MR, sizeof(MR)) == 0);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	ck_assert_ptr_null(fx_ep(EP)->queue.head);
	ck_assert_ptr_null(fx_ep(EP)->queue.tail);
	ck_assert_uint_eq(fx_cpu(0)->ready_map[0] | fx_cpu(0)->ready_map[1], 0);
	ck_assert_uint_eq(fake_arch.activations, 1);
	ck_assert_uint_eq(fake_arch.active_root, fx_slot(KEEL_ROOT_VSPACE)->obj);
}

START_TEST(call_to_waiting_higher_server)
{
	bool took;
	cast(100);
	ck_assert_ptr_eq(enter(C, _i, KEEL_SYS_CALL, BADGED, keel_msginfo(9, 3), &took), S);
	ck_assert_int_eq(took, _i);
	check_call_delivered();
}
END_TEST

/* Nothing else is ready, so even a lower-priority server is next. */
/* The caller's live FPU registers are saved when the server takes over. */
START_TEST(call_saves_callers_fpu)
{
	bool took;
	cast(100);
	C->fpu_live = 1;
	ck_assert_ptr_eq(enter(C, _i, KEEL_SYS_CALL, EP, 0, &took), S);
	ck_assert_int_eq(took, _i);
	ck_assert_uint_eq(C->fpu_live, 0);
	ck_assert_ptr_eq(fake_arch.fpu_saved, C);
}
END_TEST

START_TEST(call_to_waiting_lower_server)
{
	bool took;
	cast(10);
	ck_assert_ptr_eq(enter(C, _i, KEEL_SYS_CALL, BADGED, keel_msginfo(9, 3), &took), S);
	ck_assert_int_eq(took, _i);
	check_call_delivered();
}
END_TEST

START_TEST(reply_recv_to_waiting_caller)
{
	bool took;
	uint64_t *c;
	cast(100);
	ck_assert_ptr_eq(enter(C, false, KEEL_SYS_CALL, BADGED, keel_msginfo(9, 3), &took), S);
	ck_assert_ptr_eq(enter(S, _i, KEEL_SYS_REPLY_RECV, EP, keel_msginfo(4, 2), &took), C);
	ck_assert_int_eq(took, _i);
	c = fx_regs(C);
	ck_assert_ptr_eq(fx_cpu(0)->current, C);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(c[0], KEEL_OK);
	ck_assert_uint_eq(c[1], keel_msginfo(4, 2));
	ck_assert(memcmp(c + 2, MR, sizeof(MR)) == 0);
	ck_assert_ptr_null(S->reply_to);
	ck_assert_ptr_null(C->reply_from);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
	ck_assert_ptr_eq(S->blocked_on, fx_ep(EP));
	ck_assert_uint_eq(fx_ep(EP)->state, EP_RECV);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, S);
	ck_assert_ptr_eq(fx_ep(EP)->queue.tail, S);
	ck_assert_uint_eq(fx_cpu(0)->ready_map[0] | fx_cpu(0)->ready_map[1], 0);
	ck_assert_uint_eq(fake_arch.activations, 1);
}
END_TEST

/* ---- declining ---- */

/* The fastpath must decline num on cptr/info as t, touching nothing. */
static void declines(struct tcb *t, unsigned num, uint64_t cptr, uint64_t info)
{
	struct fx_snapshot *s;
	uint64_t *r = fx_regs(t);
	ck_assert_ptr_eq(fx_cpu(t->cpu)->current, t);
	r[0] = cptr;
	r[1] = info;
	memcpy(r + 2, MR, sizeof(MR));
	s = fx_snapshot_take();
	ck_assert_ptr_null(kernel_fastpath(num, t));
	ck_assert_msg(fx_snapshot_same(s), "declined fastpath changed kernel state");
}

/* As declines, with no reschedule pending: that alone makes the fastpath
 * decline, and would hide the reason a test means to check. */
static void check_declines(struct tcb *t, unsigned num, uint64_t cptr, uint64_t info)
{
	ck_assert(!fx_cpu(t->cpu)->resched);
	declines(t, num, cptr, info);
}

START_TEST(call_declines_unless_common_case)
{
	cast(100);
	check_declines(C, KEEL_SYS_CALL, EP, keel_msginfo(1, KEEL_MSG_REG_MRS + 1));
	check_declines(C, KEEL_SYS_CALL, 1u << FX_CNODE_BITS, 0);
	check_declines(C, KEEL_SYS_CALL, 40, 0);                   /* empty */
	check_declines(C, KEEL_SYS_CALL, S_SLOT, 0);               /* a TCB */
	check_declines(C, KEEL_SYS_CALL, EP_RO, 0);                /* no WRITE */
	fx_cpu(0)->resched = true;
	declines(C, KEEL_SYS_CALL, EP, 0);
	fx_cpu(0)->resched = false;
	check_declines(C, KEEL_SYS_SEND, EP, 0);                   /* not a call */
}
END_TEST

START_TEST(call_declines_when_nobody_waits)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	C = fx_thread(C_SLOT, 50, 0, true);
	fx_run(C);
	check_declines(C, KEEL_SYS_CALL, EP, 0);
}
END_TEST

/* A thread between the client and a lower server is ready: the scheduler
 * would run it, so the fastpath must leave the choice to the scheduler. */
START_TEST(call_declines_when_another_thread_outranks_server)
{
	bool took;
	struct tcb *m;
	cast_objects(10);
	m = fx_thread(M_SLOT, 30, 0, false);
	cast_run();
	tcb_resume(m);
	ck_assert_ptr_eq(fx_cpu(0)->current, C);
	check_declines(C, KEEL_SYS_CALL, EP, 0);
	ck_assert_ptr_eq(enter(C, true, KEEL_SYS_CALL, EP, 0, &took), m);
	ck_assert(!took);
}
END_TEST

START_TEST(call_declines_server_on_other_cpu)
{
	cast(100);
	S->cpu = 1; /* as TCB_SET_AFFINITY leaves a blocked thread */
	check_declines(C, KEEL_SYS_CALL, EP, 0);
	S->cpu = 0;
}
END_TEST

START_TEST(reply_recv_declines_unless_common_case)
{
	bool took;
	struct tcb *c2;
	cast_objects(100);
	c2 = fx_thread(M_SLOT, 150, 0, false);
	cast_run();
	check_declines(C, KEEL_SYS_REPLY_RECV, EP, 0);             /* no caller */
	ck_assert_ptr_eq(enter(C, false, KEEL_SYS_CALL, EP, 0, &took), S);
	check_declines(S, KEEL_SYS_REPLY_RECV, EP, keel_msginfo(0, KEEL_MSG_REG_MRS + 1));
	check_declines(S, KEEL_SYS_REPLY_RECV, 40, 0);             /* empty */
	check_declines(S, KEEL_SYS_REPLY_RECV, EP_WO, 0);          /* no READ */
	/* a sender is queued: the general path receives from it at once */
	tcb_resume(c2);
	ck_assert_ptr_eq(fx_kernel_exit(), c2);
	ck_assert_ptr_eq(enter(c2, true, KEEL_SYS_SEND, EP, 0, &took), S);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_SEND);
	check_declines(S, KEEL_SYS_REPLY_RECV, EP, 0);
}
END_TEST

START_TEST(reply_recv_declines_with_pending_notification)
{
	bool took;
	cast_objects(100);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, NTFN, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(S_SLOT, KEEL_TCB_BIND_NOTIFICATION, NTFN), KEEL_OK);
	cast_run();
	ck_assert_ptr_eq(enter(C, false, KEEL_SYS_CALL, EP, 0, &took), S);
	ntfn_signal(fx_ntfn(NTFN), 0x2);
	check_declines(S, KEEL_SYS_REPLY_RECV, EP, 0);
}
END_TEST

/* A fault reply resumes a faulted thread: not the fastpath's business. */
START_TEST(reply_recv_declines_fault_reply)
{
	static const uint64_t msg[3] = { 0x1000, 0x2000, KEEL_ACC_READ };
	cast_objects(100);
	ck_assert_int_eq(FX_INVOKE(C_SLOT, KEEL_TCB_CONFIGURE, EP, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, C_SLOT + 1, 0x10000000), KEEL_OK);
	cast_run();
	kernel_fault(KEEL_FAULT_VM, msg, 3);
	ck_assert_ptr_eq(S->reply_to, C);
	ck_assert_ptr_eq(fx_kernel_exit(), S);
	check_declines(S, KEEL_SYS_REPLY_RECV, EP, 0);
}
END_TEST

Suite *suite_fastpath(void)
{
	TCase *tc;
	Suite *s = fx_suite("fastpath", &tc);
	tcase_add_loop_test(tc, call_to_waiting_higher_server, 0, 2);
	tcase_add_loop_test(tc, call_to_waiting_lower_server, 0, 2);
	tcase_add_loop_test(tc, call_saves_callers_fpu, 0, 2);
	tcase_add_loop_test(tc, reply_recv_to_waiting_caller, 0, 2);
	tcase_add_test(tc, call_declines_unless_common_case);
	tcase_add_test(tc, call_declines_when_nobody_waits);
	tcase_add_test(tc, call_declines_when_another_thread_outranks_server);
	tcase_add_test(tc, call_declines_server_on_other_cpu);
	tcase_add_test(tc, reply_recv_declines_unless_common_case);
	tcase_add_test(tc, reply_recv_declines_with_pending_notification);
	tcase_add_test(tc, reply_recv_declines_fault_reply);
	return s;
}
