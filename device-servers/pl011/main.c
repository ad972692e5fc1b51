/*
 * pl011: one PL011 UART for one VM (pl011.h has the model). The VMM calls
 * with each guest access to the UART's window (keel/vmm.h protocol), and
 * with the input the console has for the guest (KEEL_DEV_INPUT). The
 * guest's output goes to the console server (KEEL_SRV_PEER, keel/vmm.h)
 * a line (or a burst) at a time, with its position in the VM's output
 * stream, so a line sent again after a crash is not printed twice.
 * Without a console server it goes to the kernel debug console, each
 * line prefixed with "[<vm name>] " (device-servers/uart/uart_out.c,
 * which the 16550 server shares).
 *
 * Every request is applied to a copy of the state page's state and made
 * current in one store (pl011_begin, pl011_commit): a crash anywhere
 * leaves none or all of it, and the VMM's retry (same access sequence
 * number) is applied once or answered from the copy that applied it.
 *
 * With a post page (argv[2] "post", keel/abi.h struct keel_post_page),
 * the kernel answers the guest's FR reads from the page and queues its DR
 * writes there, so a character costs the guest an exit but no switch to
 * this server; the server takes the queue in order at the start of every
 * request (part of it: a crash leaves the queue as the committed copy
 * says) and when the kernel signals, at most KEEL_POST_SIGNAL_MS after a
 * write was queued, and keeps the page's FR value current after each.
 *
 *   argv[1]                VM name
 *   argv[2]                "post": the post page is mapped
 *   KEEL_SRV_EP            requests from the VMM
 *   KEEL_DEV_STATE_VADDR   state page (struct pl011_state), kept by root
 *   KEEL_DEV_POST_VADDR    the post page, kept by root
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/ctl.h>
#include <keel/trace.h>
#include <keel/vmm.h>

#include "pl011.h"
#include "uart_out.h"

struct uart {
	struct pl011_page *page;
	struct pl011_copy *w;   /* the request's working copy (pl011_begin) */
	struct keel_post_page *post; /* NULL: none (keel/abi.h) */
	unsigned fr_polls; /* FR reads since the last DR write (not state:
			    * a restart only delays one flush) */
};

/* The way out to the console (uart_out.h): its counters are this
 * instance's keelctl stats, its log the trace's. */
static struct uart_out out;

/* The working copy's line (uart_out.h). */
static struct uart_line uart_line(struct uart *u)
{
	struct pl011_copy *w = u->w;
	return (struct uart_line){ .pos = &w->tx_pos, .len = &w->tx_len, .buf = w->tx_buf,
				   .midline = &w->regs.tx_midline };
}

static void uart_flush(struct uart *u)
{
	const struct uart_line l = uart_line(u);
	uart_out_flush(&out, &l);
}

/* Output goes by lines (or PL011_LINE_MAX bytes), and at the end of a
 * burst (uart_read, uart_write): one message per line, not per byte. */
static void uart_tx(void *ctx, uint8_t c)
{
	const struct uart_line l = uart_line(ctx);
	uart_out_put(&out, &l, PL011_LINE_MAX, c);
}

static bool width_ok(uint64_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/* KEEL_DEV_INPUT: MR0 count, MR1 sequence, MR2..MR5 the bytes. */
static uint64_t uart_input(struct uart *u, const struct keel_msg *m)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned n = m->mr[0] < KEEL_DEV_INPUT_MAX ? (unsigned)m->mr[0] : KEEL_DEV_INPUT_MAX;
	uint64_t t0 = keel_arch_counter(), took;
	memcpy(b, &m->mr[2], sizeof(b));
	took = pl011_input(&u->w->regs, m->mr[1], b, n);
	uart_out_log(&out, KEEL_TRACE_REQ_INPUT, t0, 0, took);
	return took;
}

/* A DR read: the guest wants input, so a partial line (a prompt) goes
 * out first; after it, the console may have more for a FIFO that was
 * full. So does a second FR read with no character written between: a
 * polling guest (U-Boot's prompt, its autoboot countdown) waiting for
 * input, where a transmit loop reads FR once per character. */
