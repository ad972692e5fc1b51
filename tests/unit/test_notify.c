/*
 * Notifications (kernel/notify.c): badge bits OR-ed by signal and taken by
 * wait/poll, blocking waiters, the bound notification that reaches a
 * thread waiting on an endpoint, and deletion.
 */
#include "fixture.h"

#define N 16      /* notification, unbadged original */
#define N4 17     /* badge 0x4 */
#define N10 18    /* badge 0x10 */
#define EP 19
#define W_SLOT 20
#define W2_SLOT 22

static struct tcb *W;

static void ntfn_setup(void)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, N, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, N4, KEEL_ROOT_CNODE, N,
				   KEEL_R_ALL, 0x4), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, N10, KEEL_ROOT_CNODE, N,
				   KEEL_R_WRITE, 0x10), KEEL_OK);
	W = fx_thread(W_SLOT, 100, 0, true);
}

static uint64_t root_trap(unsigned num, uint64_t cptr)
{
	return fx_trap(fx.root, num, cptr, 0, NULL);
}

/* A timer on a notification: nothing before the deadline, the bits at
 * it (waking a waiter), once; re-setting replaces the deadline, 0
 * disarms, a read-only capability may not set it, and a notification
 * deleted with its timer armed is forgotten by the tick. */
START_TEST(timer_signals_at_its_deadline)
{
	ntfn_setup();
	fake_arch.timer_now = 1000;
	fx_cpu(0)->timer_next = 90000;
	ck_assert_int_eq(FX_INVOKE(N10, KEEL_NTFN_SET_TIMER, 5000, 0x8), KEEL_OK);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000); /* sooner than the tick */
	fx_trap(W, KEEL_SYS_RECV, N, 0, NULL);
	ck_assert_uint_eq(W->state, TS_BLOCKED_NTFN);
	fake_arch.timer_now = 4999;
	kernel_timer_tick();
	ck_assert_uint_eq(W->state, TS_BLOCKED_NTFN);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000);
	fake_arch.timer_now = 5000;
	kernel_timer_tick();
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_regs(W)[2], 0x8);
	fake_arch.timer_now = 9000;
	kernel_timer_tick();
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0); /* once only */
	/* replace, then disarm */
	ck_assert_int_eq(FX_INVOKE(N, KEEL_NTFN_SET_TIMER, 20000, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(N, KEEL_NTFN_SET_TIMER, 30000, 0), KEEL_OK);
	fake_arch.timer_now = 25000;
	kernel_timer_tick();
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
	fake_arch.timer_now = 30000;
	kernel_timer_tick();
	ck_assert_uint_eq(fx_ntfn(N)->bits, 1); /* bits 0: bit 0 */
	fx_ntfn(N)->bits = 0;
	ck_assert_int_eq(FX_INVOKE(N, KEEL_NTFN_SET_TIMER, 40000, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(N, KEEL_NTFN_SET_TIMER, 0, 0), KEEL_OK);
	fake_arch.timer_now = 50000;
	kernel_timer_tick();
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, N,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(30, KEEL_NTFN_SET_TIMER, 60000, 0), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(N, 99, 0), KEEL_E_INVALID_CALL);
	/* armed, then deleted: the tick must not touch it */
	ck_assert_int_eq(FX_INVOKE(N, KEEL_NTFN_SET_TIMER, 70000, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, N), KEEL_OK);
	fake_arch.timer_now = 80000;
	kernel_timer_tick();
}
END_TEST

START_TEST(signals_accumulate_and_poll_takes_them)
{
	ntfn_setup();
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, N4), KEEL_OK);
	ck_assert_uint_eq(root_trap(KEEL_SYS_NBSEND, N10), KEEL_OK);
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, N), KEEL_OK); /* unbadged: bit 0 */
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0x15);
	ck_assert_uint_eq(root_trap(KEEL_SYS_POLL, N), KEEL_OK);
	ck_assert_uint_eq(fx_regs(fx.root)[2], 0x15);
	ck_assert_uint_eq(keel_msg_len(fx_regs(fx.root)[1]), 1);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
	ck_assert_uint_eq(root_trap(KEEL_SYS_POLL, N), KEEL_E_WOULD_BLOCK);
}
END_TEST

START_TEST(wait_blocks_until_signal)
{
	ntfn_setup();
	fx_trap(W, KEEL_SYS_RECV, N, 0, NULL);
	ck_assert_uint_eq(W->state, TS_BLOCKED_NTFN);
	ck_assert_ptr_eq(fx_ntfn(N)->waiters.head, W);
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, N10), KEEL_OK);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_regs(W)[0], KEEL_OK);
	ck_assert_uint_eq(fx_regs(W)[2], 0x10);
	ck_assert_uint_eq(keel_msg_label(fx_regs(W)[1]), 0);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
	ck_assert_ptr_null(fx_ntfn(N)->waiters.head);
}
END_TEST

START_TEST(wait_with_pending_bits_returns_at_once)
{
	ntfn_setup();
	root_trap(KEEL_SYS_SEND, N4);
	ck_assert_uint_eq(fx_trap(W, KEEL_SYS_RECV, N, 0, NULL), KEEL_OK);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_regs(W)[2], 0x4);
}
END_TEST

