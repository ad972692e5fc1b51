/*
 * Console input into a UART model, exactly once: the part the PL011 and
 * 16550 models share (pure: no system calls, host-tested with each
 * model). A struct uart_in lives in the model's guest-visible state, so a
 * restarted server that is handed the same input call again (same
 * sequence number) takes nothing twice.
 */
#ifndef UART_IN_H
#define UART_IN_H

#include <stdbool.h>
#include <stdint.h>

struct uart_in {
	uint64_t seq;   /* the last input call's sequence number */
	uint32_t taken; /* ... and how many of its bytes it took */
	uint32_t want;  /* input was refused (FIFO full) until there is room */
};

/* The model's FIFO: false when it is full (the byte is not taken). */
typedef bool uart_in_push_fn(void *model, uint8_t c);

/* Input call seq (never 0) with n bytes: push what fits, in order, and
 * return how many. The same seq again (a retry) pushes nothing and
 * returns the first call's count. Sets want if not all fitted. */
static inline unsigned uart_in_take(struct uart_in *in, uint64_t seq, const uint8_t *b,
				    unsigned n, uart_in_push_fn *push, void *model)
{
	unsigned taken = 0;
	if (seq != 0 && seq == in->seq)
		return in->taken;
	while (taken < n && push(model, b[taken]))
		taken++;
	in->seq = seq;
	in->taken = taken;
	if (taken < n)
		in->want = 1;
	return taken;
}

/* True once after input was refused and the FIFO has room again. */
static inline bool uart_in_room_again(struct uart_in *in, bool room)
{
	if (!in->want || !room)
		return false;
	in->want = 0;
	return true;
}

#endif /* UART_IN_H */
