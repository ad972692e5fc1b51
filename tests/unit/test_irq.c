/*
 * Interrupts (kernel/irq.c): the IRQ control capability hands out one
 * handler per line; a handler routes its line to a notification, and the
 * line stays masked at the fake controller until the handler acknowledges.
 */
#include "fixture.h"

#define H 16
#define N 17
#define NB 18 /* N minted with badge 0x8 */
#define LINE 40u

static long irq_get(uint64_t irq, uint64_t dest)
{
	return FX_INVOKE(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, irq, KEEL_ROOT_CNODE, dest);
}

static void irq_setup(void)
{
	ck_assert_int_eq(irq_get(LINE, H), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, N, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, NB, KEEL_ROOT_CNODE, N,
				   KEEL_R_ALL, 0x8), KEEL_OK);
}

START_TEST(each_line_has_one_handler)
{
	ck_assert_int_eq(irq_get(LINE, H), KEEL_OK);
	ck_assert_uint_eq(fx_slot(H)->type, KEEL_OBJ_IRQ_HANDLER);
	ck_assert_uint_eq(fx_slot(H)->obj, LINE);
	ck_assert_int_eq(irq_get(LINE, H + 1), KEEL_E_BUSY);
	ck_assert_int_eq(irq_get(FAKE_IRQ_TIMER, H + 1), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(irq_get(3, H + 1), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(irq_get(FAKE_IRQS, H + 1), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(irq_get(LINE + 1, KEEL_ROOT_TCB), KEEL_E_SLOT_IN_USE);
	ck_assert_int_eq(irq_get(LINE + 1, 1u << FX_CNODE_BITS), KEEL_E_BAD_ADDRESS);
	ck_assert_uint_eq(fx_slot(H + 1)->type, KEEL_OBJ_NULL);
	/* deleting the handler frees the line */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, H), KEEL_OK);
	ck_assert_int_eq(irq_get(LINE, H + 1), KEEL_OK);
}
END_TEST

START_TEST(interrupt_signals_notification_until_acked)
{
	irq_setup();
	ck_assert(!fake_irq_bit(fake_arch.irq_enabled, LINE));
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, NB), KEEL_OK);
	ck_assert(fake_irq_bit(fake_arch.irq_enabled, LINE));
	kernel_irq(LINE);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0x8);
	ck_assert(!fake_irq_bit(fake_arch.irq_deactivated, LINE));
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_ACK, 0), KEEL_OK);
	ck_assert(fake_irq_bit(fake_arch.irq_deactivated, LINE));
	kernel_irq(LINE + 1); /* nobody's line: nothing */
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0x8);
}
END_TEST

START_TEST(set_notification_checks_the_capability)
{
	irq_setup();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, N,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, 30), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, KEEL_ROOT_TCB),
			 KEEL_E_WRONG_TYPE);
	ck_assert(!fake_irq_bit(fake_arch.irq_enabled, LINE));
}
END_TEST

START_TEST(dead_notification_or_handler_gets_no_signal)
{
	struct notification *dead;
	irq_setup();
	dead = fx_ntfn(N);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, N), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, N), KEEL_OK);
	kernel_irq(LINE);
	ck_assert_uint_eq(dead->bits, 0); /* the dead notification is not touched */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, N, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, N), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, H), KEEL_OK);
	kernel_irq(LINE);
	ck_assert_uint_eq(fx_ntfn(N)->bits, 0);
}
END_TEST

/* Each notification counts the lines routed to it, and destroying one
 * looks for them only if it has any: the count must follow every
 * reroute, or a line would go on signalling a dead notification. */
START_TEST(dead_notification_is_unrouted_from_every_line)
{
	struct notification *dead;
	irq_setup();
	dead = fx_ntfn(N);
	ck_assert_int_eq(irq_get(LINE + 1, 20), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, 21, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, 22, KEEL_ROOT_CNODE, 21,
				   KEEL_R_ALL, 0x2), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, N), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, NB), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(20, KEEL_IRQ_SET_NOTIFICATION, N), KEEL_OK);
	ck_assert_uint_eq(dead->irq_lines, 2);
	ck_assert_int_eq(FX_INVOKE(H, KEEL_IRQ_SET_NOTIFICATION, 22), KEEL_OK);
	ck_assert_uint_eq(dead->irq_lines, 1);
	ck_assert_uint_eq(fx_ntfn(21)->irq_lines, 1);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, N), KEEL_OK);
	kernel_irq(LINE + 1);
	ck_assert_uint_eq(dead->bits, 0);
	kernel_irq(LINE);
	ck_assert_uint_eq(fx_ntfn(21)->bits, 0x2);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, H), KEEL_OK);
	ck_assert_uint_eq(fx_ntfn(21)->irq_lines, 0);
}
END_TEST

START_TEST(handler_copies_do_not_free_the_line)
{
	irq_setup();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, H,
				   KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, 31, KEEL_ROOT_CNODE, H,
				   KEEL_R_ALL, 1), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 30), KEEL_OK);
	ck_assert_int_eq(irq_get(LINE, 31), KEEL_E_BUSY);
}
END_TEST

Suite *suite_irq(void)
{
	TCase *tc;
	Suite *s = fx_suite("irq", &tc);
	tcase_add_test(tc, each_line_has_one_handler);
	tcase_add_test(tc, interrupt_signals_notification_until_acked);
	tcase_add_test(tc, set_notification_checks_the_capability);
	tcase_add_test(tc, dead_notification_or_handler_gets_no_signal);
	tcase_add_test(tc, dead_notification_is_unrouted_from_every_line);
	tcase_add_test(tc, handler_copies_do_not_free_the_line);
	return s;
}
