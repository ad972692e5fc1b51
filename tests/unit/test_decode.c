/*
 * Decode, then invoke: every invocation checks all its arguments and
 * capabilities before it changes anything, so a call that fails leaves
 * the whole kernel-visible state as it was (fx_snapshot), including other
 * CPUs' state. One failing call per kind of check that comes late: the
 * page-table walk of a map, a slot already in use, a badge, a busy
 * binding, a vCPU register or list register, a claimed interrupt.
 */
#include <string.h>

#include "fixture.h"

#define VS 16
#define PT1 17
#define PT2 18
#define F 20
#define F2 21
#define NT 22
#define NT2 23
#define T_SLOT 24
#define V 26
#define EP 27
#define G_SLOT 28
#define IRQH 30
/* L0 index 3, L1 index 5, L2 index 7 */
#define VA ((3ull << 30) | (5ull << 21) | (7ull << 12))

/* Root calls cptr with label and mr, which must fail with err and change
 * nothing. Root's own registers are set beforehand to what a failed call
 * leaves in them (status, info 0, the MRs as sent), so that the snapshot
 * may cover its TCB too. */
static void fails_unchanged(uint64_t cptr, uint64_t label, const uint64_t mr[6], long err)
{
	uint64_t *r = fx_regs(fx.root);
	struct fx_snapshot *s;
	fx_run(fx.root);
	r[0] = (uint64_t)err;
	r[1] = 0;
	memcpy(r + 2, mr, KEEL_MSG_REG_MRS * sizeof(uint64_t));
	s = fx_snapshot_take();
	ck_assert_int_eq((long)fx_trap(fx.root, KEEL_SYS_CALL, cptr,
				       keel_msginfo(label, KEEL_MSG_REG_MRS), mr), err);
	ck_assert_msg(fx_snapshot_same(s), "failed call (label %lu, error %ld) changed state",
		      (unsigned long)label, err);
}
#define FAILS(err, cptr, label, ...) \
	fails_unchanged((cptr), (label), (const uint64_t[6]){ __VA_ARGS__ }, (err))

static void vs_setup(void)
{
	ck_assert_int_eq(fx_vspace(VS, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, PT1, 2), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, F, 2), KEEL_OK);
}

/* All checks on the frame and the vspace pass; only the walk finds no
 * table at the last level. */
START_TEST(frame_map_whose_walk_fails_changes_nothing)
{
	vs_setup();
	FAILS(KEEL_E_NOT_MAPPED, F, KEEL_FRAME_MAP, VS, VA, KEEL_R_READ | KEEL_R_WRITE);
	ck_assert_int_eq(FX_INVOKE(PT1, KEEL_PT_MAP, VS, VA), KEEL_OK);
	FAILS(KEEL_E_NOT_MAPPED, F, KEEL_FRAME_MAP, VS, VA, KEEL_R_READ);
	ck_assert_int_eq(FX_INVOKE(PT2, KEEL_PT_MAP, VS, VA), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(F, KEEL_FRAME_MAP, VS, VA, KEEL_R_READ), KEEL_OK);
	/* the entry is taken: a second frame there fails the same way */
	FAILS(KEEL_E_MAPPED, F2, KEEL_FRAME_MAP, VS, VA, KEEL_R_READ);
	/* every table on the way is there: a page table has nowhere to go */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, PT2 + 1, 1), KEEL_OK);
	FAILS(KEEL_E_MAPPED, PT2 + 1, KEEL_PT_MAP, VS, VA);
}
END_TEST

START_TEST(frame_map_argument_checks_change_nothing)
{
	vs_setup();
	ck_assert_int_eq(FX_INVOKE(PT1, KEEL_PT_MAP, VS, VA), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(PT2, KEEL_PT_MAP, VS, VA), KEEL_OK);
	FAILS(KEEL_E_BAD_ADDRESS, F, KEEL_FRAME_MAP, VS, VA + 1, KEEL_R_READ);
	FAILS(KEEL_E_BAD_ADDRESS, F, KEEL_FRAME_MAP, VS, arch_vaddr_limit(), KEEL_R_READ);
	FAILS(KEEL_E_NO_RIGHTS, F, KEEL_FRAME_MAP, VS, VA, KEEL_R_WRITE);
	FAILS(KEEL_E_WRONG_TYPE, F, KEEL_FRAME_MAP, F2, VA, KEEL_R_READ);
	FAILS(KEEL_E_INVALID_CALL, F, KEEL_FRAME_MAP + 100, VS, VA, KEEL_R_READ);
}
END_TEST

START_TEST(cnode_copy_checks_change_nothing)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, NT, 1), KEEL_OK);
	/* destination taken, source empty, untyped not copyable, bad badges */
	FAILS(KEEL_E_SLOT_IN_USE, KEEL_ROOT_CNODE, KEEL_CNODE_COPY, NT, KEEL_ROOT_CNODE, NT,
	      KEEL_R_ALL);
	FAILS(KEEL_E_INVALID_CAP, KEEL_ROOT_CNODE, KEEL_CNODE_COPY, NT2, KEEL_ROOT_CNODE, 200,
	      KEEL_R_ALL);
	FAILS(KEEL_E_WRONG_TYPE, KEEL_ROOT_CNODE, KEEL_CNODE_COPY, NT2, KEEL_ROOT_CNODE, FX_UT,
	      KEEL_R_ALL);
	FAILS(KEEL_E_INVALID_ARG, KEEL_ROOT_CNODE, KEEL_CNODE_MINT, NT2, KEEL_ROOT_CNODE, NT,
	      KEEL_R_ALL, 0);
	FAILS(KEEL_E_INVALID_ARG, KEEL_ROOT_CNODE, KEEL_CNODE_MINT, NT2, KEEL_ROOT_CNODE, NT,
	      KEEL_R_ALL, 1ull << 32);
	FAILS(KEEL_E_WRONG_TYPE, KEEL_ROOT_CNODE, KEEL_CNODE_MINT, NT2, KEEL_ROOT_CNODE,
	      KEEL_ROOT_TCB, KEEL_R_ALL, 5);
	FAILS(KEEL_E_BAD_ADDRESS, KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 1u << FX_CNODE_BITS);
}
END_TEST

