/*
 * Console input and output: the PL011 model's input side (device-servers/
 * pl011/model.c: KEEL_DEV_INPUT batches, the RX interrupt, its mask,
 * status and clear) and the console server's pure logic (device-servers/
 * console/console.c: modes, the switch key, the input queues).
 */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "pl011.h"
#include "vmm_test.h"

/* ---- PL011 input ---- */

static struct pl011_state u;

static void u_setup(void)
{
	memset(&u, 0, sizeof(u));
	pl011_reset(&u);
}

static uint64_t u_rd(uint64_t off)
{
	uint64_t v = 0xdead;
	ck_assert(pl011_read(&u, off, 4, &v));
	return v;
}

static void u_wr(uint64_t off, uint64_t v)
{
	ck_assert(pl011_write(&u, off, 4, v, NULL, NULL)); /* never DR here */
}

START_TEST(input_batch_fills_fifo_in_order)
{
	const uint8_t b[4] = { 'k', 'e', 'e', 'l' };
	u_wr(PL011_LCR_H, PL011_LCR_FEN | 0x60);
	ck_assert_uint_eq(pl011_input(&u, 1, b, 4), 4);
	ck_assert_uint_eq(u_rd(PL011_FR) & PL011_FR_RXFE, 0);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(u_rd(PL011_DR), b[i]);
	ck_assert(u_rd(PL011_FR) & PL011_FR_RXFE);
}
END_TEST

START_TEST(input_retry_is_not_taken_twice)
{
	const uint8_t b[3] = { 'a', 'b', 'c' };
	u_wr(PL011_LCR_H, PL011_LCR_FEN);
	ck_assert_uint_eq(pl011_input(&u, 7, b, 3), 3);
	ck_assert_uint_eq(pl011_input(&u, 7, b, 3), 3); /* the retry: same answer */
	ck_assert_uint_eq(u.rx_count, 3);               /* nothing pushed twice */
	ck_assert_uint_eq(pl011_input(&u, 8, b, 1), 1); /* a new batch is taken */
	ck_assert_uint_eq(u.rx_count, 4);
}
END_TEST

START_TEST(input_full_fifo_takes_a_prefix_and_asks_again)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	memset(b, 'x', sizeof(b));
	/* FIFOs off: one holding register */
	ck_assert_uint_eq(pl011_input(&u, 1, b, 3), 1);
	ck_assert(u_rd(PL011_FR) & PL011_FR_RXFF);
	ck_assert(!pl011_rx_room_again(&u)); /* still full */
	ck_assert_uint_eq(u_rd(PL011_DR), 'x');
	ck_assert(pl011_rx_room_again(&u)); /* once, after the guest made room */
	ck_assert(!pl011_rx_room_again(&u));
	u_wr(PL011_LCR_H, PL011_LCR_FEN);
	ck_assert_uint_eq(pl011_input(&u, 2, b, KEEL_DEV_INPUT_MAX), KEEL_DEV_INPUT_MAX);
	ck_assert_uint_eq(pl011_input(&u, 3, b, 1), 0); /* 32 deep: full */
	ck_assert(!pl011_rx_room_again(&u));
}
END_TEST

START_TEST(rx_interrupt_mask_status_clear)
{
	const uint8_t c = '!';
	ck_assert_uint_eq(pl011_input(&u, 1, &c, 1), 1);
	ck_assert_uint_eq(u_rd(PL011_RIS) & PL011_INT_RX, PL011_INT_RX);
	ck_assert_uint_eq(u_rd(PL011_MIS), 0);
	ck_assert(!pl011_irq_level(&u)); /* masked */
	u_wr(PL011_IMSC, PL011_INT_RX | PL011_INT_RT);
	ck_assert(pl011_irq_level(&u));
	ck_assert_uint_eq(u_rd(PL011_MIS), PL011_INT_RX);
	u_wr(PL011_ICR, PL011_INT_RX);
	ck_assert(!pl011_irq_level(&u));
	ck_assert_uint_eq(u_rd(PL011_RIS) & PL011_INT_RX, 0);
	ck_assert_uint_eq(u_rd(PL011_DR), '!'); /* the byte is still there */
	ck_assert_uint_eq(pl011_input(&u, 2, &c, 1), 1);
	ck_assert(pl011_irq_level(&u));
	ck_assert_uint_eq(u_rd(PL011_DR), '!');
	ck_assert(!pl011_irq_level(&u)); /* reading the FIFO empty drops it */
}
END_TEST

