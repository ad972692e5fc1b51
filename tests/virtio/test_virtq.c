/* device-servers/virtio/virtq.c: split virtqueues against a hostile driver. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vt.h"

static struct virtq_chain c;

/* A bad chain: pop fails, the device is NEEDS_RESET with a config
 * interrupt, nothing was taken and the queue runs no more. */
static void pop_breaks(void)
{
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), -1);
	ck_assert(vt_needs_reset());
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG, VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(vt.s.q[0].last_avail, vt.avail_idx - 1);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0);
}

START_TEST(pop_and_push)
{
	uint32_t id, len;
	vt_start(8, false);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0);
	vt_desc(3, VT_BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	vt_desc(5, VT_BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	vt_desc(1, VT_BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(3);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert_uint_eq(c.head, 3);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.out_len, 16);
	ck_assert_uint_eq(c.in_len, 513);
	ck_assert_uint_eq(c.buf[0].gpa, VT_BUF);
	ck_assert(!c.buf[0].write && c.buf[1].write && c.buf[2].write);
	ck_assert_uint_eq(c.buf[2].len, 1);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), 3);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 1);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0); /* taken once */
	ck_assert(!virtio_mmio_irq_level(&vt.s));
	ck_assert(virtq_push(&vt.d, 0, 3, 513));
	ck_assert_uint_eq(vt_used_idx(), 1);
	vt_used_elem(0, &id, &len);
	ck_assert_uint_eq(id, 3);
	ck_assert_uint_eq(len, 513);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
	ck_assert(!virtq_push(&vt.d, 0, 3, 513)); /* never twice */
	ck_assert_uint_eq(vt_used_idx(), 1);
}
END_TEST

START_TEST(out_of_order_completion)
{
	uint32_t id, len;
	vt_start(4, false);
	for (uint16_t h = 0; h < 3; h++) {
		vt_desc(h, VT_BUF + 0x100 * h, 8, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(h);
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	}
	ck_assert(virtq_push(&vt.d, 0, 2, 8));
	ck_assert(virtq_push(&vt.d, 0, 0, 4));
	vt_used_elem(0, &id, &len);
	ck_assert_uint_eq(id, 2);
	vt_used_elem(1, &id, &len);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), 1);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 1);
}
END_TEST

START_TEST(indexes_wrap)
{
	uint32_t id, len;
	const uint16_t start = 65530;
	vt_start(4, false);
	vt_desc(2, VT_BUF, 8, 0, 0);
	/* a server restarted late in the device's life: both indexes near the
	 * 16-bit wrap, as the guest's rings say (fast: no 65530 requests) */
	vt.s.q[0].last_avail = vt.s.q[0].used_idx = start;
	vt.avail_idx = start;
	vt_avail_idx(start);
	memcpy(vt_gpa(VT_USED + 2), &start, 2);
	ck_assert(virtio_mmio_resume(&vt.d, &vt_id));
	ck_assert_uint_eq(vt.s.q[0].last_avail, start);
	for (unsigned i = 0; i < 12; i++) {
		vt_avail(2);
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
		ck_assert(virtq_push(&vt.d, 0, 2, i));
	}
	ck_assert_uint_eq(vt.s.q[0].last_avail, (uint16_t)(start + 12));
	ck_assert_uint_eq(vt_used_idx(), (uint16_t)(start + 12));
	ck_assert_uint_eq(vt_used_idx(), 6);
	vt_used_elem((uint16_t)(start + 11), &id, &len);
	ck_assert_uint_eq(id, 2);
	ck_assert_uint_eq(len, 11);
}
END_TEST

/* A group give: every entry in order behind one index move, one
 * interrupt; refused whole if a head is not in flight or comes twice. */
START_TEST(group_give)
{
	const uint16_t heads[3] = { 4, 1, 6 }, twice[2] = { 4, 4 }, stray[2] = { 4, 3 };
	const uint32_t lens[3] = { 100, 200, 7 };
	uint32_t id, len;
	vt_start(8, true);
	vt_take(heads, 3, 256);
	vt_used_event(2); /* interrupt when the used idx passes 2 */
	ck_assert(!virtq_push_group(&vt.d, 0, twice, lens, 2));
	ck_assert(!virtq_push_group(&vt.d, 0, stray, lens, 2)); /* 3 never taken */
	ck_assert(!virtq_push_group(&vt.d, 0, heads, lens, 0));
	ck_assert(!virtq_push_group(&vt.d, 0, heads, lens, VIRTQ_GIVE_MAX + 1));
	ck_assert_uint_eq(vt_used_idx(), 0);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 3);
	ck_assert(virtq_push_group(&vt.d, 0, heads, lens, 3));
	ck_assert_uint_eq(vt_used_idx(), 3);
	for (uint16_t i = 0; i < 3; i++) {
		vt_used_elem(i, &id, &len);
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(len, lens[i]);
	}
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED); /* 0 -> 3 crosses 2 */
	ck_assert_int_eq(virtq_inflight_next(&vt.s, 0, 0), -1);
	ck_assert(!virtq_push_group(&vt.d, 0, heads, lens, 1)); /* never twice */
}
END_TEST

