/*
 * Scheduler (kernel/sched.c, the TCB scheduling invocations in
 * kernel/thread.c, kernel_exit in kernel/syscall.c): strict priority,
 * round-robin among equals, preemption, per-CPU queues and affinity.
 *
 * The invariant checked at every kernel exit: the thread a CPU returns to
 * is the highest-priority ready thread with that CPU's affinity.
 */
#include "fixture.h"

#define A 20
#define B 22
#define C 24

static uint64_t tcb_call(struct tcb *t, uint64_t cptr, uint64_t label, uint64_t arg)
{
	uint64_t mr[6] = { arg };
	return fx_trap(t, KEEL_SYS_CALL, cptr, keel_msginfo(label, 1), mr);
}

/* t suspends itself and the scheduler picks what comes next. */
static struct tcb *suspend_self(struct tcb *t, uint64_t own_slot)
{
	tcb_call(t, own_slot, KEEL_TCB_SUSPEND, 0);
	ck_assert_uint_eq(t->state, TS_INACTIVE);
	ck_assert(fx_cpu(t->cpu)->resched);
	sched_pick();
	return fx_cpu(t->cpu)->current;
}

static bool prio_ready(unsigned cpu, unsigned prio)
{
	return (fx_cpu(cpu)->ready_map[prio / 64] >> (prio % 64)) & 1;
}

START_TEST(highest_priority_runs_first)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	struct tcb *b = fx_thread(B, 30, 0, true);
	struct tcb *c = fx_thread(C, 20, 0, true);
	ck_assert(prio_ready(0, 10) && prio_ready(0, 20) && prio_ready(0, 30));
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), b);
	ck_assert(!prio_ready(0, 30));
	ck_assert_ptr_eq(suspend_self(b, B), c);
	ck_assert_ptr_eq(suspend_self(c, C), a);
	ck_assert_ptr_eq(suspend_self(a, A), &fx_cpu(0)->idle);
	ck_assert_uint_eq(fx_cpu(0)->ready_map[0], 0);
}
END_TEST

/* Priorities in three words of the ready map: sched_highest and
 * sched_ready_above (the IPC fastpath's question) look across words. */
START_TEST(priorities_in_every_word_of_the_map)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	struct tcb *b = fx_thread(B, 70, 0, true);
	struct tcb *c = fx_thread(C, 200, 0, true);
	const struct percpu *p = fx_cpu(0);
	ck_assert(prio_ready(0, 10) && prio_ready(0, 70) && prio_ready(0, 200));
	ck_assert_int_eq(sched_highest(p), 200);
	ck_assert(sched_ready_above(p, 199) && !sched_ready_above(p, 200));
	ck_assert(sched_ready_above(p, 0) && sched_ready_above(p, 127));
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), c);
	ck_assert(!prio_ready(0, 200) && !sched_ready_above(p, 70) && sched_ready_above(p, 69));
	ck_assert_int_eq(sched_highest(p), 70);
	ck_assert_ptr_eq(suspend_self(c, C), b);
	ck_assert(!sched_ready_above(p, 10) && sched_ready_above(p, 9));
	ck_assert_int_eq(sched_highest(p), 10);
	ck_assert_ptr_eq(suspend_self(b, B), a);
	ck_assert_int_eq(sched_highest(p), -1);
	ck_assert(!sched_ready_above(p, 0));
	ck_assert_ptr_eq(suspend_self(a, A), &fx_cpu(0)->idle);
}
END_TEST

START_TEST(equal_priorities_take_turns_on_yield)
{
	struct tcb *t[3];
	for (unsigned i = 0; i < 3; i++)
		t[i] = fx_thread(A + 2 * i, 10, 0, true);
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), t[0]);
	for (unsigned round = 0; round < 6; round++) {
		struct tcb *cur = t[round % 3];
		ck_assert_ptr_eq(fx_cpu(0)->current, cur);
		ck_assert_uint_eq(fx_trap(cur, KEEL_SYS_YIELD, 0, 0, NULL), KEEL_OK);
		sched_pick();
		ck_assert_ptr_eq(fx_cpu(0)->current, t[(round + 1) % 3]);
	}
}
END_TEST