START_TEST(input_survives_restart)
{
	const uint8_t b[2] = { 'o', 'k' };
	u_wr(PL011_LCR_H, PL011_LCR_FEN);
	pl011_input(&u, 5, b, 2);
	pl011_resume(&u); /* a restarted server finds the FIFO and the seq */
	ck_assert_uint_eq(pl011_input(&u, 5, b, 2), 2);
	ck_assert_uint_eq(u_rd(PL011_DR), 'o');
	ck_assert_uint_eq(u_rd(PL011_DR), 'k');
	ck_assert(u_rd(PL011_FR) & PL011_FR_RXFE);
}
END_TEST

/* ---- the console's logic ---- */

static struct con_config cf;
static struct con_state st;
static char out[4 * CON_RING];
static unsigned nout, kicks[KEEL_CON_MAX_VMS];

static void put(void *ctx, const char *b, unsigned n)
{
	(void)ctx;
	ck_assert_uint_le(nout + n, sizeof(out) - 1);
	memcpy(out + nout, b, n);
	nout += n;
	out[nout] = 0;
}

static void kick(void *ctx, unsigned vm)
{
	(void)ctx;
	kicks[vm]++;
}

static unsigned crashes[KEEL_CON_MAX_VMS];

static void crash_dev(void *ctx, unsigned vm)
{
	(void)ctx;
	crashes[vm]++;
}

static unsigned starts[KEEL_CON_MAX_VMS];

static void start_vm(void *ctx, unsigned vm)
{
	(void)ctx;
	starts[vm]++;
}

static unsigned commands;
static char command_line[CON_CMD_MAX];

static void command(void *ctx, unsigned vm, const char *line)
{
	(void)ctx;
	(void)vm;
	commands++;
	snprintf(command_line, sizeof(command_line), "%s", line);
}

static const struct con_io io = { .put = put, .kick = kick, .crash_dev = crash_dev,
				  .start_vm = start_vm, .command = command };
static uint64_t opos[KEEL_CON_MAX_VMS]; /* each VM's output stream position */

static void c_setup(void)
{
	memset(&cf, 0, sizeof(cf));
	memset(&st, 0x5a, sizeof(st)); /* garbage: resume must reset it */
	con_resume(&st);
	cf.nvms = 2;
	strcpy(cf.name[0], "vm1");
	strcpy(cf.name[1], "vm2");
	nout = 0;
	out[0] = 0;
	memset(kicks, 0, sizeof(kicks));
	memset(crashes, 0, sizeof(crashes));
	memset(starts, 0, sizeof(starts));
	memset(opos, 0, sizeof(opos));
	commands = 0;
}

static void out_str(unsigned vm, const char *s)
{
	con_output(&cf, &st, vm, opos[vm], (const uint8_t *)s, (unsigned)strlen(s), &io);
	opos[vm] += strlen(s);
}

static void keys(const char *s)
{
	while (*s)
		con_key(&cf, &st, (uint8_t)*s++, &io);
}

/* Ctrl-] k asks for a crash of the focused VM's PL011 server, and only
 * that: no byte reaches any VM, a plain 'k' is input. */