START_TEST(head_out_of_range)
{
	vt_start(8, false);
	vt_avail(8);
	pop_breaks();
}
END_TEST

START_TEST(next_out_of_range)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, VIRTQ_DESC_F_NEXT, 8);
	vt_desc(8, VT_BUF, 8, 0, 0); /* a sound descriptor past the table */
	vt_avail(0);
	pop_breaks();
}
END_TEST

START_TEST(chain_loop)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(1, VT_BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	vt_avail(0);
	pop_breaks();
}
END_TEST

START_TEST(chain_self_loop)
{
	vt_start(8, false);
	vt_desc(4, VT_BUF, 0, VIRTQ_DESC_F_NEXT, 4);
	vt_avail(4);
	pop_breaks();
}
END_TEST

START_TEST(chain_of_queue_size)
{
	vt_start(16, false);
	for (uint16_t i = 0; i < 16; i++)
		vt_desc(i, VT_BUF, 1, i < 15 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1); /* num descriptors: no loop */
	ck_assert_uint_eq(c.n, 16);
	ck_assert_uint_eq(c.out_len, 16);
}
END_TEST

/* The largest queue, one descriptor pointing at itself: the walk stops
 * at num entries (the chain's buffer array holds VIRTQ_SIZE_MAX). */
START_TEST(chain_loop_largest_queue)
{
	const struct virtio_mmio_id big = { 2, 1, VIRTQ_SIZE_MAX, 0 };
	ck_assert(virtio_mmio_init(&vt.s, &big));
	vt_negotiate(0, 0);
	vt_queue(0, VIRTQ_SIZE_MAX, VT_DESC, VT_AVAIL, VT_USED);
	vt_wr(VIRTIO_MMIO_STATUS, 15);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 1);
	vt_desc(9, VT_BUF, 1, VIRTQ_DESC_F_NEXT, 9);
	vt_avail(9);
	pop_breaks();
}
END_TEST

START_TEST(indirect_refused)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail(0);
	pop_breaks();
}
END_TEST

START_TEST(unknown_flag_refused)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 16, 0x8, 0);
	vt_avail(0);
	pop_breaks();
}
END_TEST

START_TEST(readable_after_writable)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	vt_desc(1, VT_BUF, 16, 0, 0);
	vt_avail(0);
	pop_breaks();
}
END_TEST

/* A chain of one buffer [addr, addr + len): taken iff ok. */
static void one_buffer(uint64_t addr, uint32_t len, bool ok)
{
	vt_setup();
	vt_start(8, false);
	vt_desc(0, addr, len, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	if (ok)
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	else
		pop_breaks();
	vt_teardown();
}

START_TEST(buffer_in_guest_ram)
{
	const uint64_t end = VT_RAM_GPA + VT_RAM_SIZE;
	vt_teardown();
	one_buffer(end - 16, 16, true);             /* up to the last byte */
	one_buffer(end, 0, true);                   /* empty, at the end */
	one_buffer(end - 16, 17, false);            /* one byte past */
	one_buffer(end, 1, false);
	one_buffer(VT_RAM_GPA - 1, 2, false);       /* one byte before */
	one_buffer(0, 16, false);
	one_buffer(0xfffffffffffffff0ull, 0x20, false); /* wraps around */
	one_buffer(VT_RAM_GPA, 0xffffffffu, false);
	vt_setup();
}
END_TEST

START_TEST(length_sum_overflow)
{
	/* 2 GiB of guest RAM (not touched: the walk reads descriptors only) */
	const uint64_t big = 0x80001000ull;
	uint8_t *ram = mmap(NULL, big, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert(ram != MAP_FAILED);
	free(vt.ram);
	vt.d.mem = (struct gmem){ ram, VT_RAM_GPA, big };
	vt.ram = ram; /* vt_gpa() and friends translate through it */
	vt_start(8, false);
	vt_desc(0, VT_RAM_GPA, 0x80000000u, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(1, VT_RAM_GPA, 0x7fffffffu, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vt_desc(2, VT_RAM_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(0);
	pop_breaks(); /* 2^32 bytes: one too many */
	ck_assert_int_eq(munmap(ram, big), 0);
	vt.ram = malloc(1); /* for the fixture's free */
}
END_TEST

START_TEST(length_sum_at_limit)
{
	const uint64_t big = 0x80001000ull;
	uint8_t *ram = mmap(NULL, big, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert(ram != MAP_FAILED);
	free(vt.ram);
	vt.d.mem = (struct gmem){ ram, VT_RAM_GPA, big };
	vt.ram = ram;
	vt_start(8, false);
	vt_desc(0, VT_RAM_GPA, 0x80000000u, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(1, VT_RAM_GPA, 0x7fffffffu, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert_uint_eq(c.out_len, 0xffffffffu);
	ck_assert_int_eq(munmap(ram, big), 0);
	vt.ram = malloc(1);
}
END_TEST

START_TEST(avail_index_jump)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	vt.avail_idx = 10; /* 10 entries in a ring of 8 */
	vt_avail_idx(10);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), -1);
	ck_assert(vt_needs_reset());
	ck_assert_uint_eq(vt.s.q[0].last_avail, 0);
}
END_TEST

START_TEST(avail_full_ring_ok)
{
	vt_start(8, false);
	for (uint16_t h = 0; h < 8; h++) {
		vt_desc(h, VT_BUF, 8, 0, 0);
		vt_avail(h);
	}
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 8);
}
END_TEST

START_TEST(head_reused_while_in_flight)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	vt_avail(0);
	pop_breaks();
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 1);
}
END_TEST

START_TEST(not_running_takes_nothing)
{
	vt_negotiate(0, 0);
	vt_queue(0, 8, VT_DESC, VT_AVAIL, VT_USED);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0); /* no DRIVER_OK yet */
	ck_assert_int_eq(virtq_pop(&vt.d, 1, &c), 0); /* not ready */
	ck_assert_int_eq(virtq_pop(&vt.d, 7, &c), 0); /* no such queue */
	ck_assert_int_eq(virtq_pop(&vt.d, 99, &c), 0);
	vt_wr(VIRTIO_MMIO_STATUS, 15 | VIRTIO_S_FAILED);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0);
	ck_assert_uint_eq(vt.s.q[0].last_avail, 0);
}
END_TEST

