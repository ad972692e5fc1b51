/* device-servers/pl011/model.c: the register model a Linux driver sees. */
#include <string.h>

#include "pl011.h"
#include "vmm_test.h"

static struct pl011_state s;
static char out[64];
static unsigned nout;

static void tx(void *ctx, uint8_t c)
{
	(void)ctx;
	if (nout < sizeof(out) - 1)
		out[nout++] = (char)c;
}

static void setup(void)
{
	memset(&s, 0xa5, sizeof(s)); /* garbage: resume must reset it */
	pl011_resume(&s);
	memset(out, 0, sizeof(out));
	nout = 0;
}

static uint64_t rd(uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;
	ck_assert(pl011_read(&s, off, width, &v));
	return v;
}

static void wr(uint64_t off, unsigned width, uint64_t v)
{
	ck_assert(pl011_write(&s, off, width, v, tx, NULL));
}

START_TEST(reset_values_and_ids)
{
	static const uint8_t ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	ck_assert_uint_eq(rd(PL011_CR, 4), 0x300);
	ck_assert_uint_eq(rd(PL011_IFLS, 4), 0x12);
	ck_assert_uint_eq(rd(PL011_FR, 4), PL011_FR_TXFE | PL011_FR_RXFE);
	ck_assert_uint_eq(rd(PL011_RIS, 4), 0);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(0xfe0 + 4 * i, 4), ids[i]);
	ck_assert_uint_eq(rd(0x100, 4), 0); /* reserved: RAZ */
	wr(0x100, 4, 0xffffffff);           /* and WI */
	ck_assert_uint_eq(rd(0x100, 4), 0);
}
END_TEST

START_TEST(transmit_and_tx_interrupt)
{
	wr(PL011_DR, 4, 'h');
	wr(PL011_DR, 1, 'i');
	wr(PL011_DR + 1, 1, 'x'); /* DR's status byte: nothing sent */
	ck_assert_str_eq(out, "hi");
	ck_assert_uint_eq(rd(PL011_RIS, 4), PL011_INT_TX);
	ck_assert(!pl011_irq_level(&s)); /* masked */
	ck_assert_uint_eq(rd(PL011_MIS, 4), 0);
	wr(PL011_IMSC, 4, PL011_INT_TX);
	ck_assert(pl011_irq_level(&s));
	ck_assert_uint_eq(rd(PL011_MIS, 4), PL011_INT_TX);
	wr(PL011_ICR, 4, PL011_INT_TX);
	ck_assert(!pl011_irq_level(&s));
	ck_assert_uint_eq(rd(PL011_FR, 4) & PL011_FR_TXFF, 0);
}
END_TEST

START_TEST(receive_fifo)
{
	ck_assert(pl011_rx_push(&s, 'a'));
	ck_assert(!pl011_rx_push(&s, 'b')); /* FIFOs off: one holding register */
	ck_assert_uint_eq(rd(PL011_FR, 4) & (PL011_FR_RXFE | PL011_FR_RXFF), PL011_FR_RXFF);
	wr(PL011_IMSC, 4, PL011_INT_RX);
	ck_assert(pl011_irq_level(&s));
	ck_assert_uint_eq(rd(PL011_DR, 4), 'a');
	ck_assert(!pl011_irq_level(&s));
	ck_assert_uint_eq(rd(PL011_DR, 4), 0); /* empty */
	wr(PL011_LCR_H, 4, PL011_LCR_FEN | 0x60);
	for (unsigned i = 0; i < PL011_FIFO; i++)
		ck_assert(pl011_rx_push(&s, (uint8_t)('0' + i)));
	ck_assert(!pl011_rx_push(&s, '!'));
	ck_assert_uint_eq(rd(PL011_DR, 4), '0');
	ck_assert_uint_eq(rd(PL011_DR, 4), '1');
	wr(PL011_LCR_H, 4, 0x60); /* FEN off flushes */
	ck_assert(rd(PL011_FR, 4) & PL011_FR_RXFE);
	ck_assert_uint_eq(rd(PL011_LCR_H, 4), 0x60);
}
END_TEST

START_TEST(stored_registers_and_narrow_writes)
{
	wr(PL011_IBRD, 4, 0x12345);
	ck_assert_uint_eq(rd(PL011_IBRD, 4), 0x2345); /* 16 bits */
	wr(PL011_IBRD + 1, 1, 0x77);
	ck_assert_uint_eq(rd(PL011_IBRD, 4), 0x7745);
	ck_assert_uint_eq(rd(PL011_IBRD + 1, 1), 0x77);
	ck_assert_uint_eq(rd(PL011_IBRD, 2), 0x7745);
	wr(PL011_FBRD, 4, 0xff);
	ck_assert_uint_eq(rd(PL011_FBRD, 4), 0x3f);
	wr(PL011_CR, 2, 0x301);
	ck_assert_uint_eq(rd(PL011_CR, 4), 0x301);
	wr(PL011_DMACR, 4, 0xff);
	ck_assert_uint_eq(rd(PL011_DMACR, 4), 7);
	wr(PL011_RIS, 4, 0xff); /* read-only */
	ck_assert_uint_eq(rd(PL011_RIS, 4), 0);
}
END_TEST

START_TEST(bad_accesses_refused)
{
	uint64_t v;
	ck_assert(!pl011_read(&s, PL011_DR, 8, &v));
	ck_assert(!pl011_read(&s, PL011_FR + 2, 4, &v));
	ck_assert(!pl011_read(&s, PL011_WINDOW, 4, &v));
	ck_assert(!pl011_write(&s, PL011_DR, 8, 'x', tx, NULL));
	ck_assert(!pl011_write(&s, PL011_DR, 3, 'x', tx, NULL));
	ck_assert_uint_eq(nout, 0);
}
END_TEST

START_TEST(resume_keeps_state)
{
	wr(PL011_IMSC, 4, 0x30);
	wr(PL011_DR, 4, 'z');
	pl011_resume(&s); /* a restarted server */
	ck_assert_uint_eq(rd(PL011_IMSC, 4), 0x30);
	ck_assert(pl011_irq_level(&s));
	s.rx_head = 99; /* a corrupt page is reset, not trusted */
	pl011_resume(&s);
	ck_assert_uint_eq(rd(PL011_IMSC, 4), 0);
}
END_TEST

Suite *suite_pl011(void)
{
	Suite *su = suite_create("pl011");
	TCase *tc = tcase_create("pl011");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_values_and_ids);
	tcase_add_test(tc, transmit_and_tx_interrupt);
	tcase_add_test(tc, receive_fifo);
	tcase_add_test(tc, stored_registers_and_narrow_writes);
	tcase_add_test(tc, bad_accesses_refused);
	tcase_add_test(tc, resume_keeps_state);
	suite_add_tcase(su, tc);
	return su;
}