START_TEST(yield_without_equals_keeps_running)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	fx_thread(B, 5, 0, true);
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), a);
	fx_trap(a, KEEL_SYS_YIELD, 0, 0, NULL);
	sched_pick();
	ck_assert_ptr_eq(fx_cpu(0)->current, a);
}
END_TEST

START_TEST(timer_tick_rotates_equals)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	struct tcb *b = fx_thread(B, 10, 0, true);
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), a);
	kernel_timer_tick();
	ck_assert_uint_eq(fake_arch.timer_arms, 1);
	ck_assert_ptr_eq(fx_kernel_exit(), b);
	ck_assert_uint_eq(a->state, TS_READY);
	ck_assert(prio_ready(0, 10));
}
END_TEST

START_TEST(higher_priority_made_ready_preempts)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	struct tcb *b = fx_thread(B, 20, 0, false);
	fx_thread(C, 5, 0, false);
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), a);
	/* a lower one does not */
	ck_assert_uint_eq(tcb_call(a, C, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert(!fx_cpu(0)->resched);
	ck_assert_ptr_eq(fx_kernel_exit(), a);
	ck_assert_uint_eq(tcb_call(a, B, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert(fx_cpu(0)->resched);
	ck_assert_ptr_eq(fx_kernel_exit(), b);
	ck_assert_uint_eq(a->state, TS_READY);
	ck_assert(prio_ready(0, 10));
}
END_TEST

/* A thread that lowers its own priority below a ready thread's gives way
 * at the next kernel exit, like any other priority change. */
START_TEST(lowering_own_priority_gives_way)
{
	struct tcb *a = fx_thread(A, 20, 0, true);
	struct tcb *b = fx_thread(B, 10, 0, true);
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), a);
	ck_assert_uint_eq(tcb_call(a, A, KEEL_TCB_SET_PRIORITY, 5), KEEL_OK);
	ck_assert_uint_eq(a->prio, 5);
	ck_assert_ptr_eq(fx_kernel_exit(), b);
}
END_TEST

START_TEST(priority_limited_by_callers_own)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	fx_thread(B, 10, 0, true);
	ck_assert_uint_eq(tcb_call(a, B, KEEL_TCB_SET_PRIORITY, 11), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(tcb_call(a, B, KEEL_TCB_SET_PRIORITY, 10), KEEL_OK);
	ck_assert_uint_eq(FX_INVOKE(A, KEEL_TCB_SET_PRIORITY, 255), KEEL_OK);
}
END_TEST

START_TEST(suspend_and_resume_move_through_the_queue)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	ck_assert_ptr_eq(fx_cpu(0)->ready[10].head, a);
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_SUSPEND, 0), KEEL_OK);
	ck_assert_uint_eq(a->state, TS_INACTIVE);
	ck_assert_ptr_null(fx_cpu(0)->ready[10].head);
	ck_assert(!prio_ready(0, 10));
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(fx_cpu(0)->ready[10].head, a);
	/* a thread with no address space cannot run */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_TCB, 0, B, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(B, KEEL_TCB_RESUME, 0), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(fx_tcb(B)->state, TS_INACTIVE);
}
END_TEST

START_TEST(kernel_exit_activates_the_threads_vspace)
{
	ck_assert_ptr_eq(fx_kernel_exit(), fx.root);
	ck_assert_uint_eq(fake_arch.activations, 1);
	ck_assert_uint_eq(fake_arch.active_root, fx_slot(KEEL_ROOT_VSPACE)->obj);
	ck_assert_uint_eq(fake_arch.active_vmid, fx_slot(KEEL_ROOT_VSPACE)->data & 0xff);
	ck_assert_uint_eq(fake_arch.lock_releases, 1);
}
END_TEST