START_TEST(push_checks_head)
{
	vt_start(8, false);
	ck_assert(!virtq_push(&vt.d, 0, 0, 0));
	ck_assert(!virtq_push(&vt.d, 0, 0xffff, 0));
	ck_assert(!virtq_push(&vt.d, 5, 0, 0));
	ck_assert(!virtq_push(&vt.d, 1, 0, 0));
	ck_assert_uint_eq(vt_used_idx(), 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(push_after_reset_dropped)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	vt_wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert(!virtq_push(&vt.d, 0, 0, 8));
	ck_assert_uint_eq(vt_used_idx(), 0);
}
END_TEST

START_TEST(ready_zero_forgets_queue)
{
	vt_start(8, false);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	vt_wr(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!virtq_push(&vt.d, 0, 0, 8));
	ck_assert_uint_eq(vt.s.q[0].last_avail, 0);
	ck_assert_uint_eq(vt.s.q[0].inflight_count, 0);
}
END_TEST

START_TEST(no_interrupt_flag)
{
	uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vt_start(8, false);
	memcpy(vt_gpa(VT_AVAIL), &flags, 2);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert(virtq_push(&vt.d, 0, 0, 8));
	ck_assert_uint_eq(vt_used_idx(), 1);
	ck_assert(!virtio_mmio_irq_level(&vt.s));
}
END_TEST

/* A device whose InterruptACK writes are queued (virtio-blk's post page)
 * applies them in isr_sync: after the used idx is published, before the
 * bit is set, so an acknowledgement of the last notification the driver
 * wrote before this one cannot clear it. Not called when no interrupt is
 * wanted; called for a config change too. */
START_TEST(isr_sync_before_each_raise)
{
	uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vt_start(8, false);
	for (uint16_t h = 0; h < 2; h++) {
		vt_desc(h, VT_BUF, 8, 0, 0);
		vt_avail(h);
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	}
	vt.s.isr = VIRTIO_INT_USED;        /* the last notification, read... */
	vt.queued_ack = VIRTIO_INT_USED;   /* ...and acknowledged, queued */
	ck_assert(virtq_push(&vt.d, 0, 0, 8));
	ck_assert_uint_eq(vt.syncs, 1);
	ck_assert_uint_eq(vt.sync_used, 1); /* the entry was there already */
	ck_assert_uint_eq(vt.s.isr, VIRTIO_INT_USED); /* the new one stays */
	memcpy(vt_gpa(VT_AVAIL), &flags, 2);
	ck_assert(virtq_push(&vt.d, 0, 1, 8));
	ck_assert_uint_eq(vt.syncs, 1); /* no interrupt wanted: no bit set */
	virtio_mmio_config_changed(&vt.d);
	ck_assert_uint_eq(vt.syncs, 2);
	ck_assert_uint_eq(vt.s.isr, VIRTIO_INT_USED | VIRTIO_INT_CONFIG);
}
END_TEST

START_TEST(event_idx_interrupts)
{
	vt_start(8, true);
	vt_used_event(1); /* interrupt when used idx passes 1 */
	for (uint16_t h = 0; h < 3; h++) {
		vt_desc(h, VT_BUF, 8, 0, 0);
		vt_avail(h);
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	}
	ck_assert(virtq_push(&vt.d, 0, 0, 0)); /* used idx 0 -> 1 */
	ck_assert(!virtio_mmio_irq_level(&vt.s));
	ck_assert(virtq_push(&vt.d, 0, 1, 0)); /* 1 -> 2: crosses used_event */
	ck_assert(virtio_mmio_irq_level(&vt.s));
	vt_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	ck_assert(virtq_push(&vt.d, 0, 2, 0)); /* 2 -> 3: not wanted */
	ck_assert(!virtio_mmio_irq_level(&vt.s));
}
END_TEST

START_TEST(event_idx_avail_event)
{
	const uint16_t junk = 0xffff;
	vt_start(8, true);
	memcpy(vt_gpa(VT_USED + 4 + 8 * 8), &junk, 2);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0);
	ck_assert_uint_eq(vt_avail_event(), 0); /* empty: notify me at entry 0 */
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_desc(1, VT_BUF, 8, 0, 0);
	vt_avail(0);
	vt_avail(1);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert_uint_eq(vt_avail_event(), 1); /* notify me at the next entry */
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	ck_assert_uint_eq(vt_avail_event(), 2);
	/* without EVENT_IDX the device leaves that word alone */
	vt_teardown();
	vt_setup();
	vt_start(8, false);
	memcpy(vt_gpa(VT_USED + 4 + 8 * 8), &junk, 2);
	vt_desc(0, VT_BUF, 8, 0, 0);
	vt_avail(0);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0 + 1);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 0);
	ck_assert_uint_eq(vt_avail_event(), 0xffff);
}
END_TEST

