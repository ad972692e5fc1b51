/* The virtio-console core (device-servers/virtio-console/vcon.c): output
 * through the real console logic (device-servers/console/console.c) in
 * switch mode, so what the "screen" shows is what the console server
 * would print, with crashes of the device server at every console write;
 * input by sequence number, retries, short and missing buffers, and a
 * restart between the commit and the give-back. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "vcon.h"
#include "vd.h"

static struct vcon_state *vst;
static struct virtio_dev dev;
static struct vcon con;

/* the console server's logic and what it put on the screen */
static struct con_config cf;
static struct con_state *cst;
static char screen[4096];
static unsigned screen_len;

/* the fake console: crash (longjmp) at write number crash_at, before or
 * after the console took the block */
static jmp_buf crashed;
static unsigned writes, crash_at, rx_spaces;
static bool crash_after;

static void screen_put(void *ctx, const char *b, unsigned n)
{
	(void)ctx;
	ck_assert_uint_le(screen_len + n, sizeof(screen));
	memcpy(screen + screen_len, b, n);
	screen_len += n;
}

static void no_kick(void *ctx, unsigned vm)
{
	(void)ctx, (void)vm;
}

static const struct con_io con_io = { .put = screen_put, .kick = no_kick };

static bool fake_write(void *ctx, uint64_t pos, const uint8_t *b, unsigned n)
{
	(void)ctx;
	ck_assert_uint_le(n, VCON_BLOCK);
	writes++;
	if (writes == crash_at && !crash_after)
		longjmp(crashed, 1);
	con_output_hvc(&cf, cst, 0, pos, b, n, &con_io);
	if (writes == crash_at)
		longjmp(crashed, 1);
	return true;
}

static void fake_rx_space(void *ctx)
{
	(void)ctx;
	rx_spaces++;
}

static const struct vcon_io io = { .write = fake_write, .rx_space = fake_rx_space };

static bool cfg_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	(void)ctx, (void)off, (void)width;
	*val = 0;
	return true;
}

static bool cfg_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return true;
}

static void dev_notify(void *ctx, unsigned q)
{
	(void)ctx;
	vcon_notify(&con, q);
}

static const struct virtio_dev_ops ops = { cfg_read, cfg_write, dev_notify, NULL, NULL };

static void setup(void)
{
	memset(&vd, 0, sizeof(vd));
	vd.ram = calloc(1, VD_RAM);
	vst = calloc(1, sizeof(*vst));
	cst = calloc(1, sizeof(*cst));
	ck_assert(vd.ram && vst && cst);
	dev = (struct virtio_dev){ &vst->t, { vd.ram, VD_GPA, VD_RAM }, &ops, NULL };
	vd.d = &dev;
	con = (struct vcon){ .st = vst, .dev = &dev, .io = &io };
	memset(&cf, 0, sizeof(cf));
	cf.mode = CON_SWITCH;
	cf.nvms = 1;
	cf.gen[0] = 1;
	strcpy(cf.name[0], "vm1");
	con_resume(cst);
	screen_len = 0, writes = 0, crash_at = 0, crash_after = false, rx_spaces = 0;
	vcon_resume(&con);
	vd_start();
}

static void teardown(void)
{
	free(vd.ram);
	free(vst);
	free(cst);
}

static void used_is(unsigned q, uint16_t pos, uint32_t head, uint32_t len)
{
	uint32_t id, l;
	ck_assert_uint_gt(vd_used_idx(q), pos);
	vd_used_elem(q, pos, &id, &l);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(l, len);
}

static void put_text(uint64_t gpa, const char *s)
{
	memcpy(vd_gpa(gpa), s, strlen(s));
}

START_TEST(identity)
{
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* two queues only */
}
END_TEST

