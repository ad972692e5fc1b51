/*
 * pl011: one PL011 UART for one VM (pl011.h has the model). The VMM calls
 * with each guest access to the UART's window (keel/vmm.h protocol), and
 * with the input the console has for the guest (KEEL_DEV_INPUT). The
 * guest's output goes to the console server (KEEL_SRV_PEER, keel/vmm.h):
 * a line at a time, or each byte at once when the console asks for it
 * (KEEL_CON_EAGER: its "switch" mode). Without a console server it goes
 * to the kernel debug console, each line prefixed with "[<vm name>] ".
 *
 *   argv[1]                VM name
 *   argv[2] "probe"        test hook (test=vm-isolation only): before
 *                          serving, try to reach memory through every
 *                          capability slot and report what worked
 *   argv[2] (tests only)   "crashrx=N,M": as crash=, on the Nth input
 *                          event: a KEEL_DEV_INPUT call (after the bytes
 *                          are in the FIFO, before the reply) or a DR
 *                          read with input waiting (before the pop)
 *   argv[2] (tests only)   "crash=N,M": this instance dereferences NULL on
 *                          its Nth DR write, before doing it, until the
 *                          server has crashed M times in all (counted in
 *                          the state page, outside the model); the
 *                          next instance reports the time from the crash
 *                          to its first served access (KEEL_REPORT_BENCH
 *                          "device_restart instructions")
 *   KEEL_SRV_EP            requests from the VMM
 *   KEEL_DEV_STATE_VADDR   state page (struct pl011_state), kept by root
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "pl011.h"

/* The line being transmitted, kept in the state page after the model's
 * registers (so a restarted server keeps it): a whole line goes to the
 * console at once, and two VMs' output on one CPU never interleaves
 * within a line. */
#define UART_LINE_MAX 160u
struct uart_line {
	uint32_t len;
	char buf[UART_LINE_MAX + 1];
};

struct uart {
	struct pl011_state *regs;
	struct uart_line *line;
	char prefix[40];
	bool console; /* a console server takes the output (KEEL_SRV_PEER) */
	bool eager;   /* it wants each byte at once */
};

/* A call to the console; a call cancelled by its restart is made again
 * (root restarts it from its state page). */
#define CON_TRIES 4u
static long con_call(struct uart *u, uint64_t label, uint64_t len, uint64_t mr[6])
{
	long err = KEEL_E_CANCELLED;
	for (unsigned i = 0; i < CON_TRIES && err == KEEL_E_CANCELLED; i++) {
		uint64_t info = keel_msginfo(label, len), m[6];
		memcpy(m, mr, sizeof(m));
		err = keel_call(KEEL_SRV_PEER, &info, m);
		if (err == KEEL_OK && label == KEEL_CON_WRITE)
			u->eager = m[0] & KEEL_CON_EAGER;
	}
	return err;
}

/* n raw bytes to the console server: MR0 n, the bytes from MR1 on. */
static bool con_write(struct uart *u, const char *b, unsigned n)
{
	uint64_t w[1 + (KEEL_CON_WRITE_MAX + 7) / 8] = { n };
	unsigned words = 1 + (n + 7) / 8;
	memcpy(&w[1], b, n);
	for (unsigned i = KEEL_MSG_REG_MRS; i < words; i++)
		keel_ipcbuf()->mr[i] = w[i];
	return con_call(u, KEEL_CON_WRITE, words, w) == KEEL_OK;
}

/* Without a console server (or if it stays down): the kernel console,
 * only printable ASCII, tab and newline (the kernel adds the CR). */
static void kernel_write(struct uart *u, char *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (b[i] != '\n' && b[i] != '\t' && (b[i] < 0x20 || b[i] >= 0x7f))
			b[i] = '?';
	b[n] = 0;
	if (!u->regs->tx_midline)
		kputs(u->prefix);
	kputs(b);
	u->regs->tx_midline = b[n - 1] != '\n';
}

static void uart_flush(struct uart *u)
{
	struct uart_line *l = u->line;
	if (l->len > UART_LINE_MAX)
		l->len = 0; /* a damaged state page: drop the line */
	if (!l->len)
		return;
	if (!u->console || !con_write(u, l->buf, l->len))
		kernel_write(u, l->buf, l->len);
	l->len = 0;
}

