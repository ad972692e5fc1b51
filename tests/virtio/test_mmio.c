/* device-servers/virtio/mmio.c: the register file a virtio-mmio driver sees. */
#include <string.h>

#include "vt.h"

#define S_AD (VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER)
#define S_ADF (S_AD | VIRTIO_S_FEATURES_OK)

START_TEST(identity_registers)
{
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_VERSION_REG), 2);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_DEVICE_ID), 2);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_VENDOR_KEEL);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VT_QMAX);
	vt_wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VT_QMAX);
	vt_wr(VIRTIO_MMIO_QUEUE_SEL, 2); /* no such queue: "not available" */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
	ck_assert_uint_eq(vt_rd(0x0c0), 0); /* reserved: RAZ */
	vt_wr(0x0c0, 0xffffffff);           /* and WI */
	ck_assert_uint_eq(vt_rd(0x0c0), 0);
}
END_TEST

START_TEST(access_rules)
{
	uint64_t v;
	/* control registers: aligned 32-bit only */
	ck_assert(!virtio_mmio_read(&vt.d, VIRTIO_MMIO_MAGIC_VALUE, 1, &v));
	ck_assert(!virtio_mmio_read(&vt.d, VIRTIO_MMIO_MAGIC_VALUE, 2, &v));
	ck_assert(!virtio_mmio_read(&vt.d, VIRTIO_MMIO_MAGIC_VALUE, 8, &v));
	ck_assert(!virtio_mmio_read(&vt.d, VIRTIO_MMIO_MAGIC_VALUE + 2, 4, &v));
	ck_assert(!virtio_mmio_read(&vt.d, 0, 3, &v));
	ck_assert(!virtio_mmio_write(&vt.d, VIRTIO_MMIO_STATUS, 1, 1));
	ck_assert_uint_eq(vt.s.status, 0);
	/* read-only registers refuse writes */
	ck_assert(!virtio_mmio_write(&vt.d, VIRTIO_MMIO_MAGIC_VALUE, 4, 0));
	ck_assert(!virtio_mmio_write(&vt.d, VIRTIO_MMIO_QUEUE_NUM_MAX, 4, 0));
	ck_assert(!virtio_mmio_write(&vt.d, VIRTIO_MMIO_INTERRUPT_STATUS, 4, 0));
	ck_assert(!virtio_mmio_write(&vt.d, VIRTIO_MMIO_CONFIG_GENERATION, 4, 0));
	/* outside the window */
	ck_assert(!virtio_mmio_read(&vt.d, VIRTIO_MMIO_WINDOW, 4, &v));
	ck_assert(!virtio_mmio_read(&vt.d, ~0ull & ~3ull, 4, &v));
}
END_TEST

START_TEST(config_window)
{
	uint64_t v = 0;
	ck_assert(virtio_mmio_read(&vt.d, 0x100, 4, &v));
	ck_assert_uint_eq(v, 0x4c45454b); /* "KEEL" */
	ck_assert(virtio_mmio_read(&vt.d, 0x104, 1, &v));
	ck_assert_uint_eq(v, 'c');
	ck_assert(virtio_mmio_read(&vt.d, 0x100, 8, &v));
	ck_assert_uint_eq(v, 0x216766634c45454bull);
	ck_assert(virtio_mmio_write(&vt.d, 0x106, 2, 0x5a5a));
	ck_assert_uint_eq(vt.cfg[6], 0x5a);
	/* the device refuses beyond its config; misaligned never reaches it */
	ck_assert(!virtio_mmio_read(&vt.d, 0x108, 4, &v));
	ck_assert(!virtio_mmio_read(&vt.d, 0x101, 2, &v));
	ck_assert(!virtio_mmio_write(&vt.d, 0x102, 4, 0));
	ck_assert_uint_eq(vt.cfg[2], 'E');
}
END_TEST