START_TEST(crash_key_names_the_focused_vm)
{
	keys("\x1d" "k");
	ck_assert_uint_eq(crashes[0], 1);
	ck_assert_uint_eq(crashes[1], 0);
	keys("\x1d" "2" "\x1d" "k");
	ck_assert_uint_eq(crashes[1], 1);
	ck_assert_uint_eq(kicks[0] + kicks[1], 0);
	keys("k");
	ck_assert_uint_eq(crashes[1], 1);
	ck_assert_uint_eq(kicks[1], 1);
}
END_TEST

/* Ctrl-] n for a VM that does not exist says so and keeps the focus; for
 * one that is off it switches and says how to start it; Ctrl-] s asks
 * root to start the focused VM, and no byte of either key is input. */
START_TEST(switch_key_says_off_or_missing)
{
	keys("\x1d" "7");
	ck_assert_ptr_nonnull(strstr(out, "[console] there is no VM 7 (VMs 1..2)"));
	ck_assert_uint_eq(st.focus, 0);
	cf.off[1] = 1;
	nout = 0;
	keys("\x1d" "2");
	ck_assert_uint_eq(st.focus, 1);
	ck_assert_ptr_nonnull(strstr(out, "vm2 has the console"));
	ck_assert_ptr_nonnull(strstr(out, "it is off: Ctrl-] s starts it"));
	keys("\x1d" "s");
	ck_assert_uint_eq(starts[1], 1);
	ck_assert_uint_eq(starts[0], 0);
	ck_assert_uint_eq(kicks[0] + kicks[1], 0);
	nout = 0;
	out[0] = 0;
	keys("\x1d" "1");
	ck_assert_ptr_null(strstr(out, "it is off"));
}
END_TEST

START_TEST(prefix_mode_lines)
{
	out_str(0, "hello\r\n");
	out_str(1, "half ");
	out_str(1, "line\x01\n");
	out_str(0, "# ");
	ck_assert_str_eq(out, "[vm1] hello\r\n[vm2] half line?\r\n[vm1] # ");
}
END_TEST

static void klog_str(const char *s)
{
	con_klog(&st, (const uint8_t *)s, (unsigned)strlen(s), &io);
}

/* The kernel log's lines, each VM's and the console's never share a
 * line: a writer that finds the open line another's starts a new one
 * (a VM's then gets its prefix again); '\n' of the log goes out as CRLF. */
START_TEST(prefix_mode_writers_never_share_a_line)
{
	out_str(0, "# ");
	klog_str("[root] crashed\n[root] rest");
	out_str(0, "ls\n");
	klog_str("arted\n");
	out_str(1, "half ");
	out_str(0, "x\n");
	out_str(1, "line\n");
	ck_assert_str_eq(out, "[vm1] # \r\n[root] crashed\r\n[root] rest\r\n[vm1] ls\r\n"
			      "arted\r\n[vm2] half \r\n[vm1] x\r\n[vm2] line\r\n");
}
END_TEST

START_TEST(switch_mode_log_on_lines_of_its_own)
{
	cf.mode = CON_SWITCH;
	out_str(0, "prompt# ");
	klog_str("[root] x\n");
	out_str(0, "ls\r\n");
	klog_str("[root] y");
	keys("\x1d" "7"); /* the console's note breaks the line itself */
	ck_assert_str_eq(out, "prompt# \r\n[root] x\r\nls\r\n[root] y\r\n[console] there is no "
			      "VM 7 (VMs 1..2)\r\n");
}
END_TEST

