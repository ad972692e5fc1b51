/*
 * device-servers/virtio-net/rxmerge.c: frames into mergeable receive
 * buffers (VIRTIO_NET_F_MRG_RXBUF) over the fake driver's queue 0.
 */
#include <string.h>

#include "nethdr.h"
#include "rxmerge.h"
#include "vt.h"

static struct virtq_chain c;
static struct vnet_rx_set set;
static uint8_t frame[1514];

/* n buffers of `size` writable bytes each, heads 0..n-1, made available. */
static void buffers(unsigned n, uint32_t size)
{
	for (uint16_t i = 0; i < n; i++) {
		vt_desc(i, VT_BUF + 0x800ull * i, size, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(i);
	}
}

static void frame_fill(void)
{
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 3);
}

/* Receive len bytes of frame: gather, fill, give back in one step. */
static bool receive(uint32_t len)
{
	ck_assert_int_eq(vnet_rx_gather(&vt.d, 0, VNET_HDR_BYTES + len, &set, &c), 1);
	bool ok = !set.bad && vnet_rx_fill(&vt.d, 0, &set, frame, len, &c);
	if (!ok)
		memset(set.len, 0, sizeof(set.len));
	ck_assert(virtq_push_group(&vt.d, 0, set.head, set.len, set.n));
	return ok;
}

/* What the driver reads: entry `first` on, num_buffers of the header in
 * the first buffer, the frame's bytes across the buffers in order. */
static void check_received(uint16_t first, uint32_t len, unsigned want_n)
{
	struct vnet_hdr h;
	uint32_t id, blen, got = 0;
	ck_assert_uint_eq(vt_used_idx(), (uint16_t)(first + want_n));
	vt_used_elem(first, &id, &blen);
	memcpy(&h, vt_gpa(VT_BUF + 0x800ull * id), sizeof(h));
	ck_assert_uint_eq(h.num_buffers, want_n);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_uint_eq(h.gso_type, VNET_GSO_NONE);
	for (unsigned i = 0; i < want_n; i++) {
		uint8_t *b;
		uint32_t skip = i == 0 ? VNET_HDR_BYTES : 0;
		vt_used_elem((uint16_t)(first + i), &id, &blen);
		b = vt_gpa(VT_BUF + 0x800ull * id);
		ck_assert_uint_ge(blen, skip + 1);
		ck_assert_mem_eq(b + skip, frame + got, blen - skip);
		got += blen - skip;
	}
	ck_assert_uint_eq(got, len);
}

START_TEST(one_buffer_holds_a_frame)
{
	frame_fill();
	vt_start(16, false);
	buffers(2, 1526);
	ck_assert(receive(1514));
	ck_assert_uint_eq(set.n, 1);
	check_received(0, 1514, 1);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
}
END_TEST

/* 100-byte buffers: the header and 1,514 bytes take 16 of them, the last
 * partly filled; all published at once. */
START_TEST(frame_over_small_buffers)
{
	frame_fill();
	vt_start(16, false);
	buffers(16, 100);
	ck_assert(receive(1514));
	ck_assert_uint_eq(set.n, 16);
	ck_assert_uint_eq(set.len[15], VNET_HDR_BYTES + 1514 - 15 * 100);
	check_received(0, 1514, 16);
}
END_TEST

/* The driver gives too few: nothing is published, what was taken waits
 * in flight, and the frame goes out whole once more come. */
START_TEST(waits_for_more_buffers)
{
	frame_fill();
	vt_start(16, false);
	buffers(3, 200);
	ck_assert_int_eq(vnet_rx_gather(&vt.d, 0, VNET_HDR_BYTES + 1000, &set, &c), 0);
	ck_assert_uint_eq(vt_used_idx(), 0);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 3);
	for (uint16_t i = 3; i < 6; i++) {
		vt_desc(i, VT_BUF + 0x800ull * i, 200, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(i);
	}
	ck_assert(receive(1000));
	ck_assert_uint_eq(set.n, 6);
	check_received(0, 1000, 6);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 0);
}
END_TEST

/* A buffer smaller than a header (5.1.6.3.1 forbids it): the frame is
 * lost, its buffers given back empty, the next frame fine. */
START_TEST(buffer_below_a_header_loses_the_frame)
{
	uint32_t id, len;
	frame_fill();
	vt_start(16, false);
	vt_desc(0, VT_BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vt_desc(1, VT_BUF + 0x800, 1526, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(1);
	ck_assert(!receive(60)); /* 8 bytes, then 1,526: enough, but bad */
	ck_assert(set.bad);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_uint_eq(vt_used_idx(), 2);
	for (uint16_t i = 0; i < 2; i++) {
		vt_used_elem(i, &id, &len);
		ck_assert_uint_eq(len, 0);
	}
	vt_desc(2, VT_BUF + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(2);
	ck_assert(receive(60));
	check_received(2, 60, 1);
}
END_TEST

/* The whole ring taken and still short of the frame: more can never
 * come, so the frame is lost (buffers back empty), not the queue stuck. */
START_TEST(ring_too_small_loses_the_frame)
{
	vt_start(16, false);
	for (uint16_t i = 0; i < 16; i++) {
		vt_desc(i, VT_BUF + 0x20ull * i, 16, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(i);
	}
	/* 16 buffers of 16 bytes: 256 < 12 + 1514 */
	ck_assert(!receive(1514));
	ck_assert(set.bad);
	ck_assert_uint_eq(set.n, 16);
	ck_assert_uint_eq(vt_used_idx(), 16);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 0);
}
END_TEST

/* A buffer outside guest RAM: the fill fails, nothing written past RAM. */
START_TEST(buffer_outside_ram)
{
	frame_fill();
	vt_start(16, false);
	vt_desc(0, VT_BUF, 100, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	vt_desc(1, VT_RAM_GPA + VT_RAM_SIZE - 16, 2000, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(1);
	ck_assert_int_eq(vnet_rx_gather(&vt.d, 0, VNET_HDR_BYTES + 1514, &set, &c), -1);
	ck_assert(vt_needs_reset());
}
END_TEST

Suite *suite_netrx(void)
{
	Suite *s = suite_create("netrx");
	TCase *t = tcase_create("merge");
	tcase_add_checked_fixture(t, vt_setup, vt_teardown);
	tcase_add_test(t, one_buffer_holds_a_frame);
	tcase_add_test(t, frame_over_small_buffers);
	tcase_add_test(t, waits_for_more_buffers);
	tcase_add_test(t, buffer_below_a_header_loses_the_frame);
	tcase_add_test(t, ring_too_small_loses_the_frame);
	tcase_add_test(t, buffer_outside_ram);
	suite_add_tcase(s, t);
	return s;
}
