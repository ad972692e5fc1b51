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
 *
 * With a post page (argv[2] "post", keel/abi.h struct keel_post_page), as
 * the PL011 server's: the kernel answers the guest's one-byte LSR reads
 * from the page and queues its one-byte writes at offset 0, so a
 * character of Linux's console (LSR until THRE, then THR) costs the guest
 * exits but no switch to this server. The queue is taken in order before
 * any other access, so each write at offset 0 is applied with the LCR the
 * guest had when it made it: THR, or DLL while DLAB is set. LSR goes to
 * the server while an overrun waits to be cleared by reading it.
 *
 *   argv[1]                VM name
 *   argv[2]                "post": the post page is mapped
 *   KEEL_SRV_EP            requests from the VMM
 *   KEEL_DEV_STATE_VADDR   state page (struct ns16550_page), kept by root
 *   KEEL_DEV_POST_VADDR    the post page, kept by root
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "ns16550.h"
#include "uart_out.h"

/* The post page's read_off while an LSR read must reach the model: an
 * offset no access has. */
#define POST_OFF_NONE 0xffffffffu

struct uart {
	struct ns16550_page *page;
	struct ns16550_copy *w; /* the request's working copy (ns16550_begin) */
	struct keel_post_page *post; /* NULL: none (keel/abi.h) */
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

/* Writes the kernel queued that the current copy has not taken. */
static bool uart_post_pending(const struct uart *u, const struct ns16550_copy *c)
{
	return u->post && __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE) != c->post_tail;
}

/* Take the queued writes at offset 0, in order, on the working copy, each
 * as the access it was, up to the first that sends a line out: false if
 * none is left. */
static bool uart_post_take(struct uart *u)
{
	struct ns16550_copy *w = u->w;
	uint32_t head = __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE);
	while (w->post_tail != head) {
		uint64_t e = u->post->post[w->post_tail++ % KEEL_POST_SLOTS], pos = w->tx_pos;
		uart_write(u, NS16550_THR, (unsigned)(e >> 32), (uint32_t)e);
		out.counters.mmio++;
		if (w->tx_pos != pos)
			return w->post_tail != head;
	}
	return false;
}

/* After a commit: the queue the state took gives its room back, and the
 * kernel answers LSR reads with the state's LSR, unless reading it would
 * clear an overrun (then the server answers: read_off is no offset). The
 * kernel may read the page while this runs on another CPU, so the order
 * matters: an LSR that becomes pure gets its value before its offset, so
 * no read is answered with the old value; one with an overrun loses its
 * offset first, and a read already past that check may still return the
 * new value with OE set without clearing it: the guest then sees OE once
 * more, from the server, which clears it. */
static void uart_post_publish(struct uart *u, const struct ns16550_copy *c)
{
	uint8_t lsr;
	bool pure = ns16550_lsr_peek(&c->regs, &lsr);
	if (!pure)
		__atomic_store_n(&u->post->read_off, POST_OFF_NONE, __ATOMIC_RELEASE);
	__atomic_store_n(&u->post->read_val, lsr, __ATOMIC_RELEASE);
	if (pure)
		__atomic_store_n(&u->post->read_off, NS16550_LSR, __ATOMIC_RELEASE);
	__atomic_store_n(&u->post->tail, c->post_tail, __ATOMIC_RELEASE);
}

/* Take the whole queue, committing after each line that goes out (and,
 * with flush, after sending what is left of the last): a crash repeats at
 * most the line it was sending, as when each write was a request. */
static void uart_post_drain(struct uart *u, bool flush)
{
	bool more = true;
	if (!u->post)
		return;
	while (more && uart_post_pending(u, ns16550_page_resume(u->page))) {
		u->w = ns16550_begin(u->page);
		more = uart_post_take(u);
		ns16550_commit(u->page);
		uart_post_publish(u, u->w);
	}
	if (flush && ns16550_page_resume(u->page)->tx_len) {
		u->w = ns16550_begin(u->page);
		uart_flush(u);
		ns16550_commit(u->page);
	}
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
	} else if (uart_read_is_pure(c, m) && !uart_post_pending(u, c)) {
		ok = ns16550_read(&c->regs, m->mr[0], 1, &val);
	} else {
		uart_post_drain(u, false); /* the writes the guest made before this */
		ok = uart_apply_commit(u, m, &val);
		c = u->w;
		if (u->post)
			uart_post_publish(u, c);
	}
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = ns16550_irq_level(&c->regs) ? 1 : 0;
	return true;
}

/* The kernel queued writes a while ago, or the guest read LSR twice
 * without writing (KEEL_DEV_POST_BADGE): take the writes; a guest that
 * polls waits for input, so what is left of the line (a prompt) goes out
 * now. Tell the VMM if the interrupt line changed (THRE). */
static void uart_notified(void *ctx, uint64_t bits)
{
	struct keel_dev_router *r = ctx;
	struct uart *u = r->ctx;
	if (!u->post || !(bits & KEEL_DEV_POST_BADGE))
		return;
	uart_post_drain(u, __atomic_load_n(&u->post->reads, __ATOMIC_RELAXED) >= 2);
	keel_dev_route_lines(r, ns16550_irq_level(&ns16550_page_resume(u->page)->regs) ? 1 : 0);
}

/* The post page once this instance has the state: the queue from where
 * the state took it, one-byte accesses only (the model refuses others),
 * the two registers, then ready. */
static void uart_post_start(struct uart *u)
{
	struct ns16550_copy *c = ns16550_page_resume(u->page);
	uint32_t head = __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE);
	if (head - c->post_tail > KEEL_POST_SLOTS)
		c->post_tail = head; /* a state from before the page: nothing to take */
	u->post->sizes = 1;
	u->post->post_off = NS16550_THR;
	uart_post_publish(u, c);
	__atomic_store_n(&u->post->ready, KEEL_POST_READY, __ATOMIC_RELEASE);
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
				    .fault = keel_dev_route_exit, .notified = uart_notified };
	long err;
	u.page = (struct ns16550_page *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	_Static_assert(sizeof(struct ns16550_page) <= 4096, "state page layout");
	if (u.page->copy[u.page->current & 1].regs.magic == NS16550_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	ns16550_page_resume(u.page);
	if (argc > 2 && !strcmp(argv[2], "post")) {
		u.post = (struct keel_post_page *)(uintptr_t)KEEL_DEV_POST_VADDR;
		uart_post_start(&u);
	}
	uart_out_init(&out, argc > 1 ? argv[1] : "vm");
	/* a crash may have taken the kernel's signal with it */
	if (u.post)
		uart_post_drain(&u, __atomic_load_n(&u.post->reads, __ATOMIC_RELAXED) >= 2);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
