/*
 * Host tests of the driver-side virtio-mmio library (device-servers/
 * virtio-drv/) against the device side's transport (fake.h): finding a
 * device, bring-up and its refusals, queue set-up, a request's round trip
 * through both rings, the interrupt and the config space.
 */
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define F(bit) (1ull << (bit))
#define QPA (FAKE_RAM_GPA + 0x1000) /* the test queue's page */
#define BUFPA (FAKE_RAM_GPA + 0x8000)

static struct vdrv blk;

static void setup(void)
{
	fake_setup();
	blk = fake_slot(2);
}

/* Queue q of num entries in its own page: avail at +0x400, used at +0x800. */
static struct vdrv_vq place(unsigned q, uint16_t num)
{
	struct vdrv_vq vq;
	uint64_t pa = QPA + q * 0x1000ull;
	vdrv_vq_place(&vq, q, num, fake_gpa(pa), pa, 0x400, 0x800);
	return vq;
}

static void start_blk(void)
{
	ck_assert_ptr_null(vdrv_start(&blk, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1), 0, NULL));
}

START_TEST(find_by_device_id)
{
	ck_assert_int_eq(vdrv_find(FAKE_WINDOW, FAKE_SLOTS, VIRTIO_ID_BLOCK, 0), 2);
	ck_assert_int_eq(vdrv_find(FAKE_WINDOW, FAKE_SLOTS, VIRTIO_ID_CONSOLE, 0), 3);
	ck_assert_int_eq(vdrv_find(FAKE_WINDOW, FAKE_SLOTS, VIRTIO_ID_BLOCK, 3), -1);
	ck_assert_int_eq(vdrv_find(FAKE_WINDOW, 2, VIRTIO_ID_BLOCK, 0), -1); /* legacy skipped */
	ck_assert_int_eq(vdrv_find(FAKE_WINDOW, FAKE_SLOTS, VIRTIO_ID_RNG, 0), -1);
	ck_assert_uint_eq(fake.writes, 0); /* looking disturbs nothing */
}
END_TEST

START_TEST(start_negotiates)
{
	uint64_t got = 0;
	fake.blk.s.status = VIRTIO_S_ACKNOWLEDGE; /* left over from a previous driver */
	ck_assert_ptr_null(vdrv_start(&blk, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1),
				      F(FAKE_F_RO) | F(9), &got));
	ck_assert_uint_eq(fake.blk.resets, 1);
	ck_assert_uint_eq(got, F(VIRTIO_F_VERSION_1) | F(FAKE_F_RO)); /* 9 is not offered */
	ck_assert_uint_eq(fake.blk.s.driver_features, got);
	ck_assert_uint_eq(fake.blk.s.status,
			  VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	vdrv_driver_ok(&blk);
	ck_assert_uint_eq(fake.blk.s.status, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
						     VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
}
END_TEST

START_TEST(start_refusals)
{
	uint64_t got = 7;
	struct vdrv legacy = fake_slot(1), none = fake_slot(0);
	ck_assert_str_eq(vdrv_start(&blk, VIRTIO_ID_CONSOLE, F(VIRTIO_F_VERSION_1), 0, &got),
			 "not a modern virtio-mmio device of the expected type");
	ck_assert_str_eq(vdrv_start(&legacy, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1), 0, &got),
			 "not a modern virtio-mmio device of the expected type");
	ck_assert_str_eq(vdrv_start(&none, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1), 0, &got),
			 "not a modern virtio-mmio device of the expected type");
	ck_assert_uint_eq(fake.writes, 0);
	ck_assert_str_eq(vdrv_start(&blk, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1) | F(9), 0, &got),
			 "the device does not offer a feature the driver needs");
	fake.blk.hide_version_1 = true;
	ck_assert_str_eq(vdrv_start(&blk, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1), 0, &got),
			 "the device does not offer VIRTIO_F_VERSION_1");
	fake.blk.hide_version_1 = false;
	fake.blk.refuse_features = true;
	ck_assert_str_eq(vdrv_start(&blk, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1), 0, &got),
			 "the device refused our features");
	ck_assert_uint_eq(got, 7); /* untouched on failure */
	ck_assert_uint_eq(fake.blk.s.status & VIRTIO_S_FEATURES_OK, 0);
	vdrv_fail(&blk);
	ck_assert_uint_eq(fake.blk.s.status,
			  VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FAILED);
}
END_TEST

START_TEST(queue_setup)
{
	struct vdrv_vq q0 = place(0, 8), q1 = place(1, FAKE_BLK_QMAX * 2);
	memset(fake_gpa(QPA), 0xff, 0x1000);
	start_blk();
	ck_assert(vdrv_vq_setup(&blk, &q0));
	ck_assert_uint_eq(fake.blk.s.q[0].ready, 1);
	ck_assert_uint_eq(fake.blk.s.q[0].num, 8);
	ck_assert_uint_eq(fake.blk.s.q[0].desc, QPA);
	ck_assert_uint_eq(fake.blk.s.q[0].driver, QPA + 0x400);
	ck_assert_uint_eq(fake.blk.s.q[0].device, QPA + 0x800);
	ck_assert_uint_eq(((uint8_t *)fake_gpa(QPA))[VDRV_DESC_BYTES(8) - 1], 0);
	ck_assert_uint_eq(vdrv_vq_avail_idx(&q0), 0);
	ck_assert_uint_eq(vdrv_vq_used_idx(&q0), 0);
	ck_assert(!vdrv_vq_setup(&blk, &q0));    /* already live */
	ck_assert(!vdrv_vq_setup(&blk, &q1));    /* larger than QueueNumMax */
	ck_assert_uint_eq(fake.blk.s.q[1].ready, 0);
	ck_assert(!vdrv_vq_setup(&blk, &(struct vdrv_vq){ .index = 2, .num = 1 })); /* no queue 2 */
	ck_assert(!vdrv_vq_setup(&blk, &q0) && !(fake.blk.s.status & VIRTIO_S_NEEDS_RESET));
}
END_TEST