START_TEST(switch_mode_raw_and_replay)
{
	cf.mode = CON_SWITCH;
	out_str(0, "raw\r\n# ");
	out_str(1, "kept\r\n");
	ck_assert_str_eq(out, "raw\r\n# "); /* vm2's waits */
	nout = 0;
	keys("\x1d" "2");
	ck_assert_uint_eq(st.focus, 1);
	ck_assert_ptr_nonnull(strstr(out, "[console] vm2 has the console"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nkept\r\n")); /* replayed */
	nout = 0;
	keys("\x1d" "2"); /* again: nothing left to replay */
	ck_assert_ptr_null(strstr(out, "kept"));
}
END_TEST

START_TEST(switch_ring_keeps_newest)
{
	static uint8_t big[CON_RING + 10];
	cf.mode = CON_SWITCH;
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	for (unsigned off = 0; off < sizeof(big); off += KEEL_CON_WRITE_MAX) {
		unsigned n = sizeof(big) - off;
		con_output(&cf, &st, 1, off, big + off,
			   n < KEEL_CON_WRITE_MAX ? n : KEEL_CON_WRITE_MAX, &io);
	}
	ck_assert_uint_eq(st.vm[1].out_len, CON_RING);
	ck_assert_uint_eq(st.vm[1].out_lost, 10);
	keys("\x1d" "2");
	ck_assert_ptr_nonnull(strstr(out, "10 older bytes of its output were dropped"));
	ck_assert_int_eq(memcmp(out + nout - CON_RING, big + 10, CON_RING), 0);
}
END_TEST

START_TEST(input_goes_to_focus_only)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	keys("ls\r");
	ck_assert_uint_eq(kicks[0], 3);
	ck_assert_uint_eq(kicks[1], 0);
	keys("\x1d" "2" "x");
	ck_assert_uint_eq(kicks[1], 1);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, sizeof(b)), 3);
	ck_assert_int_eq(memcmp(b, "ls\r", 3), 0);
	ck_assert_uint_eq(con_fetch(&cf, &st, 1, 1, 0, b, sizeof(b)), 1);
	ck_assert_uint_eq(b[0], 'x');
}
END_TEST

START_TEST(escape_key_sequences)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	keys("\x1d\x1d");   /* Ctrl-] twice: one Ctrl-] for the guest */
	keys("\x1d" "9");   /* no VM 9: ignored, focus kept */
	keys("\x1d" "q");   /* anything else: ignored */
	ck_assert_uint_eq(st.focus, 0);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, sizeof(b)), 1);
	ck_assert_uint_eq(b[0], CON_KEY_ESC);
}
END_TEST

/* Ctrl-] : then a line: echoed, edited with Backspace, handed over on
 * Enter; Ctrl-C drops one; no byte of either reaches a VM. */
START_TEST(command_line_keys)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	keys("\x1d" ":stop vm3\x7f" "2\r");
	ck_assert_uint_eq(commands, 1);
	ck_assert_str_eq(command_line, "stop vm2");
	ck_assert_ptr_nonnull(strstr(out, "stop vm3\b \b2\r\n"));
	keys("\x1d" ":list\x03" "\r");
	ck_assert_uint_eq(commands, 1);
	ck_assert_ptr_nonnull(strstr(out, " (dropped)"));
	keys("\x1d" ":\r"); /* an empty line asks nothing */
	ck_assert_uint_eq(commands, 1);
	ck_assert_uint_eq(kicks[0] + kicks[1], 1); /* only the lone Enter after ^C */
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, sizeof(b)), 1);
	ck_assert_uint_eq(b[0], '\r');
}
END_TEST

START_TEST(fetch_drops_only_delivered_and_retry_is_safe)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	keys("abcdef");
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, 4), 4);    /* offered abcd */
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 2, 2, b, 4), 4);    /* ab taken: cdef */
	ck_assert_int_eq(memcmp(b, "cdef", 4), 0);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 2, 2, b, 4), 4);    /* retry: not again */
	ck_assert_int_eq(memcmp(b, "cdef", 4), 0);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 3, 99, b, 4), 0);   /* at most what was offered */
	ck_assert_uint_eq(st.vm[0].in_len, 0);
}
END_TEST

START_TEST(input_queue_full_is_counted)
{
	for (unsigned i = 0; i < CON_IN + 5; i++)
		con_key(&cf, &st, 'z', &io);
	ck_assert_uint_eq(st.vm[0].in_len, CON_IN);
	ck_assert_uint_eq(st.vm[0].in_lost, 5);
	ck_assert_ptr_nonnull(strstr(out, "input queue full"));
}
END_TEST

