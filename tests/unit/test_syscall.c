/*
 * System-call entry (kernel/syscall.c): dispatch tables and their safe
 * defaults, Linux system calls and other faults forwarded to a thread's
 * fault endpoint (kernel/ipc.c fault_raise), and the TCB invocations that
 * configure a thread and reach its registers (kernel/thread.c).
 */
#include <string.h>

#include "fixture.h"

#define EP 16
#define H_SLOT 20
#define T_SLOT 22

static struct tcb *H, *T;

/* H (prio 100, with IPC buffer) handles T's (prio 50) faults on EP. */
static void fault_setup(bool handler_waits)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	H = fx_thread(H_SLOT, 100, H_SLOT + 1, true);
	T = fx_thread(T_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, EP, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	if (handler_waits) {
		fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
		ck_assert_uint_eq(H->state, TS_BLOCKED_RECV);
	}
}

START_TEST(unknown_call_number_is_invalid_call)
{
	static const unsigned nums[] = { KEEL_SYS_COUNT, 100, 0xffffffffu };
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(fx_trap(fx.root, nums[i], FX_UT, 0, NULL),
				  KEEL_E_INVALID_CALL);
		ck_assert_uint_eq(fx.root->state, TS_READY);
	}
}
END_TEST

START_TEST(unknown_invocation_label_is_invalid_call)
{
	static const uint64_t cases[][2] = { /* cptr, label */
		{ FX_UT, 0 }, { FX_UT, 99 }, { FX_UT, KEEL_CNODE_COPY }, { FX_UT, 0xffffff },
		{ KEEL_ROOT_CNODE, KEEL_UNTYPED_RETYPE },
		{ KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE + 1 },
		{ KEEL_ROOT_TCB, 0 }, { KEEL_ROOT_TCB, KEEL_FRAME_MAP },
		{ 17, KEEL_PT_MAP }, { 18, KEEL_FRAME_MAP },
		{ KEEL_ROOT_IRQ_CONTROL, KEEL_IRQ_ACK },
		{ 16, KEEL_UNTYPED_RETYPE },              /* notification */
		{ KEEL_ROOT_VSPACE, KEEL_FRAME_MAP },     /* vspace */
	};
	const uint64_t mr[6] = { 11, 12, 13, 14, 15, 16 };
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, 16, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, 17, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, 18, 1), KEEL_OK);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t st = fx_trap(fx.root, KEEL_SYS_CALL, cases[i][0],
				      keel_msginfo(cases[i][1], 6), mr);
		ck_assert_msg(st == KEEL_E_INVALID_CALL, "case %u: status %lu", i,
			      (unsigned long)st);
		ck_assert_msg(memcmp(fx_regs(fx.root) + 2, mr, sizeof(mr)) == 0,
			      "case %u: message registers changed", i);
	}
}
END_TEST

START_TEST(linux_call_without_handler_is_enosys)
{
	struct tcb *t = fx_thread(T_SLOT, 10, 0, true);
	const uint64_t mr[6] = { 3, 4, 5, 6, 7, 8 };
	t->regs.nr = 64;
	ck_assert_uint_eq(fx_trap(t, KEEL_SYS_LINUX, 1, 2, mr), (uint64_t)-38);
	ck_assert_uint_eq(t->state, TS_READY);
	ck_assert_uint_eq(fx_regs(t)[1], 2);
}
END_TEST

START_TEST(linux_call_with_handler_becomes_fault_message)
{
	const uint64_t mr[6] = { 3, 4, 5, 6, 7, 8 };
	uint64_t *h, reply[6] = { 5 };
	fault_setup(true);
	T->regs.nr = 64;
	arch_regs_set_pc(&T->regs, 0x400100);
	fx_trap(T, KEEL_SYS_LINUX, 1, 2, mr);
	ck_assert_uint_eq(T->state, TS_BLOCKED_REPLY);
	ck_assert_uint_eq(H->state, TS_READY);
	h = fx_regs(H);
	ck_assert_uint_eq(h[0], KEEL_OK);
	ck_assert_uint_eq(keel_msg_label(h[1]), KEEL_FAULT_SYSCALL);
	ck_assert_uint_eq(keel_msg_len(h[1]), 8);
	ck_assert_uint_eq(h[2], 64);
	for (unsigned i = 1; i < 6; i++)
		ck_assert_uint_eq(h[2 + i], i);      /* x0..x4 */
	ck_assert_uint_eq(tcb_ipcbuf(H)[6], 6);      /* x5 */
	ck_assert_uint_eq(tcb_ipcbuf(H)[7], 0x400100); /* pc */
	/* the reply's MR0 is the call's result */
	fx_trap(H, KEEL_SYS_REPLY, 0, keel_msginfo(0, 1), reply);
	ck_assert_uint_eq(T->state, TS_READY);
	ck_assert_uint_eq(fx_regs(T)[0], 5);
	ck_assert_uint_eq(fx_regs(T)[1], 2);
	ck_assert_uint_eq(T->fault_pending, 0);
}
END_TEST