/* A chain of one readable and one writable buffer through the device and
 * back: what every driver's request is. */
START_TEST(request_round_trip)
{
	struct vdrv_vq q = place(0, 8);
	struct virtq_chain *c = malloc(sizeof(*c));
	struct vdrv_used_elem e;
	ck_assert_ptr_nonnull(c);
	start_blk();
	ck_assert(vdrv_vq_setup(&blk, &q));
	vdrv_driver_ok(&blk);
	vdrv_vq_desc_set(&q, 5, BUFPA, 16, VIRTQ_DESC_F_NEXT, 6);
	vdrv_vq_desc_set(&q, 6, BUFPA + 16, 4, VIRTQ_DESC_F_WRITE, 0);
	vdrv_vq_post(&q, 5);
	ck_assert_uint_eq(vdrv_vq_avail_idx(&q), 1);
	vdrv_notify(&blk, 0);
	ck_assert_uint_eq(fake.blk.notified, 1u);
	ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 1);
	ck_assert_uint_eq(c->head, 5);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_uint_eq(c->buf[0].gpa, BUFPA);
	ck_assert_uint_eq(c->out_len, 16);
	ck_assert_uint_eq(c->in_len, 4);
	ck_assert(virtq_push(&fake.blk.d, 0, 5, 3));
	ck_assert_uint_eq(vdrv_vq_used_idx(&q), 1);
	e = vdrv_vq_used_at(&q, 0);
	ck_assert_uint_eq(e.id, 5);
	ck_assert_uint_eq(e.len, 3);
	ck_assert_uint_eq(vdrv_irq_ack(&blk), VIRTIO_INT_USED);
	ck_assert_uint_eq(fake.blk.s.isr, 0);
	ck_assert_uint_eq(vdrv_irq_ack(&blk), 0);
	free(c);
}
END_TEST

/* Publishing at a given index (a driver that keeps its own count across a
 * crash) lands in that ring slot, and the device takes it from there. */
START_TEST(publish_at_index)
{
	struct vdrv_vq q = place(0, 4);
	struct virtq_chain *c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	start_blk();
	ck_assert(vdrv_vq_setup(&blk, &q));
	vdrv_driver_ok(&blk);
	for (uint16_t i = 0; i < 4; i++)
		vdrv_vq_desc_set(&q, i, BUFPA + 64u * i, 64, VIRTQ_DESC_F_WRITE, 0);
	vdrv_vq_publish(&q, 0, 2);
	vdrv_vq_publish(&q, 1, 3);
	ck_assert_uint_eq(vdrv_vq_avail_idx(&q), 2);
	ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 1);
	ck_assert_uint_eq(c->head, 2);
	ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 1);
	ck_assert_uint_eq(c->head, 3);
	ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 0);
	ck_assert_uint_eq(q.avail->ring[1], 3);
	free(c);
}
END_TEST

START_TEST(fill_rx)
{
	struct vdrv_vq q = place(0, 4);
	struct virtq_chain *c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	start_blk();
	ck_assert(vdrv_vq_setup(&blk, &q));
	vdrv_driver_ok(&blk);
	vdrv_vq_fill_rx(&q, BUFPA, 64, 48);
	ck_assert_uint_eq(vdrv_vq_avail_idx(&q), 4);
	for (uint16_t i = 0; i < 4; i++) {
		ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 1);
		ck_assert_uint_eq(c->head, i);
		ck_assert_uint_eq(c->n, 1);
		ck_assert_uint_eq(c->buf[0].gpa, BUFPA + 64u * i);
		ck_assert_uint_eq(c->in_len, 48);
		ck_assert_uint_eq(c->out_len, 0);
	}
	ck_assert_int_eq(virtq_pop(&fake.blk.d, 0, c), 0);
	free(c);
}
END_TEST

START_TEST(config_space)
{
	ck_assert_uint_eq(vdrv_config_read32(&blk, 0), 0x44332211u);
	ck_assert_uint_eq(vdrv_config_read32(&blk, 4), 0x88776655u);
}
END_TEST

Suite *suite_vdrv(void)
{
	Suite *s = suite_create("vdrv");
	TCase *tc = tcase_create("vdrv");
	tcase_add_checked_fixture(tc, setup, fake_teardown);
	tcase_add_test(tc, find_by_device_id);
	tcase_add_test(tc, start_negotiates);
	tcase_add_test(tc, start_refusals);
	tcase_add_test(tc, queue_setup);
	tcase_add_test(tc, request_round_trip);
	tcase_add_test(tc, publish_at_index);
	tcase_add_test(tc, fill_rx);
	tcase_add_test(tc, config_space);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite_vdrv());
	int failed;
	srunner_add_suite(sr, suite_blkram());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
