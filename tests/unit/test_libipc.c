/*
 * libipc's ABI header (libipc/include/keel/abi.h): the message-info
 * encoding, and the static inline wrappers through the fake trap
 * (libipc/arch/fake/keel/arch_trap.h). fake_keel_trap below records each
 * trap and answers canned values, or (case "kernel") enters the kernel
 * under test as the root server.
 */
#include <string.h>

#include <keel/server.h>

#include "fixture.h"

/* A script of received messages for the server loop (script_n > 0): each
 * receive returns the next (info, MR0); the replies sent are recorded. */
#define SCRIPT_MAX 8u
static struct {
	unsigned n, next, replies;
	uint64_t info[SCRIPT_MAX], mr0[SCRIPT_MAX];
	uint64_t reply_info[SCRIPT_MAX], reply_mr0[SCRIPT_MAX];
} script;

static long script_trap(unsigned num, uint64_t *info, uint64_t *mr)
{
	if (num == KEEL_SYS_REPLY_RECV && script.replies < SCRIPT_MAX) {
		script.reply_info[script.replies] = *info;
		script.reply_mr0[script.replies++] = mr[0];
	}
	if (script.next == script.n)
		return KEEL_E_INVALID_CAP; /* the end: the loop returns this */
	*info = script.info[script.next];
	memset(mr, 0, 6 * sizeof(*mr));
	mr[0] = script.mr0[script.next++];
	return KEEL_OK;
}

static struct {
	unsigned calls, num;
	uint64_t cptr, info, mr[6];
	bool to_kernel;
	long status;
	uint64_t out_info, out_mr[6];
} trap;

long fake_keel_trap(unsigned num, uint64_t cptr, uint64_t *info, uint64_t *mr)
{
	if (script.n)
		return script_trap(num, info, mr);
	trap.calls++;
	trap.num = num;
	trap.cptr = cptr;
	trap.info = *info;
	memcpy(trap.mr, mr, sizeof(trap.mr));
	if (trap.to_kernel) {
		uint64_t *r = fx_regs(fx.root);
		fx_trap(fx.root, num, cptr, *info, mr);
		*info = r[1];
		memcpy(mr, r + 2, sizeof(trap.mr));
		return (long)r[0];
	}
	*info = trap.out_info;
	memcpy(mr, trap.out_mr, sizeof(trap.out_mr));
	return trap.status;
}

static void trap_reset(void)
{
	memset(&trap, 0, sizeof(trap));
	memset(&script, 0, sizeof(script));
	trap.status = 0x5a;
	trap.out_info = 0xabcdef0012345607ull;
	for (unsigned i = 0; i < 6; i++)
		trap.out_mr[i] = 0x100 + i;
}

static void check_trap(unsigned num, uint64_t cptr, uint64_t info, const uint64_t *mr)
{
	ck_assert_uint_eq(trap.calls, 1);
	ck_assert_uint_eq(trap.num, num);
	ck_assert_uint_eq(trap.cptr, cptr);
	ck_assert_uint_eq(trap.info, info);
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(trap.mr[i], mr[i]);
	trap.calls = 0;
}

START_TEST(msginfo_layout)
{
	uint64_t info = keel_msginfo(0x123456, 9);
	ck_assert_uint_eq(info, 0x12345609);
	ck_assert_uint_eq(keel_msg_len(info), 9);
	ck_assert_uint_eq(keel_msg_label(info), 0x123456);
	ck_assert_uint_eq(keel_msg_badge(info), 0);
	/* fields are masked, never spill into each other */
	info = keel_msginfo(0x1abcdef, 0x1ff);
	ck_assert_uint_eq(keel_msg_label(info), 0xabcdef);
	ck_assert_uint_eq(keel_msg_len(info), 0xff);
	ck_assert_uint_eq(keel_msg_badge(info), 0);
	info |= 0xdeadbeefull << 32;
	ck_assert_uint_eq(keel_msg_badge(info), 0xdeadbeef);
	ck_assert_uint_eq(keel_msg_label(info), 0xabcdef);
	ck_assert_uint_eq(keel_msg_label(keel_msginfo(KEEL_LABEL_NOTIFICATION, 1)),
			  KEEL_LABEL_NOTIFICATION);
}
END_TEST

