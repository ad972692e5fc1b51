/*
 * The console side of a UART device server (uart_out.h), taken out of the
 * PL011 server so the 16550 server sends its output the same way.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "uart_out.h"

void uart_out_log(struct uart_out *o, uint32_t type, uint64_t t0, uint64_t pos, uint64_t bytes)
{
	uint64_t n = o->logged++;
	keel_dev_log_add(&o->log, t0, KEEL_TRACE_DEV_REQ, n << 32 | type, pos);
	keel_dev_log_add(&o->log, keel_arch_counter(), KEEL_TRACE_DEV_DONE, n << 32, bytes);
}

/* Root restarts a crashed console from its state page: a few tries. */
#define UART_OUT_TRIES 4u
long uart_out_call(struct uart_out *o, uint64_t label, uint64_t len, uint64_t mr[6])
{
	long err = KEEL_E_CANCELLED;
	for (unsigned i = 0; i < UART_OUT_TRIES && err == KEEL_E_CANCELLED; i++) {
		uint64_t info = keel_msginfo(label, len), m[6];
		memcpy(m, mr, sizeof(m));
		o->counters.calls++;
		err = keel_call(KEEL_SRV_PEER, &info, m);
	}
	return err;
}

/* n raw bytes at stream position pos to the console server: MR0 n and
 * pos (KEEL_CON_WRITE_WORD), the bytes from MR1 on. */
static bool uart_out_console(struct uart_out *o, uint64_t pos, const char *b, unsigned n)
{
	uint64_t w[1 + (KEEL_CON_WRITE_MAX + 7) / 8] = { KEEL_CON_WRITE_WORD(n, pos) };
	unsigned words = 1 + (n + 7) / 8;
	memcpy(&w[1], b, n);
	for (unsigned i = KEEL_MSG_REG_MRS; i < words; i++)
		keel_ipcbuf()->mr[i] = w[i];
	return uart_out_call(o, KEEL_CON_WRITE, words, w) == KEEL_OK;
}

/* Without a console server (or if it stays down): the kernel console,
 * only printable ASCII, tab and newline (the kernel adds the CR). */
static void uart_out_kernel(struct uart_out *o, char *b, unsigned n, uint32_t *midline)
{
	for (unsigned i = 0; i < n; i++)
		if (b[i] != '\n' && b[i] != '\t' && (b[i] < 0x20 || b[i] >= 0x7f))
			b[i] = '?';
	b[n] = 0;
	if (!*midline)
		kputs(o->prefix);
	kputs(b);
	*midline = b[n - 1] != '\n';
}

/* If the server dies after the console took the line, the retried
 * request sends it again at the same position and the console skips
 * what it has. */
void uart_out_flush(struct uart_out *o, const struct uart_line *l)
{
	uint64_t t0;
	if (!*l->len)
		return;
	t0 = keel_arch_counter();
	if (!o->console || !uart_out_console(o, *l->pos, l->buf, *l->len))
		uart_out_kernel(o, l->buf, *l->len, l->midline);
	uart_out_log(o, KEEL_TRACE_REQ_OUTPUT, t0, *l->pos, *l->len);
	*l->pos += *l->len;
	*l->len = 0;
}

void uart_out_put(struct uart_out *o, const struct uart_line *l, uint32_t max, uint8_t c)
{
	if (c == '\r' && !o->console)
		return; /* the kernel console adds it; a console server decides */
	if (*l->len >= max)
		uart_out_flush(o, l);
	l->buf[(*l->len)++] = (char)c;
	if (c == '\n')
		uart_out_flush(o, l);
}

/* Is there a console server? An empty write asks it (it prints nothing;
 * an empty slot answers KEEL_E_INVALID_CAP). Only that answer means none
 * (a console that crashed while it took the question is still there). */
void uart_out_init(struct uart_out *o, const char *vm_name)
{
	uint64_t mr[6] = { 0 };
	snprintf(o->prefix, sizeof(o->prefix), "[%.30s] ", vm_name);
	o->console = uart_out_call(o, KEEL_CON_WRITE, 1, mr) != KEEL_E_INVALID_CAP;
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&o->counters, "counters");
	o->log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&o->log, "trace log");
}