START_TEST(signal_needs_write_and_wait_needs_read)
{
	ntfn_setup();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, N,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, 30), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(root_trap(KEEL_SYS_POLL, N10), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(fx_trap(W, KEEL_SYS_RECV, N10, 0, NULL), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
}
END_TEST

START_TEST(two_waiters_are_woken_in_order)
{
	struct tcb *w2;
	ntfn_setup();
	w2 = fx_thread(W2_SLOT, 100, 0, true);
	fx_trap(W, KEEL_SYS_RECV, N, 0, NULL);
	fx_trap(w2, KEEL_SYS_RECV, N, 0, NULL);
	ck_assert_ptr_eq(fx_ntfn(N)->waiters.tail, w2);
	ck_assert_ptr_eq(W->next, w2);
	root_trap(KEEL_SYS_SEND, N4);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(w2->state, TS_BLOCKED_NTFN);
	root_trap(KEEL_SYS_SEND, N10);
	ck_assert_uint_eq(w2->state, TS_READY);
	ck_assert_uint_eq(fx_regs(w2)[2], 0x10);
}
END_TEST

START_TEST(bound_notification_reaches_thread_waiting_on_endpoint)
{
	ntfn_setup();
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	ck_assert_ptr_eq(W->bound_ntfn, fx_ntfn(N));
	fx_trap(W, KEEL_SYS_RECV, EP, 0, NULL);
	ck_assert_uint_eq(W->state, TS_BLOCKED_RECV);
	root_trap(KEEL_SYS_SEND, N4);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_regs(W)[0], KEEL_OK);
	ck_assert_uint_eq(keel_msg_label(fx_regs(W)[1]), KEEL_LABEL_NOTIFICATION);
	ck_assert_uint_eq(fx_regs(W)[2], 0x4);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	ck_assert_ptr_null(fx_ep(EP)->queue.head);
	ck_assert_ptr_null(W->blocked_on);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
}
END_TEST

START_TEST(bound_bits_pending_are_received_before_blocking)
{
	ntfn_setup();
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	root_trap(KEEL_SYS_SEND, N10);
	ck_assert_uint_eq(fx_trap(W, KEEL_SYS_RECV, EP, 0, NULL), KEEL_OK);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(keel_msg_label(fx_regs(W)[1]), KEEL_LABEL_NOTIFICATION);
	ck_assert_uint_eq(fx_regs(W)[2], 0x10);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
}
END_TEST

START_TEST(bind_is_one_to_one)
{
	ntfn_setup();
	fx_thread(W2_SLOT, 100, 0, true);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, 30, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(W2_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, 30), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, N10), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, EP), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, 0), KEEL_OK);
	ck_assert_ptr_null(fx_ntfn(N)->bound);
	ck_assert_int_eq(FX_INVOKE(W2_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	ck_assert_ptr_eq(fx_ntfn(N)->bound, fx_tcb(W2_SLOT));
}
END_TEST

START_TEST(deleting_notification_cancels_waiter_and_unbinds)
{
	struct tcb *w2;
	ntfn_setup();
	w2 = fx_thread(W2_SLOT, 100, 0, true);
	ck_assert_int_eq(FX_INVOKE(W2_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	fx_trap(W, KEEL_SYS_RECV, N, 0, NULL);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, N), KEEL_OK);
	ck_assert_uint_eq(fx_slot(N4)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(W->state, TS_READY);
	ck_assert_uint_eq(fx_regs(W)[0], KEEL_E_CANCELLED);
	ck_assert_ptr_null(w2->bound_ntfn);
}
END_TEST

START_TEST(deleting_bound_thread_unbinds_notification)
{
	ntfn_setup();
	ck_assert_int_eq(FX_INVOKE(W_SLOT, KEEL_TCB_BIND_NOTIFICATION, N), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, W_SLOT), KEEL_OK);
	ck_assert_ptr_null(fx_ntfn(N)->bound);
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_SEND, N4, 0, NULL), KEEL_OK);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0x4);
}
END_TEST

Suite *suite_notify(void)
{
	TCase *tc;
	Suite *s = fx_suite("notify", &tc);
	tcase_add_test(tc, signals_accumulate_and_poll_takes_them);
	tcase_add_test(tc, wait_blocks_until_signal);
	tcase_add_test(tc, wait_with_pending_bits_returns_at_once);
	tcase_add_test(tc, signal_needs_write_and_wait_needs_read);
	tcase_add_test(tc, two_waiters_are_woken_in_order);
	tcase_add_test(tc, bound_notification_reaches_thread_waiting_on_endpoint);
	tcase_add_test(tc, bound_bits_pending_are_received_before_blocking);
	tcase_add_test(tc, bind_is_one_to_one);
	tcase_add_test(tc, timer_signals_at_its_deadline);
	tcase_add_test(tc, deleting_notification_cancels_waiter_and_unbinds);
	tcase_add_test(tc, deleting_bound_thread_unbinds_notification);
	return s;
}