static unsigned long crash_every, crash_max, crash_writes; /* per instance */
static bool crash_on_input; /* "crashrx=": count input events instead */

/* The hook, on a guest DR write: crash before the character goes out, so
 * the VMM's retry on the next instance prints it exactly once. */
static void crash_now(struct pl011_state *t)
{
	t->test_crashes++;
	t->test_t0 = keel_arch_counter();
	*(volatile uint32_t *)(uintptr_t)0 = 0xdead; /* NULL dereference */
}

static void crash_maybe(struct pl011_state *t, const struct keel_msg *m)
{
	if (crash_on_input || m->label != KEEL_DEV_WRITE || m->mr[0] != PL011_DR ||
	    ++crash_writes < crash_every || t->test_crashes >= crash_max)
		return;
	t->test_crashes++;
	t->test_t0 = keel_arch_counter();
	*(volatile uint32_t *)(uintptr_t)0 = 0xdead; /* NULL dereference */
}

/* "crashrx=": an input event (the input is in the FIFO, or about to be
 * read from it): the retry on the next instance must take and read each
 * byte exactly once. */
static void crash_input_event(struct pl011_state *t)
{
	if (crash_on_input && ++crash_writes >= crash_every && t->test_crashes < crash_max)
		crash_now(t);
}

/* The first access this instance served after a crash: report the time. */
static void crash_served(struct pl011_state *t)
{
	uint64_t ticks, freq = keel_arch_counter_freq();
	if (!t->test_t0)
		return;
	ticks = keel_arch_counter() - t->test_t0;
	t->test_t0 = 0;
	keel_report(KEEL_REPORT_BENCH, freq ? ticks * 1000000000ull / freq : ticks,
		    "device_restart instructions");
}

/* Guest text is untrusted: only printable ASCII, tab and newline reach the
 * console (the kernel adds the carriage return). */
static void uart_tx(void *ctx, uint8_t c)
{
	struct uart *u = ctx;
	if (c == '\r' && !u->console)
		return; /* the kernel console adds it; a console server decides */
	if (u->line->len >= UART_LINE_MAX)
		uart_flush(u);
	u->line->buf[u->line->len++] = (char)c;
	if (c == '\n' || u->eager)
		uart_flush(u);
}

/* Test hook: this server should hold no frame capability and no CNode.
 * Try each slot (and a few beyond its CNode) as a frame to map into each
 * slot as a vspace, and as a CNode to copy or mint into; count successes. */
static void uart_probe(const char *self)
{
	static const uint64_t extra[] = { 32, 33, 63, 64, 255, 4096, 1ull << 20, ~0ull };
	uint64_t cptr[(1u << KEEL_SRV_CNODE_BITS) + sizeof(extra) / sizeof(extra[0])];
	unsigned n = 0, frames = 0, maps = 0, copies = 0;
	for (uint64_t i = 0; i < (1u << KEEL_SRV_CNODE_BITS); i++)
		cptr[n++] = i;
	for (unsigned i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		cptr[n++] = extra[i];
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa;
		if (cptr[i] == KEEL_SRV_REPORT || cptr[i] == KEEL_SRV_PEER)
			continue; /* root's and the console's endpoints: invoking
				   * them would be a call to that server */
		if (keel_frame_address(cptr[i], &pa) == KEEL_OK)
			frames++;
		for (unsigned v = 0; v < n; v++)
			if (keel_frame_map(cptr[i], cptr[v], 0x20000000ull, KEEL_R_READ) == KEEL_OK)
				maps++;
		for (unsigned d = 0; d < n; d++)
			if (cptr[d] != KEEL_SRV_REPORT && cptr[d] != KEEL_SRV_PEER &&
			    (keel_cnode_copy(cptr[d], KEEL_SRV_FREE + 1, cptr[d], cptr[i],
					     KEEL_R_ALL) == KEEL_OK ||
			     keel_cnode_mint(cptr[d], KEEL_SRV_FREE + 1, cptr[d], cptr[i],
					     KEEL_R_ALL, 1) == KEEL_OK))
				copies++;
	}
	kprintf("[%s] probe: %u cptrs, %u frame capabilities, %u maps, %u copies\n", self,
		n, frames, maps, copies);
	if (frames || maps || copies)
		keel_report(KEEL_REPORT_FAIL, 0, "%s holds %u frame capabilities, "
			    "%u maps and %u copies succeeded", self, frames, maps, copies);
	else
		keel_report(KEEL_REPORT_PASS, 0, "devserver-probe: %s", self);
}