/* Back-pressure: the driver asks before each byte. A full queue of the
 * focused VM says no until its fetch drops delivered bytes; another VM's
 * full queue does not hold up the focused one. */
START_TEST(input_room_follows_the_focused_queue)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned typed = 0;
	while (con_input_room(&cf, &st))
		con_key(&cf, &st, (uint8_t)('a' + typed++ % 26), &io);
	ck_assert_uint_eq(typed, CON_IN);
	ck_assert_uint_eq(st.vm[0].in_lost, 0);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, 4), 4); /* offered only */
	ck_assert(!con_input_room(&cf, &st));
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 2, 3, b, 4), 4); /* 3 delivered */
	ck_assert(con_input_room(&cf, &st));
	ck_assert_uint_eq(b[0], 'd'); /* in order, nothing skipped */
	st.vm[0].in_len = CON_IN;
	keys("\x1d" "2");            /* the switch itself was read earlier */
	ck_assert(con_input_room(&cf, &st));
	cf.nvms = 0;                  /* no VM takes keys: Ctrl-] still reads */
	st.focus = 0;
	ck_assert(con_input_room(&cf, &st));
}
END_TEST

/* Output is appended by position: a block sent again (the PL011 server
 * or the console died after printing it) prints nothing again, one that
 * overlaps prints only its new bytes, and one from far back (a stream
 * that started over) prints whole. Both modes. */
START_TEST(output_sent_again_prints_once)
{
	for (unsigned mode = CON_PREFIX; mode <= CON_SWITCH; mode++) {
		c_setup();
		cf.mode = mode;
		con_output(&cf, &st, 0, 0, (const uint8_t *)"abc", 3, &io);
		con_output(&cf, &st, 0, 0, (const uint8_t *)"abc", 3, &io);   /* again */
		con_output(&cf, &st, 0, 1, (const uint8_t *)"bcdef", 5, &io); /* overlap */
		con_output(&cf, &st, 0, 6, (const uint8_t *)"\n", 1, &io);
		ck_assert_str_eq(out, mode == CON_SWITCH ? "abcdef\n" : "[vm1] abcdef\r\n");
		nout = 0;
		con_output(&cf, &st, 0, 5000, (const uint8_t *)"x", 1, &io); /* a gap: taken */
		con_output(&cf, &st, 0, 0, (const uint8_t *)"y", 1, &io);    /* started over */
		con_output(&cf, &st, 0, 0, (const uint8_t *)"y", 1, &io);
		ck_assert_str_eq(out, mode == CON_SWITCH ? "xy" : "[vm1] xy");
	}
}
END_TEST

START_TEST(state_resumes)
{
	keys("\x1d" "2" "q");
	con_resume(&st); /* a restarted server */
	ck_assert_uint_eq(st.focus, 1);
	ck_assert_uint_eq(st.vm[1].in_len, 1);
	st.focus = 77; /* a corrupt page is reset */
	con_resume(&st);
	ck_assert_uint_eq(st.focus, 0);
	ck_assert_uint_eq(st.vm[1].in_len, 0);
}
END_TEST

START_TEST(new_vm_in_a_slot_starts_empty)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	keys("\x1d" "2" "old");
	cf.mode = CON_SWITCH;
	keys("\x1d" "1");
	out_str(1, "stale output");
	cf.gen[1]++; /* root made another VM in slot 1 */
	ck_assert_uint_eq(con_fetch(&cf, &st, 1, 1, 0, b, sizeof(b)), 0);
	nout = 0;
	keys("\x1d" "2");
	ck_assert_ptr_null(strstr(out, "stale"));
}
END_TEST


/* ---- a VM's own socket (consock.h) ---- */

/* peek VM vm's socket stream from *from into a string */
static unsigned sock_str(unsigned vm, uint64_t *from, char *buf, unsigned max)
{
	unsigned n = con_sock_peek(&cf, &st, vm, from, (uint8_t *)buf, max - 1);
	buf[n] = 0;
	return n;
}