START_TEST(fault_waits_for_handler_and_resumes_on_reply)
{
	const uint64_t msg[3] = { 0xdead000, 0x400200, KEEL_ACC_WRITE };
	fault_setup(false);
	fx_run(T);
	kernel_fault(KEEL_FAULT_VM, msg, 3);
	ck_assert_uint_eq(T->state, TS_BLOCKED_SEND);
	ck_assert_uint_eq(fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL), KEEL_OK);
	ck_assert_uint_eq(keel_msg_label(fx_regs(H)[1]), KEEL_FAULT_VM);
	ck_assert_uint_eq(keel_msg_len(fx_regs(H)[1]), 3);
	ck_assert_uint_eq(fx_regs(H)[2], 0xdead000);
	ck_assert_uint_eq(fx_regs(H)[4], KEEL_ACC_WRITE);
	ck_assert_uint_eq(T->state, TS_BLOCKED_REPLY);
	fx_trap(H, KEEL_SYS_REPLY, 0, 0, NULL);
	ck_assert_uint_eq(T->state, TS_READY);
}
END_TEST

START_TEST(fault_without_handler_stops_the_thread)
{
	const uint64_t msg[3] = { 0xdead000, 0x400200, KEEL_ACC_READ };
	struct tcb *t = fx_thread(T_SLOT, 10, 0, true);
	fx_run(t);
	kernel_fault(KEEL_FAULT_VM, msg, 3);
	ck_assert_uint_eq(t->state, TS_INACTIVE);
	ck_assert_ptr_nonnull(strstr(fake_console(), "no handler"));
}
END_TEST

/* A thread waiting for its fault to be handled stays stopped when the
 * handler's endpoint dies: resuming it would only fault again. */
START_TEST(fault_handler_endpoint_deleted_leaves_thread_stopped)
{
	const uint64_t msg[3] = { 0, 0, 0 };
	fault_setup(false);
	fx_run(T);
	kernel_fault(KEEL_FAULT_USER, msg, 2);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, EP), KEEL_OK);
	ck_assert_uint_eq(T->state, TS_INACTIVE);
	ck_assert_uint_eq(T->fault_pending, 0);
	ck_assert_uint_eq(T->slot[TCB_FAULT_EP].type, KEEL_OBJ_NULL);
}
END_TEST

START_TEST(debug_putc_and_yield)
{
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_DEBUG_PUTC, 'k', 0, NULL), KEEL_OK);
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_DEBUG_PUTC, '!', 0, NULL), KEEL_OK);
	ck_assert_str_eq(fake_console(), "k!");
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_YIELD, 0, 0, NULL), KEEL_OK);
	ck_assert(fx_cpu(0)->resched && fx_cpu(0)->rotate);
}
END_TEST

/* DEBUG_WRITE: x0 bytes of the message registers' memory; more than
 * KEEL_DEBUG_WRITE_MAX is refused and writes nothing (longer lines:
 * test_klog.c). */
START_TEST(debug_write_prints_the_registers_bytes)
{
	uint64_t mr[6] = { 0 };
	char line[KEEL_DEBUG_WRITE_REGS + 1];
	for (unsigned i = 0; i < KEEL_DEBUG_WRITE_REGS; i++)
		line[i] = (char)('a' + i % 26);
	line[KEEL_DEBUG_WRITE_REGS] = 0;
	memcpy(mr, line, KEEL_DEBUG_WRITE_REGS);
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, 3, 0, mr), KEEL_OK);
	ck_assert_str_eq(fake_console(), "abc");
	ck_assert_int_eq((long)fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, KEEL_DEBUG_WRITE_MAX + 1, 0, mr),
			 KEEL_E_INVALID_ARG);
	ck_assert_int_eq((long)fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, ~0ull, 0, mr), KEEL_E_INVALID_ARG);
	ck_assert_str_eq(fake_console(), "abc");
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, 0, 0, mr), KEEL_OK);
	memcpy(mr, line, KEEL_DEBUG_WRITE_REGS);
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, KEEL_DEBUG_WRITE_REGS, 0, mr), KEEL_OK);
	ck_assert_uint_eq(strlen(fake_console()), 3 + KEEL_DEBUG_WRITE_REGS);
	ck_assert_str_eq(fake_console() + 3, line);
}
END_TEST