/* Is there a console server? An empty write asks it (and learns its
 * mode); an empty slot answers KEEL_E_INVALID_CAP. */
static void uart_console_probe(struct uart *u)
{
	uint64_t mr[6] = { 0 };
	u->console = con_call(u, KEEL_CON_WRITE, 1, mr) == KEEL_OK;
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
	unsigned taken;
	memcpy(b, &m->mr[2], sizeof(b));
	taken = pl011_input(u->regs, m->mr[1], b, n);
	if (crash_every)
		crash_input_event(u->regs);
	return taken;
}

/* A DR read: the guest wants input, so a partial line (a prompt) goes
 * out first; after it, the console may have more for a FIFO that was
 * full. */
static bool uart_read(struct uart *u, uint64_t off, unsigned width, uint64_t *val)
{
	bool ok, dr = (off & ~3ull) == PL011_DR;
	if (dr) {
		uart_flush(u);
		if (crash_every && u->regs->rx_count)
			crash_input_event(u->regs);
	}
	ok = pl011_read(u->regs, off, width, val);
	if (dr && u->console && pl011_rx_room_again(u->regs)) {
		uint64_t mr[6] = { 0 };
		con_call(u, KEEL_CON_RX_SPACE, 0, mr);
	}
	return ok;
}

/* A write to a register other than DR ends a burst of output: Linux's
 * driver masks the TX interrupt (IMSC) once its buffer is empty, so a
 * prompt without a newline goes out now, not at the next input. */
static bool uart_write(struct uart *u, uint64_t off, unsigned width, uint64_t val)
{
	bool ok = pl011_write(u->regs, off, width, val, uart_tx, u);
	if ((off & ~3ull) != PL011_DR)
		uart_flush(u);
	return ok;
}

static bool uart_request(void *ctx, struct keel_msg *m)
{
	struct uart *u = ctx;
	uint64_t off = m->mr[0], width = m->mr[1], val = 0;
	bool ok = false;
	if (crash_every)
		crash_maybe(u->regs, m);
	if (m->label == KEEL_DEV_READ && width_ok(width))
		ok = uart_read(u, off, (unsigned)width, &val);
	else if (m->label == KEEL_DEV_INPUT && m->mr[1] != 0)
		ok = true, val = uart_input(u, m);
	else if (m->label == KEEL_DEV_WRITE && width_ok(width))
		ok = uart_write(u, off, (unsigned)width, m->mr[2]);
	else if (m->label == KEEL_DEV_LINES)
		ok = true;
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = pl011_irq_level(u->regs) ? 1 : 0;
	if (crash_every)
		crash_served(u->regs);
	return true;
}

int main(int argc, char **argv)
{
	static struct uart u;
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &u, .protected = uart_request };
	long err;
	snprintf(u.prefix, sizeof(u.prefix), "[%.30s] ", argc > 1 ? argv[1] : "vm");
	u.regs = (struct pl011_state *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	u.line = (struct uart_line *)(uintptr_t)(KEEL_DEV_STATE_VADDR + 2048);
	_Static_assert(sizeof(struct pl011_state) <= 2048, "state page layout");
	if (argc > 2 && strcmp(argv[2], "probe") == 0)
		uart_probe(argv[0]);
	crash_on_input = argc > 2 && strncmp(argv[2], "crashrx=", 8) == 0;
	if (argc > 2 && (crash_on_input || strncmp(argv[2], "crash=", 6) == 0)) {
		char *end;
		crash_every = strtoul(strchr(argv[2], '=') + 1, &end, 10);
		crash_max = *end == ',' ? strtoul(end + 1, NULL, 10) : 1;
	}
	if (u.regs->magic == PL011_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	pl011_resume(u.regs);
	uart_console_probe(&u);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
