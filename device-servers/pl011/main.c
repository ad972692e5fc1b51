/*
 * pl011: one PL011 UART for one VM (pl011.h has the model). The VMM calls
 * with each guest access to the UART's window (keel/vmm.h protocol); the
 * guest's output goes to the kernel debug console, each line prefixed
 * with "[<vm name>] ".
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

struct uart {
	struct pl011_state *regs;
	char prefix[40];
};

/* Guest text is untrusted: only printable ASCII, tab and newline reach the
 * console (the kernel adds the carriage return). */
static void uart_tx(void *ctx, uint8_t c)
{
	struct uart *u = ctx;
	if (c == '\r')
		return;
	if (!u->regs->tx_midline)
		kputs(u->prefix);
	u->regs->tx_midline = c != '\n';
	if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
		keel_debug_putc((char)c);
	else
		keel_debug_putc('?');
}

static bool width_ok(uint64_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

static bool uart_request(void *ctx, struct keel_msg *m)
{
	struct uart *u = ctx;
	uint64_t off = m->mr[0], width = m->mr[1], val = 0;
	bool ok = false;
	if (m->label == KEEL_DEV_READ && width_ok(width))
		ok = pl011_read(u->regs, off, (unsigned)width, &val);
	else if (m->label == KEEL_DEV_WRITE && width_ok(width))
		ok = pl011_write(u->regs, off, (unsigned)width, m->mr[2], uart_tx, u);
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
	if (u.regs->magic == PL011_STATE_MAGIC)
		kprintf("[%s] resuming the guest-visible state\n", argv[0]);
	pl011_resume(u.regs);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