static bool uart_read(struct uart *u, uint64_t off, unsigned width, uint64_t *val)
{
	bool ok, dr = (off & ~3ull) == PL011_DR;
	if ((off & ~3ull) == PL011_FR && ++u->fr_polls >= 2)
		uart_flush(u);
	if (dr)
		uart_flush(u);
	ok = pl011_read(&u->w->regs, off, width, val);
	if (dr && out.console && pl011_rx_room_again(&u->w->regs)) {
		uint64_t mr[6] = { 0 };
		uart_out_call(&out, KEEL_CON_RX_SPACE, 0, mr);
	}
	return ok;
}

/* A write to a register other than DR ends a burst of output: Linux's
 * driver masks the TX interrupt (IMSC) once its buffer is empty, so a
 * prompt without a newline goes out now, not at the next input. */
static bool uart_write(struct uart *u, uint64_t off, unsigned width, uint64_t val)
{
	bool ok = pl011_write(&u->w->regs, off, width, val, uart_tx, u);
	if ((off & ~3ull) == PL011_DR)
		u->fr_polls = 0;
	if ((off & ~3ull) != PL011_DR)
		uart_flush(u);
	return ok;
}

/* Writes the kernel queued that the current copy has not taken. */
static bool uart_post_pending(const struct uart *u, const struct pl011_copy *c)
{
	return u->post && __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE) != c->post_tail;
}

/* Take the queued DR writes, in order, on the working copy, each as the
 * access it was (a guest access, counted as one), up to the first that
 * sends a line out: false if none is left. */
static bool uart_post_take(struct uart *u)
{
	struct pl011_copy *w = u->w;
	uint32_t head = __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE);
	u->fr_polls = 0;
	while (w->post_tail != head) {
		uint64_t e = u->post->post[w->post_tail++ % KEEL_POST_SLOTS], pos = w->tx_pos;
		pl011_write(&w->regs, PL011_DR, (unsigned)(e >> 32), (uint32_t)e, uart_tx, u);
		out.counters.mmio++;
		if (w->tx_pos != pos)
			return w->post_tail != head;
	}
	return false;
}

/* After a commit: the queue the state took gives its room back, and the
 * kernel answers FR reads with the state's FR. */
static void uart_post_publish(struct uart *u, const struct pl011_copy *c)
{
	uint64_t fr = 0;
	pl011_read((struct pl011_state *)&c->regs, PL011_FR, 4, &fr);
	__atomic_store_n(&u->post->read_val, (uint32_t)fr, __ATOMIC_RELAXED);
	__atomic_store_n(&u->post->tail, c->post_tail, __ATOMIC_RELEASE);
}

/* Take the whole queue, committing after each line that goes out (and,
 * with flush, after sending what is left of the last): a crash repeats
 * at most the line it was sending, as when each DR write was a request,
 * which matters where no console server drops what it has seen (the
 * kernel console). */
static void uart_post_drain(struct uart *u, bool flush)
{
	bool more = true;
	if (!u->post)
		return;
	while (more && uart_post_pending(u, pl011_page_resume(u->page))) {
		u->w = pl011_begin(u->page);
		more = uart_post_take(u);
		pl011_commit(u->page);
		uart_post_publish(u, u->w);
	}
	if (flush && pl011_page_resume(u->page)->tx_len) {
		u->w = pl011_begin(u->page);
		uart_flush(u);
		pl011_commit(u->page);
	}
}

/* A guest access the VMM numbered (MR3, keel/vmm.h): its retry after
 * this server died is answered from the copy that applied it. */
static bool uart_is_retry(const struct pl011_copy *c, const struct keel_msg *m)
{
	return (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) && m->len >= 4 &&
	       m->mr[3] != 0 && m->mr[3] == c->acc_seq;
}

/* A read that changes nothing: of any register but DR (which pops the
 * receiver), with no output line waiting (which a poll of FR may flush).
 * Answered from the state itself, without a working copy to fill and
 * commit: the guest's polls of FR are most of its accesses. */
static bool uart_read_is_pure(const struct pl011_copy *c, const struct keel_msg *m)
{
	return m->label == KEEL_DEV_READ && width_ok(m->mr[1]) &&
	       (m->mr[0] & ~3ull) != PL011_DR && c->tx_len == 0;
}