START_TEST(in_out_wrappers_pass_registers_both_ways)
{
	uint64_t mr[6] = { 1, 2, 3, 4, 5, 6 }, sent[6], info = 0x302;
	static const unsigned nums[4] = { KEEL_SYS_CALL, KEEL_SYS_REPLY_RECV,
					  KEEL_SYS_RECV, KEEL_SYS_POLL };
	for (unsigned w = 0; w < 4; w++) {
		long st = 0;
		trap_reset();
		memcpy(sent, mr, sizeof(mr));
		switch (w) {
		case 0: st = keel_call(7, &info, mr); break;
		case 1: st = keel_reply_recv(7, &info, mr); break;
		case 2: st = keel_recv(7, &info, mr); break;
		case 3: st = keel_poll(7, &info, mr); break;
		}
		check_trap(nums[w], 7, w == 0 ? 0x302 : trap.out_info, sent);
		ck_assert_int_eq(st, 0x5a);
		ck_assert_uint_eq(info, trap.out_info);
		ck_assert(memcmp(mr, trap.out_mr, sizeof(mr)) == 0);
	}
}
END_TEST

START_TEST(send_side_wrappers)
{
	uint64_t mr[6] = { 1, 2, 3, 4, 5, 6 }, zero[6] = { 0 }, info = 0x104;
	trap_reset();
	ck_assert_int_eq(keel_send(9, info, mr), 0x5a);
	check_trap(KEEL_SYS_SEND, 9, 0x104, (uint64_t[6]){ 1, 2, 3, 4, 5, 6 });
	ck_assert_uint_eq(info, 0x104); /* passed by value */
	memcpy(mr, zero, sizeof(mr));
	mr[0] = 77;
	ck_assert_int_eq(keel_reply(0x201, mr), 0x5a);
	check_trap(KEEL_SYS_REPLY, 0, 0x201, (uint64_t[6]){ 77 });
	ck_assert_int_eq(keel_signal(12), 0x5a);
	check_trap(KEEL_SYS_SEND, 12, 0, zero);
	keel_yield();
	check_trap(KEEL_SYS_YIELD, 0, 0, zero);
	keel_debug_putc((char)0xe9);
	check_trap(KEEL_SYS_DEBUG_PUTC, 0xe9, 0, zero);
	memcpy(mr, zero, sizeof(mr));
	memcpy(mr, "keel!", 5); /* the bytes in memory order, the rest 0 */
	ck_assert_int_eq(keel_debug_write("keel!", 5), 0x5a);
	check_trap(KEEL_SYS_DEBUG_WRITE, 5, 0, mr);
	memcpy(mr, zero, sizeof(mr));
	mr[0] = 1;
	ck_assert_int_eq(keel_invoke(3, KEEL_FRAME_MAP, 3, mr), 0x5a);
	check_trap(KEEL_SYS_CALL, 3, keel_msginfo(KEEL_FRAME_MAP, 3), (uint64_t[6]){ 1 });
	ck_assert_uint_eq(mr[0], 0x100); /* results come back */
}
END_TEST

static void kernel_setup(void)
{
	fx_setup();
	trap_reset();
	trap.to_kernel = true;
}

START_TEST(wrappers_drive_the_kernel)
{
	uint64_t mr[6] = { KEEL_OBJ_NOTIFICATION, 0, KEEL_ROOT_CNODE, 16, 1, 0 }, info = 0;
	ck_assert_int_eq(keel_invoke(FX_UT, KEEL_UNTYPED_RETYPE, 5, mr), KEEL_OK);
	ck_assert_uint_eq(fx_slot(16)->type, KEEL_OBJ_NOTIFICATION);
	ck_assert_int_eq(keel_signal(16), KEEL_OK);
	ck_assert_int_eq(keel_poll(16, &info, mr), KEEL_OK);
	ck_assert_uint_eq(mr[0], 1);
	ck_assert_uint_eq(keel_msg_len(info), 1);
	ck_assert_int_eq(keel_poll(16, &info, mr), KEEL_E_WOULD_BLOCK);
	ck_assert_int_eq(keel_reply(0, mr), KEEL_E_INVALID_CALL);
	ck_assert_int_eq(keel_call(40, &info, mr), KEEL_E_INVALID_CAP);
	keel_debug_putc('z');
	ck_assert_str_eq(fake_console(), "z");
}
END_TEST