START_TEST(tcb_checks_change_nothing)
{
	fx_thread(T_SLOT, 10, 0, false);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, NT, 2), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, F, 1), KEEL_OK);
	/* a bad IPC-buffer address is found after every binding's lookup */
	FAILS(KEEL_E_BAD_ADDRESS, T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
	      KEEL_ROOT_VSPACE, F, 0x123);
	FAILS(KEEL_E_WRONG_TYPE, T_SLOT, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE, KEEL_ROOT_CNODE,
	      0, 0);
	FAILS(KEEL_E_INVALID_ARG, T_SLOT, KEEL_TCB_SET_PRIORITY, FX_ROOT_PRIO + 1);
	FAILS(KEEL_E_INVALID_ARG, T_SLOT, KEEL_TCB_SET_AFFINITY, MAX_CPUS);
	FAILS(KEEL_E_BAD_ADDRESS, T_SLOT, KEEL_TCB_WRITE_REGS, arch_vaddr_limit(), 0);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_TCB_BIND_NOTIFICATION, NT), KEEL_OK);
	FAILS(KEEL_E_BUSY, T_SLOT, KEEL_TCB_BIND_NOTIFICATION, NT + 1);
	FAILS(KEEL_E_WRONG_TYPE, T_SLOT, KEEL_TCB_BIND_VCPU, NT);
}
END_TEST

/* G is running its guest on CPU 1 when root, on CPU 0, makes a vCPU call
 * that fails. Acting first and failing later would have stalled CPU 1
 * (taken G off it) to make the vCPU's memory copy current. */
static struct tcb *guest_on_cpu1(void)
{
	struct tcb *g;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 1), KEEL_OK);
	g = fx_thread(G_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_CONFIGURE, EP, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), g);
	fake_arch.cpu = 0;
	return g;
}

START_TEST(vcpu_checks_change_nothing_on_another_cpu)
{
	struct tcb *g = guest_on_cpu1();
	FAILS(KEEL_E_INVALID_ARG, V, KEEL_VCPU_READ_REG, KEEL_VREG_COUNT);
	FAILS(KEEL_E_INVALID_ARG, V, KEEL_VCPU_WRITE_REG, KEEL_VREG_COUNT, 1);
	FAILS(KEEL_E_INVALID_ARG, V, KEEL_VCPU_INJECT_IRQ, 1020, 0, 0);
	FAILS(KEEL_E_INVALID_ARG, V, KEEL_VCPU_INJECT_IRQ, 40, 256, 0);
	FAILS(KEEL_E_INVALID_CALL, V, KEEL_VCPU_INJECT_IRQ + 100, 0);
	ck_assert_ptr_eq(fx_cpu(1)->current, g);
}
END_TEST

/* With every list register taken, an injection fails and the registers
 * stay as they were. */
START_TEST(vcpu_inject_without_room_changes_nothing)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 1), KEEL_OK);
	for (unsigned i = 0; i < FAKE_LRS; i++)
		ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 32 + i, 0xa0, 0), KEEL_OK);
	FAILS(KEEL_E_BUSY, V, KEEL_VCPU_INJECT_IRQ, 32 + FAKE_LRS, 0xa0, 0);
	/* one already pending needs no room */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 32, 0xa0, 0), KEEL_OK);
}
END_TEST

START_TEST(irq_and_notification_checks_change_nothing)
{
	unsigned irq = 33;
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, irq, KEEL_ROOT_CNODE,
				   IRQH), KEEL_OK);
	FAILS(KEEL_E_BUSY, KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, irq, KEEL_ROOT_CNODE,
	      IRQH + 1);
	FAILS(KEEL_E_SLOT_IN_USE, KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, irq + 1,
	      KEEL_ROOT_CNODE, IRQH);
	FAILS(KEEL_E_INVALID_ARG, KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 0, KEEL_ROOT_CNODE,
	      IRQH + 1);
	FAILS(KEEL_E_WRONG_TYPE, IRQH, KEEL_IRQ_SET_NOTIFICATION, KEEL_ROOT_CNODE);
	FAILS(KEEL_E_INVALID_CALL, FX_UT, KEEL_UNTYPED_RETYPE + 100, 0);
	FAILS(KEEL_E_INVALID_ARG, FX_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_TCB, 0, KEEL_ROOT_CNODE,
	      NT, 0);
}
END_TEST

Suite *suite_decode(void)
{
	TCase *tc;
	Suite *s = fx_suite("decode", &tc);
	tcase_add_test(tc, frame_map_whose_walk_fails_changes_nothing);
	tcase_add_test(tc, frame_map_argument_checks_change_nothing);
	tcase_add_test(tc, cnode_copy_checks_change_nothing);
	tcase_add_test(tc, tcb_checks_change_nothing);
	tcase_add_test(tc, vcpu_checks_change_nothing_on_another_cpu);
	tcase_add_test(tc, vcpu_inject_without_room_changes_nothing);
	tcase_add_test(tc, irq_and_notification_checks_change_nothing);
	return s;
}
