/*
 * device-servers/virtio/resume.c and the journal (virtq.c): a server that
 * dies between any two stores of taking or giving back a request, then
 * resumes from its state page, neither loses nor doubles the request.
 * The partial states below are the library's store sequence cut at each
 * point (virtq_apply_take, virtq_apply_give).
 */
#include <string.h>

#include "vt.h"

static struct virtq_chain c;

static void restart(void)
{
	ck_assert(virtio_mmio_resume(&vt.d, &vt_id));
	ck_assert_uint_eq(vt.s.journal.op, VIRTIO_J_NONE);
}

/* A started queue with head 5 (one readable, one writable buffer) made
 * available at avail index 0. */
static void one_request(void)
{
	vt_start(8, false);
	vt_desc(5, VT_BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	vt_desc(2, VT_BUF + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(5);
}

/* A journal record of one chain (a give of more: group_cut). */
static struct virtio_journal jr(uint32_t op, uint16_t queue, uint16_t head, uint16_t pos, uint32_t len)
{
	struct virtio_journal j;
	memset(&j, 0, sizeof(j));
	j.op = op, j.queue = queue, j.head = head, j.pos = pos, j.len = len;
	return j;
}

static void set_bit(struct virtq_state *q, uint16_t h)
{
	q->inflight[h / 64] |= 1ull << (h % 64);
}

/* After any crash in a take: head 5 in flight exactly once. */
static void taken_once(void)
{
	uint32_t id, len;
	ck_assert_uint_eq(vt.s.q[0].last_avail, 1);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 1);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), 5);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 6), -1);
	ck_assert(virtq_chain_load(&vt.d, 0, 5, &c)); /* re-driven */
	ck_assert_uint_eq(c.in_len, 64);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0); /* not taken again */
	ck_assert(virtq_push(&vt.d, 0, 5, 64));
	ck_assert(!virtq_push(&vt.d, 0, 5, 64));
	ck_assert_uint_eq(vt_used_idx(), 1);
	vt_used_elem(0, &id, &len);
	ck_assert_uint_eq(id, 5);
	ck_assert_uint_eq(len, 64);
}

START_TEST(take_crash_before_commit)
{
	one_request();
	vt.s.journal = jr(VIRTIO_J_NONE, 0, 5, 0, 0);
	restart();
	ck_assert_uint_eq(vt.s.q[0].last_avail, 0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1); /* taken now, once */
	taken_once();
}
END_TEST

START_TEST(take_crash_after_commit)
{
	one_request();
	vt.s.journal = jr(VIRTIO_J_TAKE, 0, 5, 0, 0);
	restart();
	taken_once();
}
END_TEST

START_TEST(take_crash_after_bit)
{
	one_request();
	vt.s.journal = jr(VIRTIO_J_TAKE, 0, 5, 0, 0);
	set_bit(&vt.s.q[0], 5); /* the count not yet raised */
	restart();
	taken_once();
}
END_TEST

START_TEST(take_crash_after_count)
{
	one_request();
	vt.s.journal = jr(VIRTIO_J_TAKE, 0, 5, 0, 0);
	set_bit(&vt.s.q[0], 5);
	vt.s.q[0].inflight_count = 1;
	restart();
	taken_once();
}
END_TEST

START_TEST(take_crash_before_clear)
{
	one_request();
	vt.s.journal = jr(VIRTIO_J_TAKE, 0, 5, 0, 0);
	set_bit(&vt.s.q[0], 5);
	vt.s.q[0].inflight_count = 1;
	vt.s.q[0].last_avail = 1;
	restart();
	taken_once();
}
END_TEST

/* After any crash in a give: used once, in flight no more. */
static void given_once(void)
{
	uint32_t id, len;
	ck_assert_uint_eq(vt_used_idx(), 1);
	ck_assert_uint_eq(vt.s.q[0].used_idx, 1);
	vt_used_elem(0, &id, &len);
	ck_assert_uint_eq(id, 5);
	ck_assert_uint_eq(len, 64);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 0);
	ck_assert(!virtq_push(&vt.d, 0, 5, 64));
	ck_assert_uint_eq(vt_used_idx(), 1);
	ck_assert(virtio_mmio_irq_level(&vt.s)); /* the interrupt is not lost */
	/* the next request goes to the next used slot */
	vt_avail(5);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert(virtq_push(&vt.d, 0, 5, 1));
	ck_assert_uint_eq(vt_used_idx(), 2);
}