/* The socket gets the VM's raw stream (both of its streams, whatever the
 * mode and focus), each byte once: a retried block adds nothing. */
START_TEST(socket_stream_is_the_vms_output_once)
{
	char b[64];
	uint64_t from = 0;
	con_output(&cf, &st, 1, 0, (const uint8_t *)"ab\r\n", 4, &io);
	con_output(&cf, &st, 1, 0, (const uint8_t *)"ab\r\n", 4, &io); /* a retry */
	con_output_hvc(&cf, &st, 1, 0, (const uint8_t *)"\x01hvc", 4, &io);
	con_output(&cf, &st, 1, 2, (const uint8_t *)"\r\ncd", 4, &io);  /* overlap */
	con_output(&cf, &st, 0, 0, (const uint8_t *)"vm1", 3, &io);
	ck_assert_uint_eq(sock_str(1, &from, b, sizeof(b)), 10);
	ck_assert_str_eq(b, "ab\r\n\x01hvccd");
	from += 10;
	ck_assert_uint_eq(sock_str(1, &from, b, sizeof(b)), 0);
	from = 0;
	ck_assert_uint_eq(sock_str(0, &from, b, sizeof(b)), 3);
	ck_assert_str_eq(b, "vm1");
}
END_TEST

/* A reader starts at the oldest byte held (the last CON_RING), one that
 * fell behind moves up to it, and a new VM in the slot starts at 0. */
START_TEST(socket_replay_keeps_the_newest_ring)
{
	static uint8_t big[CON_RING + 100];
	char b[8];
	uint64_t from = 3;
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	for (unsigned at = 0; at < sizeof(big); at += KEEL_CON_WRITE_MAX) {
		unsigned n = sizeof(big) - at < KEEL_CON_WRITE_MAX ? sizeof(big) - at : KEEL_CON_WRITE_MAX;
		con_output(&cf, &st, 0, at, big + at, n, &io);
	}
	ck_assert_uint_eq(con_sock_replay_from(&cf, &st, 0), 100);
	ck_assert_uint_eq(sock_str(0, &from, b, sizeof(b)), 7);
	ck_assert_uint_eq(from, 100); /* moved up: 0..99 are gone */
	ck_assert_str_eq(b, "wxyzabc");
	from = sizeof(big) + 5; /* past the end (a stale position) */
	ck_assert_uint_eq(sock_str(0, &from, b, sizeof(b)), 7);
	ck_assert_uint_eq(from, 100);
	cf.gen[0]++;
	ck_assert_uint_eq(con_sock_replay_from(&cf, &st, 0), 0);
	ck_assert_uint_eq(sock_str(0, &from, b, sizeof(b)), 0);
	ck_assert_uint_eq(from, 0);
}
END_TEST

/* Socket input is staged past the queue's end and counts only when
 * committed (a crash in between takes it again, once); it goes to that
 * VM whatever has the console; a full queue takes a prefix; no VM, none. */
START_TEST(socket_input_staged_then_committed)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	static uint8_t many[CON_IN + 10];
	uint32_t len = 99;
	keys("x"); /* typed: vm1 has the console */
	ck_assert_uint_eq(con_input_stage(&cf, &st, 1, (const uint8_t *)"ls\n", 3, &len), 3);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(con_fetch(&cf, &st, 1, 1, 0, b, sizeof(b)), 0); /* not yet */
	ck_assert_uint_eq(con_input_stage(&cf, &st, 1, (const uint8_t *)"ls\n", 3, &len), 3);
	con_input_commit(&st, 1, len); /* the take done again: once */
	ck_assert_uint_eq(con_fetch(&cf, &st, 1, 2, 0, b, sizeof(b)), 3);
	ck_assert_mem_eq(b, "ls\n", 3);
	ck_assert_uint_eq(con_fetch(&cf, &st, 0, 1, 0, b, sizeof(b)), 1); /* vm1: its key */
	memset(many, 'm', sizeof(many));
	ck_assert_uint_eq(con_input_stage(&cf, &st, 0, many, sizeof(many), &len), CON_IN - 1);
	ck_assert_uint_eq(len, CON_IN);
	ck_assert_uint_eq(con_input_stage(&cf, &st, 2, many, 1, &len), 0); /* no VM 3 */
}
END_TEST

