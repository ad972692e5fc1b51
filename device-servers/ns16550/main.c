/*
 * ns16550: one 16550A UART for one VM (ns16550.h has the model), the
 * riscv64 guest's console (docs/console.md). Built as the PL011 server
 * is (device-servers/pl011/main.c): the VMM calls with each guest access
 * to the UART's window (keel/vmm.h protocol) and with the console's
 * input for the guest (KEEL_DEV_INPUT); the guest's output goes out a
 * line (or a burst) at a time through uart_out.h, with its stream
 * position, so a line sent again after a crash is printed once.
 *
 * Every request is applied to a copy of the state page's state and made
 * current in one store (ns16550_begin, ns16550_commit): a crash anywhere
 * leaves none or all of it, and the VMM's retry (same access sequence
 * number) is applied once or answered from the copy that applied it.
 * There is no post page: every access is a request.
 *
 *   argv[1]                VM name
 *   KEEL_SRV_EP            requests from the VMM
 *   KEEL_DEV_STATE_VADDR   state page (struct ns16550_page), kept by root
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "ns16550.h"
#include "uart_out.h"

struct uart {
	struct ns16550_page *page;
	struct ns16550_copy *w; /* the request's working copy (ns16550_begin) */
	unsigned lsr_polls;     /* LSR reads since the last THR write (not
				 * state: a restart only delays one flush) */
};

static struct uart_out out;

/* The working copy's line (uart_out.h). */
static struct uart_line uart_line(struct uart *u)
{
	struct ns16550_copy *w = u->w;
	return (struct uart_line){ .pos = &w->tx_pos, .len = &w->tx_len, .buf = w->tx_buf,
				   .midline = &w->regs.tx_midline };
}

static void uart_flush(struct uart *u)
{
	const struct uart_line l = uart_line(u);
	uart_out_flush(&out, &l);
}

/* Output goes by lines (or NS16550_LINE_MAX bytes), and at the end of a
 * burst (uart_read, uart_write): one message per line, not per byte. */
static void uart_tx(void *ctx, uint8_t c)
{
	const struct uart_line l = uart_line(ctx);
	uart_out_put(&out, &l, NS16550_LINE_MAX, c);
}

/* KEEL_DEV_INPUT: MR0 count, MR1 sequence, MR2..MR5 the bytes. */
static uint64_t uart_input(struct uart *u, const struct keel_msg *m)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned n = m->mr[0] < KEEL_DEV_INPUT_MAX ? (unsigned)m->mr[0] : KEEL_DEV_INPUT_MAX;
	uint64_t t0 = keel_arch_counter(), took;
	memcpy(b, &m->mr[2], sizeof(b));
	took = ns16550_input(&u->w->regs, m->mr[1], b, n);
	uart_out_log(&out, KEEL_TRACE_REQ_INPUT, t0, 0, took);
	return took;
}

/* An RBR read: the guest wants input, so a partial line (a prompt) goes
 * out first; after it, the console may have more for a FIFO that was
 * full. So does a second LSR read with no character written between: a
 * guest polling for input, where a transmit loop reads LSR once per
 * character. */
static bool uart_read(struct uart *u, uint64_t off, unsigned width, uint64_t *val)
{
	bool ok, rbr = off == NS16550_RBR && !(u->w->regs.lcr & NS16550_LCR_DLAB);
	if ((off == NS16550_LSR && ++u->lsr_polls >= 2) || rbr)
		uart_flush(u);
	ok = ns16550_read(&u->w->regs, off, width, val);
	if (rbr && out.console && ns16550_rx_room_again(&u->w->regs)) {
		uint64_t mr[6] = { 0 };
		uart_out_call(&out, KEEL_CON_RX_SPACE, 0, mr);
	}
	return ok;
}

/* A write to any register but THR ends a burst of output: Linux's driver
 * clears IER.ETBEI once its buffer is empty, so a prompt without a
 * newline goes out now, not at the next input. */
static bool uart_write(struct uart *u, uint64_t off, unsigned width, uint64_t val)
{
	bool thr = off == NS16550_THR && !(u->w->regs.lcr & NS16550_LCR_DLAB);
	bool ok = ns16550_write(&u->w->regs, off, width, val, uart_tx, u);
	if (thr)
		u->lsr_polls = 0;
	else
		uart_flush(u);
	return ok;
}

/* A guest access the VMM numbered (MR3, keel/vmm.h): its retry after
 * this server died is answered from the copy that applied it. */
static bool uart_is_retry(const struct ns16550_copy *c, const struct keel_msg *m)
{
	return (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) && m->len >= 4 &&
	       m->mr[3] != 0 && m->mr[3] == c->acc_seq;
}

/* A read that changes nothing, with no output line waiting (which an LSR
 * poll may flush): answered from the state, without a copy to commit. */
static bool uart_read_is_pure(const struct ns16550_copy *c, const struct keel_msg *m)
{
	return m->label == KEEL_DEV_READ && m->mr[1] == 1 &&
	       ns16550_read_is_pure(&c->regs, m->mr[0]) && c->tx_len == 0;
}

/* One request on the working copy u->w; false: refused. Any width but
 * one byte is refused by the model. */
static bool uart_apply(struct uart *u, const struct keel_msg *m, uint64_t *val)
{
	unsigned width = m->mr[1] <= 8 ? (unsigned)m->mr[1] : 0;
	if (m->label == KEEL_DEV_READ)
		return uart_read(u, m->mr[0], width, val);
	if (m->label == KEEL_DEV_INPUT && m->mr[1] != 0)
		return *val = uart_input(u, m), true;
	if (m->label == KEEL_DEV_WRITE)
		return uart_write(u, m->mr[0], width, m->mr[2]);
	return m->label == KEEL_DEV_LINES;
}

/* Apply m on a working copy and make it the state. */
static bool uart_apply_commit(struct uart *u, const struct keel_msg *m, uint64_t *val)
{
	bool ok;
	u->w = ns16550_begin(u->page);
	ok = uart_apply(u, m, val);
	if (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) {
		u->w->acc_seq = m->len >= 4 ? m->mr[3] : 0;
		u->w->acc_val = *val;
		u->w->acc_ok = ok;
	}
	ns16550_commit(u->page);
	return ok;
}

static bool uart_request(void *ctx, struct keel_msg *m)
{
	struct uart *u = ctx;
	struct ns16550_copy *c = ns16550_page_resume(u->page);
	uint64_t val = 0;
	bool ok;
	if (uart_is_retry(c, m)) {
		ok = c->acc_ok;
		val = c->acc_val;
	} else if (uart_read_is_pure(c, m)) {
		ok = ns16550_read(&c->regs, m->mr[0], 1, &val);
	} else {
		ok = uart_apply_commit(u, m, &val);
		c = u->w;
	}
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = ns16550_irq_level(&c->regs) ? 1 : 0;
	return true;
}

int main(int argc, char **argv)
{
	static struct uart u;
	static struct keel_dev_router router = { .request = uart_request, .ctx = &u,
						 .ntfn = KEEL_SRV_NTFN, .told = KEEL_DEV_LINES_UNKNOWN,
						 .accesses = &out.counters.mmio,
						 .calls = &out.counters.calls };
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router,
				    .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	u.page = (struct ns16550_page *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	_Static_assert(sizeof(struct ns16550_page) <= 4096, "state page layout");
	if (u.page->copy[u.page->current & 1].regs.magic == NS16550_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	ns16550_page_resume(u.page);
	uart_out_init(&out, argc > 1 ? argv[1] : "vm");
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
