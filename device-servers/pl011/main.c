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
 *   KEEL_SRV_EP            requests from the VMM
 *   KEEL_DEV_STATE_VADDR   state page (struct pl011_state), kept by root
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
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
	memcpy(b, &m->mr[2], sizeof(b));
	return pl011_input(u->regs, m->mr[1], b, n);
}

/* A DR read: the guest wants input, so a partial line (a prompt) goes
 * out first; after it, the console may have more for a FIFO that was
 * full. */
static bool uart_read(struct uart *u, uint64_t off, unsigned width, uint64_t *val)
{
	bool ok, dr = (off & ~3ull) == PL011_DR;
	if (dr)
		uart_flush(u);
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
	if (u.regs->magic == PL011_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	pl011_resume(u.regs);
	uart_console_probe(&u);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