START_TEST(chain_load_redrive)
{
	vt_start(8, false);
	vt_desc(6, VT_BUF, 8, VIRTQ_DESC_F_NEXT, 7);
	vt_desc(7, VT_BUF + 8, 8, VIRTQ_DESC_F_WRITE, 0);
	vt_avail(6);
	ck_assert_int_eq(virtq_pop(&vt.d, 0, &c), 1);
	memset(&c, 0, sizeof(c));
	ck_assert(virtq_chain_load(&vt.d, 0, 6, &c));
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.in_len, 8);
	ck_assert(!virtq_chain_load(&vt.d, 0, 7, &c)); /* not in flight */
	ck_assert(!vt_needs_reset());
	/* the guest rewrote the descriptor meanwhile: checked again */
	vt_desc(7, VT_BUF + 8, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	ck_assert(!virtq_chain_load(&vt.d, 0, 6, &c));
	ck_assert(vt_needs_reset());
}
END_TEST

Suite *suite_virtq(void)
{
	Suite *s = suite_create("virtq");
	TCase *t = tcase_create("split");
	tcase_add_checked_fixture(t, vt_setup, vt_teardown);
	tcase_add_test(t, pop_and_push);
	tcase_add_test(t, out_of_order_completion);
	tcase_add_test(t, group_give);
	tcase_add_test(t, indexes_wrap);
	tcase_add_test(t, head_out_of_range);
	tcase_add_test(t, next_out_of_range);
	tcase_add_test(t, chain_loop);
	tcase_add_test(t, chain_self_loop);
	tcase_add_test(t, chain_of_queue_size);
	tcase_add_test(t, chain_loop_largest_queue);
	tcase_add_test(t, indirect_refused);
	tcase_add_test(t, unknown_flag_refused);
	tcase_add_test(t, readable_after_writable);
	tcase_add_test(t, buffer_in_guest_ram);
	tcase_add_test(t, length_sum_overflow);
	tcase_add_test(t, length_sum_at_limit);
	tcase_add_test(t, avail_index_jump);
	tcase_add_test(t, avail_full_ring_ok);
	tcase_add_test(t, head_reused_while_in_flight);
	tcase_add_test(t, not_running_takes_nothing);
	tcase_add_test(t, push_checks_head);
	tcase_add_test(t, push_after_reset_dropped);
	tcase_add_test(t, ready_zero_forgets_queue);
	tcase_add_test(t, no_interrupt_flag);
	tcase_add_test(t, isr_sync_before_each_raise);
	tcase_add_test(t, event_idx_interrupts);
	tcase_add_test(t, event_idx_avail_event);
	tcase_add_test(t, chain_load_redrive);
	suite_add_tcase(s, t);
	return s;
}