/* The server loop (keel/server.h): faults and VM exits go to the fault
 * callback, only with the badges given; notifications and requests to
 * theirs; a callback's true sends its reply with the next receive. */
static struct {
	unsigned faults, notified, requests;
	uint64_t last_badge, last_label, bits;
} srv;

static bool srv_fault(void *ctx, struct keel_msg *m)
{
	(void)ctx;
	srv.faults++;
	srv.last_badge = m->badge;
	srv.last_label = m->label;
	m->label = KEEL_VCPU_RESUME;
	m->len = 3;
	m->mr[0] = 0x77;
	return true;
}

static void srv_notified(void *ctx, uint64_t bits)
{
	(void)ctx;
	srv.notified++;
	srv.bits = bits;
}

static bool srv_protected(void *ctx, struct keel_msg *m)
{
	(void)ctx, (void)m;
	srv.requests++;
	return false;
}

static void script_add(uint64_t badge, uint64_t label, uint64_t mr0)
{
	script.info[script.n] = badge << 32 | keel_msginfo(label, 1);
	script.mr0[script.n++] = mr0;
}

START_TEST(server_loop_routes_exits_by_badge)
{
	struct keel_server s = {
		.ep = 2, .notified = srv_notified, .protected = srv_protected,
		.fault = srv_fault, .fault_badge_min = 1, .fault_badge_count = 2,
	};
	memset(&srv, 0, sizeof(srv));
	script_add(1, KEEL_EXIT_MMIO, 0x9000000);   /* vCPU 0 */
	script_add(2, KEEL_EXIT_MAINT, 1);          /* vCPU 1 */
	script_add(3, KEEL_EXIT_HVC, 0);            /* no such vCPU: ignored */
	script_add(0, KEEL_EXIT_WFI, 0);            /* unbadged: ignored */
	script_add(1, KEEL_FAULT_VM, 0x1000);       /* a plain fault: also fault */
	script_add(0, KEEL_LABEL_NOTIFICATION, 0x100);
	script_add(1, 0x42, 0);                     /* a request */
	ck_assert_int_eq(keel_server_loop(&s), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(srv.faults, 3);
	ck_assert_uint_eq(srv.last_badge, 1);
	ck_assert_uint_eq(srv.last_label, KEEL_FAULT_VM);
	ck_assert_uint_eq(srv.notified, 1);
	ck_assert_uint_eq(srv.bits, 0x100);
	ck_assert_uint_eq(srv.requests, 1);
	ck_assert_uint_eq(script.replies, 3); /* one per handled fault */
	ck_assert_uint_eq(script.reply_info[0], keel_msginfo(KEEL_VCPU_RESUME, 3));
	ck_assert_uint_eq(script.reply_mr0[0], 0x77);
	/* count 0: every badge is a fault's */
	memset(&srv, 0, sizeof(srv));
	script.next = 0;
	script.replies = 0;
	s.fault_badge_count = 0;
	ck_assert_int_eq(keel_server_loop(&s), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(srv.faults, 5);
}
END_TEST

Suite *suite_libipc(void)
{
	Suite *s = suite_create("libipc");
	TCase *abi = tcase_create("abi"), *kernel = tcase_create("kernel");
	tcase_add_checked_fixture(abi, trap_reset, NULL);
	tcase_add_test(abi, msginfo_layout);
	tcase_add_test(abi, in_out_wrappers_pass_registers_both_ways);
	tcase_add_test(abi, send_side_wrappers);
	tcase_add_test(abi, server_loop_routes_exits_by_badge);
	tcase_add_checked_fixture(kernel, kernel_setup, fx_teardown);
	tcase_add_test(kernel, wrappers_drive_the_kernel);
	suite_add_tcase(s, abi);
	suite_add_tcase(s, kernel);
	return s;
}