/* One request on the working copy u->w; false: refused. */
static bool uart_apply(struct uart *u, const struct keel_msg *m, uint64_t *val)
{
	uint64_t off = m->mr[0], width = m->mr[1];
	if (m->label == KEEL_DEV_READ && width_ok(width))
		return uart_read(u, off, (unsigned)width, val);
	if (m->label == KEEL_DEV_INPUT && m->mr[1] != 0)
		return *val = uart_input(u, m), true;
	if (m->label == KEEL_DEV_WRITE && width_ok(width))
		return uart_write(u, off, (unsigned)width, m->mr[2]);
	return m->label == KEEL_DEV_LINES;
}

static bool uart_request(void *ctx, struct keel_msg *m)
{
	struct uart *u = ctx;
	struct pl011_copy *c = pl011_page_resume(u->page);
	uint64_t val = 0;
	bool ok;
	if (uart_is_retry(c, m)) {
		ok = c->acc_ok;
		val = c->acc_val;
	} else if (uart_read_is_pure(c, m) && !uart_post_pending(u, c)) {
		ok = pl011_read(&c->regs, m->mr[0], (unsigned)m->mr[1], &val);
	} else {
		uart_post_drain(u, false); /* the writes the guest made before this */
		u->w = pl011_begin(u->page);
		ok = uart_apply(u, m, &val);
		if (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) {
			u->w->acc_seq = m->len >= 4 ? m->mr[3] : 0;
			u->w->acc_val = val;
			u->w->acc_ok = ok;
		}
		pl011_commit(u->page);
		c = u->w;
		if (u->post)
			uart_post_publish(u, c);
	}
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = pl011_irq_level(&c->regs) ? 1 : 0;
	return true;
}

/* The kernel queued writes a while ago, or the guest read FR twice
 * without writing (KEEL_DEV_POST_BADGE): take the writes; if the guest
 * polls, it waits for input, so what is left of the line (a prompt) goes
 * out now, as the server does when it sees the polls itself (uart_read);
 * a line still being written is not cut. Tell the VMM if the interrupt
 * line changed (each DR write raises TXIS). */
static void uart_notified(void *ctx, uint64_t bits)
{
	struct keel_dev_router *r = ctx;
	struct uart *u = r->ctx;
	if (!u->post || !(bits & KEEL_DEV_POST_BADGE))
		return;
	uart_post_drain(u, __atomic_load_n(&u->post->reads, __ATOMIC_RELAXED) >= 2);
	keel_dev_route_lines(r, pl011_irq_level(&pl011_page_resume(u->page)->regs) ? 1 : 0);
}

/* The post page once this instance has the state: the queue from where
 * the state took it (a crash between commit and publish left the page's
 * tail behind), then the two registers, then ready. */
static void uart_post_start(struct uart *u)
{
	struct pl011_copy *c = pl011_page_resume(u->page);
	uint32_t head = __atomic_load_n(&u->post->head, __ATOMIC_ACQUIRE);
	if (head - c->post_tail > KEEL_POST_SLOTS)
		c->post_tail = head; /* a state from before the page: nothing to take */
	u->post->read_off = PL011_FR;
	u->post->post_off = PL011_DR;
	uart_post_publish(u, c);
	__atomic_store_n(&u->post->ready, KEEL_POST_READY, __ATOMIC_RELEASE);
}

int main(int argc, char **argv)
{
	static struct uart u;
	static struct keel_dev_router router = { .request = uart_request, .ctx = &u, .ntfn = KEEL_SRV_NTFN,
						 .told = KEEL_DEV_LINES_UNKNOWN, .accesses = &out.counters.mmio,
						 .calls = &out.counters.calls };
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit, .notified = uart_notified };
	long err;
	u.page = (struct pl011_page *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	_Static_assert(sizeof(struct pl011_page) <= 4096, "state page layout");
	if (u.page->copy[u.page->current & 1].regs.magic == PL011_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	pl011_page_resume(u.page);
	if (argc > 2 && !strcmp(argv[2], "post")) {
		u.post = (struct keel_post_page *)(uintptr_t)KEEL_DEV_POST_VADDR;
		uart_post_start(&u);
	}
	uart_out_init(&out, argc > 1 ? argv[1] : "vm");
	/* a crash may have taken the kernel's signal with it: take what is
	 * queued now rather than at the guest's next access */
	if (u.post)
		uart_post_drain(&u, __atomic_load_n(&u.post->reads, __ATOMIC_RELAXED) >= 2);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