START_TEST(features_offered)
{
	vt_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_DEVICE_FEATURES),
			  VT_FEAT_DEV | 1u << VIRTIO_F_RING_EVENT_IDX); /* no INDIRECT (28) */
	vt_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	vt_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
}
END_TEST

START_TEST(features_ok_needs_version_1)
{
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
	vt_wr(VIRTIO_MMIO_STATUS, S_AD);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, VT_FEAT_DEV); /* a legacy driver */
	vt_wr(VIRTIO_MMIO_STATUS, S_ADF);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), S_AD); /* refused, not broken */
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	vt_wr(VIRTIO_MMIO_STATUS, S_ADF);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), S_ADF);
	ck_assert(virtio_mmio_has_feature(&vt.s, VIRTIO_F_VERSION_1));
	ck_assert(virtio_mmio_has_feature(&vt.s, 2));
	ck_assert(!virtio_mmio_has_feature(&vt.s, VIRTIO_F_RING_EVENT_IDX));
}
END_TEST

START_TEST(features_ok_refuses_unoffered)
{
	vt_negotiate(1u << 28, 0); /* INDIRECT_DESC: not offered */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), S_AD);
	vt_teardown();
	vt_setup();
	vt_negotiate(0, 1u << 2); /* bit 34 */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), S_AD);
	vt_teardown();
	vt_setup();
	vt_negotiate(1u << 3, 0); /* a device bit not offered */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), S_AD);
	/* and a DRIVER_OK after the refusal is an order error */
	vt_wr(VIRTIO_MMIO_STATUS, S_AD | VIRTIO_S_DRIVER_OK);
	ck_assert(vt_needs_reset());
}
END_TEST

START_TEST(features_frozen_after_ok)
{
	vt_negotiate(1u << VIRTIO_F_RING_EVENT_IDX, 0);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ck_assert(virtio_mmio_has_feature(&vt.s, VIRTIO_F_RING_EVENT_IDX));
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 7); /* no such word: ignored */
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	ck_assert_uint_eq(vt.s.driver_features, (1ull << 32) | (1u << VIRTIO_F_RING_EVENT_IDX));
}
END_TEST

/* Each bad status write: NEEDS_RESET set, the old bits kept. */
static void status_breaks(uint32_t before, uint32_t bad)
{
	vt_setup();
	if (before & VIRTIO_S_FEATURES_OK)
		vt_negotiate(0, 0);
	else if (before)
		vt_wr(VIRTIO_MMIO_STATUS, before);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), before);
	vt_wr(VIRTIO_MMIO_STATUS, bad);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), before | VIRTIO_S_NEEDS_RESET);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0); /* not DRIVER_OK yet */
	vt_teardown();
}

START_TEST(status_order)
{
	vt_teardown();
	status_breaks(VIRTIO_S_ACKNOWLEDGE, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_FEATURES_OK);
	status_breaks(S_AD, S_AD | VIRTIO_S_DRIVER_OK);                 /* no FEATURES_OK */
	status_breaks(S_AD, VIRTIO_S_ACKNOWLEDGE);                      /* clears DRIVER */
	status_breaks(S_ADF, S_AD);                                     /* clears FEATURES_OK */
	status_breaks(S_AD, S_AD | VIRTIO_S_NEEDS_RESET);               /* the device's bit */
	status_breaks(S_AD, S_AD | 16);                                 /* unknown bit */
	vt_setup();
}
END_TEST

/* U-Boot's order (2023.01): ACKNOWLEDGE, reset, then DRIVER alone. */
START_TEST(status_driver_without_acknowledge)
{
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
	vt_wr(VIRTIO_MMIO_STATUS, 0);
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_DRIVER);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), VIRTIO_S_DRIVER);
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_DRIVER | VIRTIO_S_DRIVER_OK); /* still no FEATURES_OK */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), VIRTIO_S_DRIVER | VIRTIO_S_NEEDS_RESET);
}
END_TEST

START_TEST(status_good_order_and_failed)
{
	vt_start(8, false);
	vt_wr(VIRTIO_MMIO_STATUS, 15 | VIRTIO_S_FAILED);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), 15 | VIRTIO_S_FAILED);
	ck_assert(!vt_needs_reset());
}
END_TEST