START_TEST(nothing_ready_runs_idle)
{
	ck_assert_ptr_eq(suspend_self(fx.root, KEEL_ROOT_TCB), &fx_cpu(0)->idle);
	ck_assert_ptr_eq(fx_kernel_exit(), &fx_cpu(0)->idle);
	ck_assert_uint_eq(fake_arch.activations, 0);
}
END_TEST

START_TEST(affinity_moves_thread_to_other_cpu)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	ck_assert_uint_eq(a->cpu, 1);
	ck_assert(!prio_ready(0, 10));
	ck_assert_ptr_null(fx_cpu(0)->ready[10].head);
	ck_assert_ptr_eq(fx_cpu(1)->ready[10].head, a);
	ck_assert(prio_ready(1, 10));
	ck_assert_uint_eq(fake_arch.ipi_mask, 1u << 1);
	/* CPU 1 takes the IPI and runs it */
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), a);
	ck_assert_ptr_eq(fx_cpu(1)->current, a);
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_SET_AFFINITY, 2), KEEL_E_INVALID_ARG);
}
END_TEST

/* The running thread moves itself to CPU 1: CPU 0 must not go back to it,
 * or both CPUs would run it. */
START_TEST(affinity_of_running_thread_leaves_this_cpu)
{
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_TCB, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	ck_assert_ptr_eq(fx_cpu(1)->ready[FX_ROOT_PRIO].head, fx.root);
	ck_assert_ptr_ne(fx_kernel_exit(), fx.root);
	ck_assert_ptr_ne(fx_cpu(0)->current, fx.root);
}
END_TEST

/* Suspending a thread another CPU is running stalls that CPU (IPI, it
 * switches to idle, its FPU registers are saved); a system call it was in
 * is restarted later. */
START_TEST(suspending_thread_running_elsewhere_stalls_that_cpu)
{
	struct tcb *a = fx_thread(A, 10, 0, true);
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), a);
	arch_regs_set_pc(&a->regs, 0x1000);
	a->fpu_live = 1;
	fake_arch.in_svc[1] = true;
	fake_arch.ipis = 0;
	ck_assert_int_eq(FX_INVOKE(A, KEEL_TCB_SUSPEND, 0), KEEL_OK);
	ck_assert_uint_eq(fake_arch.ipis, 1);
	ck_assert_uint_eq(fake_arch.last_ipi_cpu, 1);
	ck_assert_ptr_eq(fx_cpu(1)->current, &fx_cpu(1)->idle);
	ck_assert_uint_eq(fx_cpu(1)->stall_req, 0);
	ck_assert_uint_eq(a->state, TS_INACTIVE);
	ck_assert_uint_eq(arch_regs_pc(&a->regs), 0x1000 - 4);
	ck_assert_uint_eq(a->fpu_live, 0);
	ck_assert_ptr_eq(fake_arch.fpu_saved, a);
	ck_assert_uint_ge(fake_arch.lock_busy, 1); /* it did wait for the lock */
}
END_TEST

Suite *suite_sched(void)
{
	TCase *tc;
	Suite *s = fx_suite("sched", &tc);
	tcase_add_test(tc, highest_priority_runs_first);
	tcase_add_test(tc, priorities_in_every_word_of_the_map);
	tcase_add_test(tc, equal_priorities_take_turns_on_yield);
	tcase_add_test(tc, yield_without_equals_keeps_running);
	tcase_add_test(tc, timer_tick_rotates_equals);
	tcase_add_test(tc, higher_priority_made_ready_preempts);
	tcase_add_test(tc, lowering_own_priority_gives_way);
	tcase_add_test(tc, priority_limited_by_callers_own);
	tcase_add_test(tc, suspend_and_resume_move_through_the_queue);
	tcase_add_test(tc, kernel_exit_activates_the_threads_vspace);
	tcase_add_test(tc, nothing_ready_runs_idle);
	tcase_add_test(tc, affinity_moves_thread_to_other_cpu);
	tcase_add_test(tc, affinity_of_running_thread_leaves_this_cpu);
	tcase_add_test(tc, suspending_thread_running_elsewhere_stalls_that_cpu);
	return s;
}
