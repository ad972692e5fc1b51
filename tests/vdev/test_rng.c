/* The virtio-rng request core (device-servers/virtio-rng/rng.c) over the
 * transport's fake driver: what is filled, with what, how much, and what
 * happens when the random source fails. */
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vd.h"
#include "vt.h"

/* The fake source: a counter, failing `fail_next` times first (or always). */
static uint64_t counter;
static unsigned fail_next, calls;
static bool fail_always;
static int ok_budget; /* good words left before failing for good; -1: no end */

static bool fake_rand(void *ctx, uint64_t *v)
{
	(void)ctx;
	calls++;
	if (ok_budget == 0)
		fail_always = true;
	else if (ok_budget > 0)
		ok_budget--;
	if (fail_always || fail_next) {
		if (fail_next)
			fail_next--;
		*v = 0;
		return false;
	}
	*v = 0x0101010101010101ull * (++counter & 0xff);
	return true;
}

static struct vrng r;

static void setup(void)
{
	vt_setup();
	vt_start(8, false);
	counter = 0, fail_next = 0, calls = 0, fail_always = false, ok_budget = -1;
	r = (struct vrng){ .dev = &vt.d, .rand = fake_rand };
}

/* used entry pos: head and length */
static void used_is(uint16_t pos, uint32_t head, uint32_t len)
{
	uint32_t id, l;
	ck_assert_uint_gt(vt_used_idx(), pos);
	vt_used_elem(pos, &id, &l);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(l, len);
}

START_TEST(fills_writable_buffer)
{
	uint8_t *buf = vt_gpa(VT_BUF);
	memset(buf, 0xee, 80);
	vt_desc(0, VT_BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	ck_assert_uint_eq(vrng_serve(&r), 1);
	used_is(0, 0, 64);
	/* eight words, each its own counter value, and nothing past the buffer */
	for (unsigned i = 0; i < 64; i++)
		ck_assert_uint_eq(buf[i], 1 + i / 8);
	ck_assert_uint_eq(buf[64], 0xee);
	ck_assert(virtio_mmio_irq_level(&vt.s));
}
END_TEST

START_TEST(odd_lengths_and_chains)
{
	uint8_t *a = vt_gpa(VT_BUF), *b = vt_gpa(VT_BUF + 0x100), *ro = vt_gpa(VT_BUF + 0x200);
	memset(a, 0xee, 16), memset(b, 0xee, 16), memset(ro, 0xaa, 16);
	/* a readable buffer first (the device leaves it), then 5 + 3 writable */
	vt_desc(0, VT_BUF + 0x200, 16, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(1, VT_BUF, 5, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	vt_desc(2, VT_BUF + 0x100, 3, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	ck_assert_uint_eq(vrng_serve(&r), 1);
	used_is(0, 0, 8);
	ck_assert_uint_eq(a[4], 1);
	ck_assert_uint_eq(a[5], 0xee);
	ck_assert_uint_eq(b[2], 2);
	ck_assert_uint_eq(b[3], 0xee);
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_eq(ro[i], 0xaa);
}
END_TEST

START_TEST(several_requests)
{
	for (uint16_t h = 0; h < 4; h++) {
		vt_desc(h, VT_BUF + 0x100ull * h, 32, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(h);
	}
	ck_assert_uint_eq(vrng_serve(&r), 4);
	for (uint16_t h = 0; h < 4; h++)
		used_is(h, h, 32);
	ck_assert_uint_eq(vrng_serve(&r), 0);
}
END_TEST

START_TEST(capped_per_request)
{
	vt_desc(0, VT_BUF, VRNG_REQ_MAX + 512, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vrng_serve(&r);
	used_is(0, 0, VRNG_REQ_MAX);
	ck_assert_uint_eq(calls, VRNG_REQ_MAX / 8);
}
END_TEST

START_TEST(retries_a_failing_source)
{
	fail_next = VRNG_TRIES - 1;
	vt_desc(0, VT_BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vrng_serve(&r);
	used_is(0, 0, 8);
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(calls, VRNG_TRIES);
}
END_TEST

/* A source that keeps failing: the request comes back with no bytes,
 * never with bytes that are not random, and the next one is served. */
START_TEST(failing_source_answers_empty)
{
	uint8_t *buf = vt_gpa(VT_BUF);
	memset(buf, 0xee, 64);
	fail_next = VRNG_TRIES;
	vt_desc(0, VT_BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vrng_serve(&r);
	used_is(0, 0, 0);
	ck_assert_uint_eq(r.failed, 1);
	ck_assert_uint_eq(r.bytes, 0); /* the trace's count: none given */
	ck_assert_uint_eq(buf[0], 0xee);
	vt_desc(1, VT_BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(1);
	vrng_serve(&r);
	used_is(1, 1, 64);
	ck_assert_uint_eq(r.bytes, 64);
}
END_TEST

/* Two good words, then the source fails for good: the request that
 * needed more comes back with no bytes counted, though one buffer got
 * random bytes (the count says which bytes are the device's). */
START_TEST(fails_midway_answers_empty)
{
	ok_budget = 2;
	vt_desc(0, VT_BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vt_desc(1, VT_BUF + 0x100, 16, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vrng_serve(&r);
	used_is(0, 0, 0);
	ck_assert_uint_eq(r.failed, 1);
	ck_assert_uint_eq(calls, 2 + VRNG_TRIES);
}
END_TEST

/* A request taken before a crash is answered by the restarted server. */
START_TEST(resume_answers_inflight)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	vt_desc(0, VT_BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	vt_desc(1, VT_BUF + 0x100, 16, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vt_avail(1);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, c), 1); /* taken, then the crash */
	free(c);
	ck_assert(virtio_mmio_resume(&vt.d, &vt_id));
	ck_assert_uint_eq(vrng_resume(&r), 2);
	used_is(0, 0, 16);
	used_is(1, 1, 16);
	ck_assert_uint_eq(vt_used_idx(), 2);
}
END_TEST

START_TEST(not_running_takes_nothing)
{
	vt_desc(0, VT_BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vt_wr(VIRTIO_MMIO_STATUS, 0); /* the driver resets the device */
	ck_assert_uint_eq(vrng_serve(&r), 0);
	ck_assert_uint_eq(calls, 0);
}
END_TEST

START_TEST(identity)
{
	ck_assert_uint_eq(vrng_id.device_id, 4);
	ck_assert_uint_eq(vrng_id.num_queues, 1);
	ck_assert_uint_eq(vrng_id.features, 0);
}
END_TEST

Suite *suite_rng(void)
{
	Suite *s = suite_create("rng");
	TCase *t = tcase_create("requests");
	tcase_add_checked_fixture(t, setup, vt_teardown);
	tcase_add_test(t, fills_writable_buffer);
	tcase_add_test(t, odd_lengths_and_chains);
	tcase_add_test(t, several_requests);
	tcase_add_test(t, capped_per_request);
	tcase_add_test(t, retries_a_failing_source);
	tcase_add_test(t, failing_source_answers_empty);
	tcase_add_test(t, fails_midway_answers_empty);
	tcase_add_test(t, resume_answers_inflight);
	tcase_add_test(t, not_running_takes_nothing);
	tcase_add_test(t, identity);
	suite_add_tcase(s, t);
	return s;
}
