/*
 * A UART device server's way out (pl011, ns16550): the guest's output to
 * the console server (KEEL_SRV_PEER, keel/vmm.h) a line at a time with
 * its position in the VM's output stream, so a line sent again after a
 * crash is not printed twice; without a console server, to the kernel
 * debug console with a "[<vm name>] " prefix. Also the server's call
 * counters and its trace log of lines and input (keel/trace.h).
 *
 * The line itself, its position and whether a kernel-console line is
 * open belong to the server's crash-proof state; they are passed in.
 */
#ifndef UART_OUT_H
#define UART_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/ctl.h>
#include <keel/trace.h>

struct uart_out {
	char prefix[40];
	bool console; /* a console server takes the output */
	/* keelctl stats: accesses and calls of this instance (keel/ctl.h) */
	struct keel_ctl_dev_counters counters;
	struct keel_dev_log log;
	uint32_t logged;
};

/* The line waiting to go out, in the server's state page. */
struct uart_line {
	uint64_t *pos;     /* stream position of buf[0] */
	uint32_t *len;
	char *buf;         /* room for len + 1 */
	uint32_t *midline; /* kernel console: a line is open, no prefix due */
};

/* Name the VM, ask whether there is a console server, report the
 * counters and the trace log to root. */
void uart_out_init(struct uart_out *o, const char *vm_name);
/* A call to the console server; one its restart cancelled is made again. */
long uart_out_call(struct uart_out *o, uint64_t label, uint64_t len, uint64_t mr[6]);
/* Send the line (to the console at its position, else the kernel's),
 * advance its position and empty it. */
void uart_out_flush(struct uart_out *o, const struct uart_line *l);
/* One byte the guest wrote: into the line (max bytes at most), which goes
 * out when full and at a newline; a CR is dropped without a console
 * server (the kernel console adds its own). */
void uart_out_put(struct uart_out *o, const struct uart_line *l, uint32_t max, uint8_t c);
/* One request of type (keel/trace.h KEEL_TRACE_REQ_*) begun at t0, done. */
void uart_out_log(struct uart_out *o, uint32_t type, uint64_t t0, uint64_t pos, uint64_t bytes);

#endif /* UART_OUT_H */
