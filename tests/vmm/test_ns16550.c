/* device-servers/ns16550/model.c: the 16550A that Linux's 8250 driver sees. */
#include <string.h>

#include "ns16550.h"
#include "vmm_test.h"

static struct ns16550_state s;
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
	ns16550_resume(&s);
	memset(out, 0, sizeof(out));
	nout = 0;
}

static uint64_t rd(uint64_t off)
{
	uint64_t v = 0xdead;
	ck_assert(ns16550_read(&s, off, 1, &v));
	return v;
}

static void wr(uint64_t off, uint64_t v)
{
	ck_assert(ns16550_write(&s, off, 1, v, tx, NULL));
}

START_TEST(reset_values)
{
	ck_assert_uint_eq(rd(NS16550_IER), 0);
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_NONE);
	ck_assert_uint_eq(rd(NS16550_LCR), 0);
	ck_assert_uint_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
	ck_assert_uint_eq(rd(NS16550_MSR), NS16550_MSR_DCD | NS16550_MSR_DSR | NS16550_MSR_CTS);
	ck_assert_uint_eq(rd(0x100), 0); /* the rest of the window: RAZ */
	wr(0x100, 0xff);                 /* and WI */
	ck_assert_uint_eq(rd(0x100), 0);
	ck_assert(!ns16550_irq_level(&s));
}
END_TEST

START_TEST(refused_accesses)
{
	uint64_t v = 0x1234;
	ck_assert(!ns16550_read(&s, NS16550_LSR, 4, &v));
	ck_assert(!ns16550_read(&s, 0, 2, &v));
	ck_assert(!ns16550_write(&s, NS16550_THR, 4, 'x', tx, NULL));
	ck_assert(!ns16550_read(&s, NS16550_WINDOW, 1, &v));
	ck_assert(!ns16550_write(&s, ~0ull, 1, 0, tx, NULL));
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_uint_eq(nout, 0);
}
END_TEST

START_TEST(transmit_and_thre_interrupt)
{
	wr(NS16550_THR, 'h');
	wr(NS16550_THR, 'i');
	ck_assert_str_eq(out, "hi");
	ck_assert(!ns16550_irq_level(&s)); /* ETBEI off */
	wr(NS16550_IER, NS16550_IER_ETBEI); /* THR is empty: THRE at once */
	ck_assert(ns16550_irq_level(&s));
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_THRE);
	ck_assert(!ns16550_irq_level(&s)); /* the IIR read acknowledged it */
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_NONE);
	wr(NS16550_THR, '!');               /* emptied again at once */
	ck_assert(ns16550_irq_level(&s));
	wr(NS16550_IER, 0);                 /* disabling drops it */
	wr(NS16550_IER, NS16550_IER_ERBFI);
	ck_assert(!ns16550_irq_level(&s));
	ck_assert_uint_eq(rd(NS16550_LSR) & NS16550_LSR_TEMT, NS16550_LSR_TEMT);
}
END_TEST

START_TEST(divisor_latch)
{
	wr(NS16550_LCR, NS16550_LCR_DLAB | 0x03);
	wr(NS16550_DLL, 0x01);
	wr(NS16550_DLM, 0x02);
	ck_assert_uint_eq(rd(NS16550_DLL), 0x01);
	ck_assert_uint_eq(rd(NS16550_DLM), 0x02);
	ck_assert_uint_eq(nout, 0); /* a DLL write sends nothing */
	wr(NS16550_LCR, 0x03);
	ck_assert_uint_eq(rd(NS16550_IER), 0); /* not the latch */
	wr(NS16550_THR, 'x');
	ck_assert_str_eq(out, "x");
	wr(NS16550_LCR, NS16550_LCR_DLAB);
	ck_assert_uint_eq(rd(NS16550_DLL), 0x01);
}
END_TEST

START_TEST(fifo_enable_in_iir)
{
	wr(NS16550_FCR, NS16550_FCR_ENABLE);
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NONE);
	wr(NS16550_IER, NS16550_IER_ETBEI);
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_THRE);
	wr(NS16550_FCR, 0);
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_NONE);
}
END_TEST

/* FIFO at trigger 4: below it a timeout, at it received data; RBR reads
 * drain it; THRE waits behind both. */
START_TEST(receive_and_priorities)
{
	static const uint8_t in[5] = { 'a', 'b', 'c', 'd', 'e' };
	wr(NS16550_FCR, NS16550_FCR_ENABLE | 0x40);
	wr(NS16550_IER, NS16550_IER_ERBFI | NS16550_IER_ETBEI);
	ck_assert_uint_eq(rd(NS16550_IIR) & 0x0f, NS16550_IIR_THRE);
	ck_assert_uint_eq(ns16550_input(&s, 1, in, 2), 2);
	ck_assert_uint_eq(ns16550_iir(&s) & 0x0f, NS16550_IIR_TIMEOUT);
	ck_assert_uint_eq(ns16550_input(&s, 2, in + 2, 3), 3);
	ck_assert_uint_eq(ns16550_iir(&s) & 0x0f, NS16550_IIR_RDA);
	ck_assert_uint_eq(rd(NS16550_LSR) & NS16550_LSR_DR, NS16550_LSR_DR);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(rd(NS16550_RBR), in[i]);
	ck_assert_uint_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
	ck_assert(!ns16550_irq_level(&s));
	wr(NS16550_THR, 'z');
	ck_assert_uint_eq(rd(NS16550_IIR) & 0x0f, NS16550_IIR_THRE);
}
END_TEST