START_TEST(tcb_registers_round_trip)
{
	uint64_t mr[6] = { 0x400000, 0x7ff000, 1, 2, 0x99, 0 };
	struct tcb *t = fx_thread(T_SLOT, 10, 0, true);
	ck_assert_int_eq(fx_invoke(T_SLOT, KEEL_TCB_WRITE_REGS, mr), KEEL_OK);
	ck_assert_uint_eq(t->state, TS_INACTIVE); /* WRITE_REGS suspends */
	ck_assert_uint_eq(t->regs.pc, 0x400000);
	ck_assert_uint_eq(t->regs.a[0], 1);
	ck_assert_uint_eq(t->regs.tls, 0x99);
	memset(mr, 0, sizeof(mr));
	ck_assert_int_eq(fx_invoke(T_SLOT, KEEL_TCB_READ_REGS, mr), KEEL_OK);
	ck_assert_uint_eq(mr[0], 0x400000);
	ck_assert_uint_eq(mr[1], 0x7ff000);
	ck_assert_uint_eq(mr[2], 1);
	ck_assert_uint_eq(mr[3], 2);
	ck_assert_uint_eq(mr[4], 0x99);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_WRITE_REGS, 1ull << 39, 0), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_WRITE_REGS, 0, 1ull << 39), KEEL_E_BAD_ADDRESS);
	ck_assert_uint_eq(t->regs.pc, 0x400000);
}
END_TEST

START_TEST(tcb_configure_checks_its_arguments)
{
	fx_thread(T_SLOT, 10, 0, false);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, 30, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 31, KEEL_ROOT_CNODE, 30,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 30, 0x1001), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 30, 1ull << 39), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 31, 0x1000), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_VSPACE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 30, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_E_WRONG_TYPE);
	/* the failed attempts left the earlier binding alone */
	ck_assert_uint_eq(fx_tcb(T_SLOT)->slot[TCB_CSPACE].type, KEEL_OBJ_CNODE);
	ck_assert_uint_eq(fx_tcb(T_SLOT)->slot[TCB_IPCBUF].type, KEEL_OBJ_NULL);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 30, 0x1000), KEEL_OK);
	ck_assert_ptr_eq(tcb_ipcbuf(fx_tcb(T_SLOT)), (uint64_t *)(uintptr_t)fx_slot(30)->obj);
	ck_assert_uint_eq(fx_tcb(T_SLOT)->ipcbuf_vaddr, 0x1000);
	/* a read-only TCB capability changes nothing */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 32, KEEL_ROOT_CNODE,
				   T_SLOT, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(32, KEEL_TCB_RESUME, 0), KEEL_E_NO_RIGHTS);
}
END_TEST

Suite *suite_syscall(void)
{
	TCase *tc;
	Suite *s = fx_suite("syscall", &tc);
	tcase_add_test(tc, unknown_call_number_is_invalid_call);
	tcase_add_test(tc, unknown_invocation_label_is_invalid_call);
	tcase_add_test(tc, linux_call_without_handler_is_enosys);
	tcase_add_test(tc, linux_call_with_handler_becomes_fault_message);
	tcase_add_test(tc, fault_waits_for_handler_and_resumes_on_reply);
	tcase_add_test(tc, fault_without_handler_stops_the_thread);
	tcase_add_test(tc, fault_handler_endpoint_deleted_leaves_thread_stopped);
	tcase_add_test(tc, debug_putc_and_yield);
	tcase_add_test(tc, debug_write_prints_the_registers_bytes);
	tcase_add_test(tc, tcb_registers_round_trip);
	tcase_add_test(tc, tcb_configure_checks_its_arguments);
	return s;
}