/* A crash while the console takes a block: before the redo record is
 * marked, the retry takes the block whole; after it, the restarted
 * server applies it and the retry adds nothing. Once either way. */
START_TEST(socket_block_across_a_crash_once)
{
	char b[16];
	uint64_t from = 0;
	struct con_vm *v = &st.vm[0];
	con_output(&cf, &st, 0, 0, (const uint8_t *)"ab", 2, &io);
	memcpy(&v->sock[2], "cd", 2); /* crashed after marking "cd" at 2, */
	v->commit = (struct con_commit){ .printed = 4, .sock_end = 4, .valid = 1 };
	v->out_pos = 4; /* half applied: the stream's position, not the ring's end */
	con_resume(&st);
	con_output(&cf, &st, 0, 2, (const uint8_t *)"cd", 2, &io); /* the retry */
	memcpy(&v->sock[4], "ef", 2); /* crashed before marking "ef" at 4 */
	v->commit = (struct con_commit){ .printed = 6, .sock_end = 6 };
	con_resume(&st);
	con_output(&cf, &st, 0, 4, (const uint8_t *)"ef", 2, &io);
	ck_assert_uint_eq(sock_str(0, &from, b, sizeof(b)), 6);
	ck_assert_str_eq(b, "abcdef");
}
END_TEST

Suite *suite_console(void)
{
	Suite *su = suite_create("console");
	TCase *tu = tcase_create("pl011-input"), *tc = tcase_create("console");
	tcase_add_checked_fixture(tu, u_setup, NULL);
	tcase_add_test(tu, input_batch_fills_fifo_in_order);
	tcase_add_test(tu, input_retry_is_not_taken_twice);
	tcase_add_test(tu, input_full_fifo_takes_a_prefix_and_asks_again);
	tcase_add_test(tu, rx_interrupt_mask_status_clear);
	tcase_add_test(tu, input_survives_restart);
	tcase_add_checked_fixture(tc, c_setup, NULL);
	tcase_add_test(tc, prefix_mode_lines);
	tcase_add_test(tc, crash_key_names_the_focused_vm);
	tcase_add_test(tc, switch_key_says_off_or_missing);
	tcase_add_test(tc, switch_mode_raw_and_replay);
	tcase_add_test(tc, switch_ring_keeps_newest);
	tcase_add_test(tc, input_goes_to_focus_only);
	tcase_add_test(tc, escape_key_sequences);
	tcase_add_test(tc, command_line_keys);
	tcase_add_test(tc, fetch_drops_only_delivered_and_retry_is_safe);
	tcase_add_test(tc, input_queue_full_is_counted);
	tcase_add_test(tc, input_room_follows_the_focused_queue);
	tcase_add_test(tc, output_sent_again_prints_once);
	tcase_add_test(tc, state_resumes);
	tcase_add_test(tc, new_vm_in_a_slot_starts_empty);
	tcase_add_test(tc, socket_stream_is_the_vms_output_once);
	tcase_add_test(tc, socket_replay_keeps_the_newest_ring);
	tcase_add_test(tc, socket_input_staged_then_committed);
	tcase_add_test(tc, socket_block_across_a_crash_once);
	tcase_add_test(tc, prefix_mode_writers_never_share_a_line);
	tcase_add_test(tc, switch_mode_log_on_lines_of_its_own);
	suite_add_tcase(su, tu);
	suite_add_tcase(su, tc);
	return su;
}