START_TEST(input_fills_fifo_and_retries)
{
	uint8_t in[20];
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('A' + i);
	ck_assert_uint_eq(ns16550_input(&s, 7, in, 4), 1); /* FIFOs off: one byte */
	ck_assert_uint_eq(ns16550_input(&s, 7, in, 4), 1); /* a retry takes nothing */
	ck_assert(!ns16550_rx_room_again(&s));
	ck_assert_uint_eq(rd(NS16550_RBR), 'A');
	ck_assert(ns16550_rx_room_again(&s));
	ck_assert(!ns16550_rx_room_again(&s));
	wr(NS16550_FCR, NS16550_FCR_ENABLE);
	ck_assert_uint_eq(ns16550_input(&s, 8, in, 20), NS16550_FIFO);
	ck_assert_uint_eq(rd(NS16550_LSR) & NS16550_LSR_OE, 0); /* refused, not lost */
	wr(NS16550_FCR, NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_RX);
	ck_assert_uint_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
}
END_TEST

/* Loopback: THR comes back in, MSR follows MCR, an overrun is a line
 * status interrupt that an LSR read clears (so a peek says the read is
 * not pure while it waits). */
START_TEST(loopback_and_overrun)
{
	uint8_t lsr;
	wr(NS16550_MCR, NS16550_MCR_LOOP | NS16550_MCR_RTS | NS16550_MCR_OUT2);
	ck_assert_uint_eq(rd(NS16550_MSR), NS16550_MSR_CTS | NS16550_MSR_DCD);
	wr(NS16550_IER, NS16550_IER_ELSI | NS16550_IER_ERBFI);
	wr(NS16550_THR, 'q');
	ck_assert_uint_eq(nout, 0);
	ck_assert_uint_eq(ns16550_iir(&s), NS16550_IIR_RDA);
	ck_assert(ns16550_lsr_peek(&s, &lsr)); /* the post page may answer it */
	ck_assert_uint_eq(lsr, rd(NS16550_LSR));
	wr(NS16550_THR, 'r'); /* FIFOs off: the holding register overruns */
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_RLS);
	ck_assert(!ns16550_lsr_peek(&s, &lsr)); /* reading it clears OE: the server's */
	ck_assert_uint_eq(lsr, NS16550_LSR_THRE | NS16550_LSR_TEMT | NS16550_LSR_DR |
			       NS16550_LSR_OE);
	ck_assert_uint_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT |
						   NS16550_LSR_DR | NS16550_LSR_OE);
	ck_assert(ns16550_lsr_peek(&s, &lsr));
	ck_assert_uint_eq(rd(NS16550_IIR), NS16550_IIR_RDA);
	ck_assert_uint_eq(rd(NS16550_RBR), 'q');
	ck_assert_uint_eq(rd(NS16550_SCR), 0);
	wr(NS16550_SCR, 0x5a);
	ck_assert_uint_eq(rd(NS16550_SCR), 0x5a);
}
END_TEST

START_TEST(resume_keeps_state)
{
	wr(NS16550_LCR, 0x03);
	wr(NS16550_SCR, 0x77);
	ns16550_resume(&s);
	ck_assert_uint_eq(rd(NS16550_LCR), 0x03);
	ck_assert_uint_eq(rd(NS16550_SCR), 0x77);
	s.rx_count = NS16550_FIFO + 1; /* a page that is not a state */
	ns16550_resume(&s);
	ck_assert_uint_eq(rd(NS16550_SCR), 0);
	ck_assert(ns16550_read_is_pure(&s, NS16550_SCR));
	ck_assert(!ns16550_read_is_pure(&s, NS16550_RBR));
	ck_assert(!ns16550_read_is_pure(&s, NS16550_IIR));
	ck_assert(!ns16550_read_is_pure(&s, NS16550_LSR));
}
END_TEST

Suite *suite_ns16550(void)
{
	Suite *su = suite_create("ns16550");
	TCase *tc = tcase_create("ns16550");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_values);
	tcase_add_test(tc, refused_accesses);
	tcase_add_test(tc, transmit_and_thre_interrupt);
	tcase_add_test(tc, divisor_latch);
	tcase_add_test(tc, fifo_enable_in_iir);
	tcase_add_test(tc, receive_and_priorities);
	tcase_add_test(tc, input_fills_fifo_and_retries);
	tcase_add_test(tc, loopback_and_overrun);
	tcase_add_test(tc, resume_keeps_state);
	suite_add_tcase(su, tc);
	return su;
}