/* The request taken; the give journalled with `stores` of its stores done. */
static void give_cut(unsigned stores)
{
	const uint32_t head = 5, len = 64;
	const uint16_t one = 1;
	one_request();
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	vt.s.journal = jr(VIRTIO_J_GIVE, 0, 5, 0, 64);
	if (stores >= 1)
		memcpy(vt_gpa(VT_USED + 4), &head, 4);
	if (stores >= 2)
		memcpy(vt_gpa(VT_USED + 8), &len, 4);
	if (stores >= 3)
		memcpy(vt_gpa(VT_USED + 2), &one, 2);
	if (stores >= 4)
		vt.s.q[0].used_idx = 1;
	if (stores >= 5)
		vt.s.q[0].inflight[0] = 0;
	if (stores >= 6)
		vt.s.q[0].inflight_count = 0;
	if (stores >= 7)
		vt.s.isr |= VIRTIO_INT_USED;
	restart();
	given_once();
}

START_TEST(give_crash_points)
{
	for (unsigned k = 0; k <= 7; k++) {
		vt_teardown();
		vt_setup();
		give_cut(k);
	}
}
END_TEST

/* Heads 5, 2 and 7 (one writable buffer each) taken; a give of all three
 * journalled with `stores` of its used entries written (none published):
 * after the restart all three are given once, in order, in one index move. */
static void group_cut(unsigned stores)
{
	const uint16_t heads[3] = { 5, 2, 7 };
	const uint32_t lens[3] = { 64, 64, 10 };
	uint32_t id, len;
	vt_start(8, false);
	vt_take(heads, 3, 64);
	vt.s.journal = jr(VIRTIO_J_GIVE, 0, 5, 0, 64);
	vt.s.journal.extra = 2;
	vt.s.journal.more_head[0] = 2, vt.s.journal.more_len[0] = 64;
	vt.s.journal.more_head[1] = 7, vt.s.journal.more_len[1] = 10;
	for (unsigned i = 0; i < stores && i < 3; i++) {
		uint32_t h = heads[i];
		memcpy(vt_gpa(VT_USED + 4 + 8 * i), &h, 4);
		memcpy(vt_gpa(VT_USED + 8 + 8 * i), &lens[i], 4);
	}
	restart();
	ck_assert_uint_eq(vt_used_idx(), 3);
	ck_assert_uint_eq(vt.s.q[0].used_idx, 3);
	for (uint16_t i = 0; i < 3; i++) {
		vt_used_elem(i, &id, &len);
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(len, lens[i]);
	}
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 0);
	ck_assert(!virtq_push(&vt.d, 0, 2, 64)); /* given: never twice */
}

START_TEST(group_give_crash_points)
{
	for (unsigned k = 0; k <= 3; k++) {
		vt_teardown();
		vt_setup();
		group_cut(k);
	}
}
END_TEST

START_TEST(give_crash_before_commit)
{
	one_request();
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	vt.s.journal = jr(VIRTIO_J_NONE, 0, 5, 0, 64);
	restart();
	ck_assert_uint_eq(vt_used_idx(), 0);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), 5); /* still to do */
	ck_assert(virtq_push(&vt.d, 0, 5, 64));
	given_once();
}
END_TEST

START_TEST(sound_state_resumes_unchanged)
{
	struct virtio_mmio_state before;
	one_request();
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	virtio_mmio_config_changed(&vt.d);
	before = vt.s;
	restart();
	ck_assert_mem_eq(&before, &vt.s, sizeof(before));
}
END_TEST

START_TEST(garbage_resets)
{
	/* the fixture resumed from 0xa5 bytes */
	ck_assert_uint_eq(vt.s.magic, VIRTIO_STATE_MAGIC);
	ck_assert_uint_eq(vt.s.status, 0);
	ck_assert_uint_eq(vt.s.q[3].ready, 0);
	ck_assert_uint_eq(vt.s.journal.op, VIRTIO_J_NONE);
}
END_TEST

/* One field spoilt in a sound running state: resume must reset. */
static void spoilt(void (*spoil)(void))
{
	vt_setup();
	one_request();
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	spoil();
	restart();
	ck_assert_uint_eq(vt.s.status, 0);
	ck_assert_uint_eq(vt.s.q[0].ready, 0);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
	vt_teardown();
}