START_TEST(needs_reset_interrupts_when_driver_ok)
{
	vt_start(8, false);
	vt_wr(VIRTIO_MMIO_STATUS, S_ADF); /* clears DRIVER_OK */
	ck_assert(vt_needs_reset());
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	ck_assert(virtio_mmio_irq_level(&vt.s));
	/* the driver's read-modify-write carries NEEDS_RESET back: no change */
	vt_wr(VIRTIO_MMIO_STATUS, vt_rd(VIRTIO_MMIO_STATUS));
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), 15 | VIRTIO_S_NEEDS_RESET);
	vt_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_CONFIG);
	ck_assert(!virtio_mmio_irq_level(&vt.s));
}
END_TEST

START_TEST(reset_clears_state)
{
	vt_start(8, true);
	virtio_mmio_config_changed(&vt.d);
	virtio_mmio_needs_reset(&vt.d);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_CONFIG_GENERATION), 1);
	vt_wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(vt.resets, 1);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(vt.s.q[0].num, 0);
	ck_assert_uint_eq(vt.s.driver_features, 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_CONFIG_GENERATION), 1); /* kept */
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_DEVICE_ID), 2);
	vt_start(4, false); /* and it can start again */
}
END_TEST

START_TEST(config_change_interrupt)
{
	virtio_mmio_config_changed(&vt.d);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_CONFIG_GENERATION), 1);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0); /* before DRIVER_OK */
	vt_start(8, false);
	virtio_mmio_config_changed(&vt.d);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_CONFIG_GENERATION), 2);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
}
END_TEST

/* A queue set-up that must be refused: ready stays 0, NEEDS_RESET. */
static void queue_refused(uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	vt_setup();
	vt_negotiate(0, 0);
	vt_queue(0, num, desc, avail, used);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(vt_needs_reset());
	vt_teardown();
}

START_TEST(queue_setup_checks)
{
	const uint64_t end = VT_RAM_GPA + VT_RAM_SIZE;
	vt_teardown();
	queue_refused(0, VT_DESC, VT_AVAIL, VT_USED);
	queue_refused(6, VT_DESC, VT_AVAIL, VT_USED);          /* not a power of two */
	queue_refused(VT_QMAX * 2, VT_DESC, VT_AVAIL, VT_USED); /* above QueueNumMax */
	queue_refused(8, VT_DESC + 8, VT_AVAIL, VT_USED);      /* desc align 16 */
	queue_refused(8, VT_DESC, VT_AVAIL + 1, VT_USED);      /* avail align 2 */
	queue_refused(8, VT_DESC, VT_AVAIL, VT_USED + 2);      /* used align 4 */
	queue_refused(8, end - 16 * 8 + 16, VT_AVAIL, VT_USED); /* desc past the end */
	queue_refused(8, VT_DESC, end - 20, VT_USED); /* 22 bytes needed */
	queue_refused(8, VT_DESC, VT_AVAIL, end - 68); /* 70 bytes needed */
	queue_refused(8, VT_RAM_GPA - 16, VT_AVAIL, VT_USED);  /* below RAM */
	queue_refused(8, 0xfffffffffffffff0ull, VT_AVAIL, VT_USED); /* wraps */
	/* exactly at the end is fine */
	vt_setup();
	vt_negotiate(0, 0);
	vt_queue(0, 8, end - 16 * 8, end - 16 * 8 - 32, end - 16 * 8 - 32 - 72);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 1);
	ck_assert(!vt_needs_reset());
}
END_TEST

START_TEST(queue_ready_needs_features_ok)
{
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
	vt_wr(VIRTIO_MMIO_STATUS, S_AD);
	vt_queue(0, 8, VT_DESC, VT_AVAIL, VT_USED);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(vt_needs_reset());
}
END_TEST