START_TEST(tx_to_console)
{
	put_text(VD_BUF, "hel");
	put_text(VD_BUF + 0x100, "lo\n");
	vd_desc(1, 0, VD_BUF, 3, VIRTQ_DESC_F_NEXT, 1);
	vd_desc(1, 1, VD_BUF + 0x100, 3, 0, 0);
	vd_avail(1, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(screen_len, 6);
	ck_assert_mem_eq(screen, "hello\n", 6);
	used_is(1, 0, 0, 0);
	ck_assert_uint_eq(vst->tx_pos, 6);
	ck_assert_uint_eq(vst->tx_active, 0);
	ck_assert(virtio_mmio_irq_level(&vst->t));
}
END_TEST

/* The PL011's stream and hvc0's have positions of their own: each is
 * shown whole, in the order they came, though both start at 0. */
START_TEST(streams_apart)
{
	con_output(&cf, cst, 0, 0, (const uint8_t *)"boot log\n", 9, &con_io);
	put_text(VD_BUF, "shell\n");
	vd_desc(1, 0, VD_BUF, 6, 0, 0);
	vd_avail(1, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	con_output(&cf, cst, 0, 9, (const uint8_t *)"more\n", 5, &con_io);
	con_output(&cf, cst, 0, 9, (const uint8_t *)"more\n", 5, &con_io); /* a retry */
	ck_assert_uint_eq(screen_len, 20);
	ck_assert_mem_eq(screen, "boot log\nshell\nmore\n", 20);
}
END_TEST

/* 400 + 100 bytes: in blocks of at most 160, in order. */
static char text[500];
static void tx_two_chains(void)
{
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	memcpy(vd_gpa(VD_BUF), text, 400);
	memcpy(vd_gpa(VD_BUF + 0x1000), text + 400, 100);
	vd_desc(1, 0, VD_BUF, 400, 0, 0);
	vd_desc(1, 1, VD_BUF + 0x1000, 100, 0, 0);
	vd_avail(1, 0);
	vd_avail(1, 1);
}

START_TEST(tx_blocks)
{
	tx_two_chains();
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(writes, 4); /* 160 + 160 + 80, 100 */
	ck_assert_uint_eq(screen_len, 500);
	ck_assert_mem_eq(screen, text, 500);
	used_is(1, 0, 0, 0);
	used_is(1, 1, 1, 0);
	ck_assert_uint_eq(vst->tx_pos, 500);
}
END_TEST

/* The server dies at each console write, before or after the console
 * took the block, and restarts from its state page: the screen shows
 * every byte once, and each chain is given back once. */
static void tx_crash_once(unsigned at, bool after)
{
	teardown();
	setup();
	tx_two_chains();
	crash_at = at;
	crash_after = after;
	if (setjmp(crashed) == 0) {
		vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
		ck_abort_msg("no crash at write %u", at);
	}
	crash_at = 0;
	vcon_resume(&con); /* the restarted server */
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_msg(screen_len == 500 && memcmp(screen, text, 500) == 0,
		      "crash at write %u (%s): %u bytes on the screen", at,
		      after ? "after" : "before", screen_len);
	ck_assert_uint_eq(vd_used_idx(1), 2);
	used_is(1, 0, 0, 0);
	used_is(1, 1, 1, 0);
}

START_TEST(tx_crash_at_every_write)
{
	for (unsigned at = 1; at <= 4; at++) {
		tx_crash_once(at, false);
		tx_crash_once(at, true);
	}
}
END_TEST

static void rx_buffer(uint16_t head, uint64_t gpa, uint32_t len)
{
	vd_desc(0, head, gpa, len, VIRTQ_DESC_F_WRITE, 0);
	vd_avail(0, head);
}

START_TEST(rx_input_once)
{
	rx_buffer(0, VD_BUF, 64);
	ck_assert_uint_eq(vcon_input(&con, 1, (const uint8_t *)"abc", 3), 3);
	used_is(0, 0, 0, 3);
	ck_assert_mem_eq(vd_gpa(VD_BUF), "abc", 3);
	ck_assert(virtio_mmio_irq_level(&vst->t));
	/* the VMM's retry of the same call: the same answer, nothing more */
	ck_assert_uint_eq(vcon_input(&con, 1, (const uint8_t *)"abc", 3), 3);
	ck_assert_uint_eq(vd_used_idx(0), 1);
	rx_buffer(1, VD_BUF + 0x100, 64);
	ck_assert_uint_eq(vcon_input(&con, 2, (const uint8_t *)"de", 2), 2);
	used_is(0, 1, 1, 2);
	ck_assert_uint_eq(rx_spaces, 0);
}
END_TEST

/* No buffer: nothing taken; the guest's next buffers bring a RX_SPACE. */
START_TEST(rx_no_buffer_waits)
{
	ck_assert_uint_eq(vcon_input(&con, 1, (const uint8_t *)"ab", 2), 0);
	ck_assert_uint_eq(vd_used_idx(0), 0);
	ck_assert_uint_eq(rx_spaces, 0);
	rx_buffer(0, VD_BUF, 64);
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(rx_spaces, 1);
	vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(rx_spaces, 1); /* once per refusal */
	ck_assert_uint_eq(vcon_input(&con, 2, (const uint8_t *)"ab", 2), 2);
	used_is(0, 0, 0, 2);
}
END_TEST

/* A buffer shorter than the input: the first bytes, and RX_SPACE at once
 * (another buffer may be waiting). */
START_TEST(rx_short_buffer)
{
	memset(vd_gpa(VD_BUF), 0xee, 4);
	rx_buffer(0, VD_BUF, 2);
	ck_assert_uint_eq(vcon_input(&con, 1, (const uint8_t *)"abcde", 5), 2);
	used_is(0, 0, 0, 2);
	ck_assert_mem_eq(vd_gpa(VD_BUF), "ab\xee", 3);
	ck_assert_uint_eq(rx_spaces, 1);
}
END_TEST

/* Before DRIVER_OK (the guest's driver not loaded): nothing taken. */
START_TEST(rx_before_driver)
{
	vd_wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(vcon_input(&con, 1, (const uint8_t *)"a", 1), 0);
	ck_assert_uint_eq(vst->rx_starved, 1);
}
END_TEST

/* A chain taken just before a crash, not yet filled: the restarted
 * server fills it with the next input (it is not lost). */
START_TEST(rx_taken_before_crash)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	rx_buffer(0, VD_BUF, 64);
	rx_buffer(1, VD_BUF + 0x100, 64);
	ck_assert_int_eq(virtq_pop(&dev, 0, c), 1);
	free(c);
	vcon_resume(&con);
	ck_assert_uint_eq(vd_used_idx(0), 0);
	ck_assert_uint_eq(vcon_input(&con, 5, (const uint8_t *)"xy", 2), 2);
	used_is(0, 0, 0, 2);
	ck_assert_uint_eq(vcon_input(&con, 6, (const uint8_t *)"z", 1), 1);
	used_is(0, 1, 1, 1);
}
END_TEST

/* A crash after the commit, before the give-back: the restarted server
 * gives the chain back once, and the VMM's retry gets the same count. */
START_TEST(rx_crash_after_commit)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	rx_buffer(0, VD_BUF, 64);
	ck_assert_int_eq(virtq_pop(&dev, 0, c), 1);
	free(c);
	put_text(VD_BUF, "hi");
	vst->rx[1] = (struct vcon_rx){ .seq = 7, .head = 0, .len = 2, .done = 0 };
	vst->rx_cur = 1;
	vcon_resume(&con);
	ck_assert_uint_eq(vd_used_idx(0), 1);
	used_is(0, 0, 0, 2);
	ck_assert_uint_eq(vcon_input(&con, 7, (const uint8_t *)"hi", 2), 2);
	ck_assert_uint_eq(vd_used_idx(0), 1);
	vcon_resume(&con);
	ck_assert_uint_eq(vd_used_idx(0), 1);
}
END_TEST

/* A state page that is not a console's (or spoilt): a fresh device. */
START_TEST(resume_resets_garbage)
{
	memset(vst, 0x5a, sizeof(*vst));
	vcon_resume(&con);
	ck_assert_uint_eq(vst->magic, VCON_MAGIC);
	ck_assert_uint_eq(vst->tx_active, 0);
	ck_assert_uint_eq(vst->tx_pos, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
}
END_TEST

Suite *suite_vcon(void)
{
	Suite *s = suite_create("vcon");
	TCase *t = tcase_create("console");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, identity);
	tcase_add_test(t, tx_to_console);
	tcase_add_test(t, streams_apart);
	tcase_add_test(t, tx_blocks);
	tcase_add_test(t, tx_crash_at_every_write);
	tcase_add_test(t, rx_input_once);
	tcase_add_test(t, rx_no_buffer_waits);
	tcase_add_test(t, rx_short_buffer);
	tcase_add_test(t, rx_before_driver);
	tcase_add_test(t, rx_taken_before_crash);
	tcase_add_test(t, rx_crash_after_commit);
	tcase_add_test(t, resume_resets_garbage);
	suite_add_tcase(s, t);
	return s;
}