static void sp_magic(void) { vt.s.magic ^= 1; }
static void sp_device(void) { vt.s.device_id = 3; }
static void sp_queues(void) { vt.s.num_queues = 1; }
static void sp_features(void) { vt.s.device_features |= 1u << 28; }
static void sp_ready(void) { vt.s.q[0].ready = 2; }
static void sp_num(void) { vt.s.q[0].num = 12; }
static void sp_ring(void) { vt.s.q[0].device = VT_RAM_GPA + VT_RAM_SIZE - 8; }
static void sp_head(void) { set_bit(&vt.s.q[0], 8); } /* >= num */
static void sp_idle(void) { set_bit(&vt.s.q[1], 0); } /* queue 1 not ready */
static void sp_extra(void) /* a sound queue beyond num_queues */
{
	vt.s.q[4] = vt.s.q[0];
	memset(vt.s.q[4].inflight, 0, sizeof(vt.s.q[4].inflight));
}
static void sp_op(void) { vt.s.journal.op = 3; }
static void sp_jqueue(void) { vt.s.journal = jr(2, 2, 0, 0, 0); }
static void sp_jidle(void) /* a take on queue 1, which is not ready */
{
	vt.s.q[1].num = 8;
	vt.s.journal = jr(1, 1, 0, 0, 0);
}
static void sp_jhead(void) { vt.s.journal = jr(2, 0, 8, 0, 0); }
static void sp_jextra(void) /* more chains than a give holds */
{
	vt.s.journal = jr(2, 0, 5, 0, 0);
	vt.s.journal.extra = VIRTQ_GIVE_MAX;
}
static void sp_jgroup(void) /* a group of more chains than the queue holds (num 8) */
{
	vt.s.journal = jr(2, 0, 5, 0, 0);
	vt.s.journal.extra = 8;
}
static void sp_jmore(void) /* a further head >= num */
{
	vt.s.journal = jr(2, 0, 5, 0, 0);
	vt.s.journal.extra = 1, vt.s.journal.more_head[0] = 8;
}
static void sp_jtake(void) /* a take of more than one chain */
{
	vt.s.journal = jr(1, 0, 5, 0, 0);
	vt.s.journal.extra = 1;
}

START_TEST(bad_state_resets)
{
	void (*const spoils[])(void) = { sp_magic, sp_device, sp_queues, sp_features, sp_ready,
					 sp_num, sp_ring, sp_head, sp_idle, sp_extra, sp_op,
					 sp_jqueue, sp_jidle, sp_jhead, sp_jextra, sp_jgroup, sp_jmore, sp_jtake };
	vt_teardown();
	for (unsigned i = 0; i < sizeof(spoils) / sizeof(spoils[0]); i++)
		spoilt(spoils[i]);
	vt_setup();
}
END_TEST

START_TEST(rings_outside_new_memory_reset)
{
	one_request();
	vt.d.mem.size = 0x2000; /* the used ring at +0x3000 is gone */
	restart();
	ck_assert_uint_eq(vt.s.q[0].ready, 0);
	ck_assert_uint_eq(vt.s.status, 0);
}
END_TEST

START_TEST(resume_refuses_bad_identity)
{
	const struct virtio_mmio_id bad = { 2, VIRTIO_QUEUES_MAX + 1, VT_QMAX, VT_FEAT_DEV };
	vt.s.num_queues = VIRTIO_QUEUES_MAX + 1; /* the page even agrees */
	ck_assert(!virtio_mmio_resume(&vt.d, &bad));
}
END_TEST

Suite *suite_resume(void)
{
	Suite *s = suite_create("resume");
	TCase *t = tcase_create("crash");
	tcase_add_checked_fixture(t, vt_setup, vt_teardown);
	tcase_add_test(t, take_crash_before_commit);
	tcase_add_test(t, take_crash_after_commit);
	tcase_add_test(t, take_crash_after_bit);
	tcase_add_test(t, take_crash_after_count);
	tcase_add_test(t, take_crash_before_clear);
	tcase_add_test(t, group_give_crash_points);
	tcase_add_test(t, give_crash_before_commit);
	tcase_add_test(t, give_crash_points);
	tcase_add_test(t, sound_state_resumes_unchanged);
	tcase_add_test(t, garbage_resets);
	tcase_add_test(t, bad_state_resets);
	tcase_add_test(t, rings_outside_new_memory_reset);
	tcase_add_test(t, resume_refuses_bad_identity);
	suite_add_tcase(s, t);
	return s;
}