START_TEST(queue_ready_value_checked)
{
	vt_negotiate(0, 0);
	vt_wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	vt_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)VT_DESC);
	vt_wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)VT_AVAIL);
	vt_wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)VT_USED);
	vt_wr(VIRTIO_MMIO_QUEUE_READY, 2);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(vt_needs_reset());
}
END_TEST

START_TEST(queue_frozen_while_ready)
{
	vt_start(8, false);
	vt_wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	vt_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	vt_wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 1);
	ck_assert_uint_eq(vt.s.q[0].num, 8);
	ck_assert_uint_eq(vt.s.q[0].desc, VT_DESC);
	ck_assert_uint_eq(vt.s.q[0].device, VT_USED);
	/* a queue that does not exist takes nothing */
	vt_wr(VIRTIO_MMIO_QUEUE_SEL, 5);
	vt_wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	vt_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!vt_needs_reset());
	for (unsigned i = 2; i < VIRTIO_QUEUES_MAX; i++)
		ck_assert_uint_eq(vt.s.q[i].num, 0);
}
END_TEST

START_TEST(notify_only_running_queues)
{
	vt_negotiate(0, 0);
	vt_queue(0, 8, VT_DESC, VT_AVAIL, VT_USED);
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt.notified, 0); /* before DRIVER_OK */
	vt_wr(VIRTIO_MMIO_STATUS, 15);
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* not ready */
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 9); /* no such queue */
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	ck_assert_uint_eq(vt.notified, 0);
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt.notified, 1);
	vt.notified = 0;
	virtio_mmio_needs_reset(&vt.d);
	vt_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt.notified, 0); /* a broken device runs nothing */
}
END_TEST

START_TEST(interrupt_ack)
{
	vt.s.isr = VIRTIO_INT_USED | VIRTIO_INT_CONFIG;
	vt_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	ck_assert(virtio_mmio_irq_level(&vt.s));
	vt_wr(VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffff);
	ck_assert(!virtio_mmio_irq_level(&vt.s));
}
END_TEST

START_TEST(init_refuses_bad_identity)
{
	struct virtio_mmio_state s;
	const struct virtio_mmio_id bad[] = {
		{ 2, 0, 16, 0 }, { 2, VIRTIO_QUEUES_MAX + 1, 16, 0 }, { 2, 1, 0, 0 },
		{ 2, 1, 12, 0 }, { 2, 1, VIRTQ_SIZE_MAX * 2, 0 }, { 2, 1, 16, 1u << 24 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!virtio_mmio_init(&s, &bad[i]), "identity %u", i);
	ck_assert(virtio_mmio_init(&s, &vt_id));
}
END_TEST

Suite *suite_mmio(void)
{
	Suite *s = suite_create("mmio");
	TCase *t = tcase_create("regs");
	tcase_add_checked_fixture(t, vt_setup, vt_teardown);
	tcase_add_test(t, identity_registers);
	tcase_add_test(t, access_rules);
	tcase_add_test(t, config_window);
	tcase_add_test(t, features_offered);
	tcase_add_test(t, features_ok_needs_version_1);
	tcase_add_test(t, features_ok_refuses_unoffered);
	tcase_add_test(t, features_frozen_after_ok);
	tcase_add_test(t, status_order);
	tcase_add_test(t, status_driver_without_acknowledge);
	tcase_add_test(t, status_good_order_and_failed);
	tcase_add_test(t, needs_reset_interrupts_when_driver_ok);
	tcase_add_test(t, reset_clears_state);
	tcase_add_test(t, config_change_interrupt);
	tcase_add_test(t, queue_setup_checks);
	tcase_add_test(t, queue_ready_needs_features_ok);
	tcase_add_test(t, queue_ready_value_checked);
	tcase_add_test(t, queue_frozen_while_ready);
	tcase_add_test(t, notify_only_running_queues);
	tcase_add_test(t, interrupt_ack);
	tcase_add_test(t, init_refuses_bad_identity);
	suite_add_tcase(s, t);
	return s;
}
