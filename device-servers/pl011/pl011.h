/*
 * The PL011 UART model (ARM PrimeCell UART, TRM DDI 0183 r1p5): the
 * registers Linux's amba-pl011 driver uses, as pure functions over a state
 * struct that lives in the device server's state page (keel/vmm.h), so a
 * restarted server resumes with the guest-visible state intact.
 *
 *   offset  register   what the model does
 *   ------  ---------  ------------------------------------------------------
 *   0x000   DR         write: transmit at once; read: pop the RX FIFO
 *   0x004   RSR/ECR    read: RX errors of the last character; write: clear
 *   0x018   FR         TXFE always (transmission is instant), RXFE/RXFF
 *   0x020   ILPR       stored
 *   0x024   IBRD       stored (16 bits)
 *   0x028   FBRD       stored (6 bits)
 *   0x02c   LCR_H      stored (8 bits); FEN off->on empties the RX FIFO
 *   0x030   CR         stored (16 bits), reset 0x300
 *   0x034   IFLS       stored (6 bits), reset 0x12
 *   0x038   IMSC       interrupt mask (11 bits)
 *   0x03c   RIS        raw interrupt status (read-only)
 *   0x040   MIS        RIS & IMSC (read-only)
 *   0x044   ICR        write 1s to clear RIS bits
 *   0x048   DMACR      stored (3 bits); there is no DMA
 *   0xfe0.. PeriphID0-3 0x11 0x10 0x34 0x00 (part 0x011, ARM, r1p5)
 *   0xff0.. PCellID0-3  0x0d 0xf0 0x05 0xb1
 *
 * Anything else in the 4 KiB window reads as zero and ignores writes.
 * Accesses are 8, 16 or 32 bits wide and naturally aligned; others are
 * refused (the VMM turns that into a data abort for the guest).
 *
 * The interrupt line (output 0) is (RIS & IMSC) != 0. As in QEMU's model,
 * every DR write sets TXIS: the FIFO empties at once, passing its trigger
 * level. Characters go out even while CR.UARTEN is 0, as on QEMU, since
 * bare-metal guests print without setting the UART up.
 */
#ifndef PL011_H
#define PL011_H

#include <stdbool.h>
#include <stdint.h>

#include "../uart/uart_in.h"

#define PL011_WINDOW 0x1000u
#define PL011_FIFO 32u
#define PL011_STATE_MAGIC 0x504c303131763031ull /* "PL011v01" */

enum pl011_reg {
	PL011_DR = 0x000, PL011_RSR = 0x004, PL011_FR = 0x018, PL011_ILPR = 0x020,
	PL011_IBRD = 0x024, PL011_FBRD = 0x028, PL011_LCR_H = 0x02c, PL011_CR = 0x030,
	PL011_IFLS = 0x034, PL011_IMSC = 0x038, PL011_RIS = 0x03c, PL011_MIS = 0x040,
	PL011_ICR = 0x044, PL011_DMACR = 0x048, PL011_PERIPHID0 = 0xfe0,
	PL011_CELLID0 = 0xff0,
};

enum pl011_bits {
	PL011_FR_RXFE = 1u << 4, PL011_FR_TXFF = 1u << 5, PL011_FR_RXFF = 1u << 6,
	PL011_FR_TXFE = 1u << 7,
	PL011_LCR_FEN = 1u << 4,
	PL011_INT_RX = 1u << 4, PL011_INT_TX = 1u << 5, PL011_INT_RT = 1u << 6,
	PL011_INT_ALL = 0x7ffu,
};

/* Guest-visible state: all of it, and nothing else (the state page). */
struct pl011_state {
	uint64_t magic;          /* PL011_STATE_MAGIC once reset */
	uint32_t rsr, ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
	uint32_t rx_head, rx_count;
	uint16_t rx_fifo[PL011_FIFO]; /* data bits 7:0, error bits 11:8 */
	uint32_t tx_midline;     /* console: a line is open, no prefix due */
	/* Input (KEEL_DEV_INPUT), taken exactly once (uart_in.h) */
	struct uart_in in;
};

/* The server's state page: everything a request changes, twice. A
 * request works on a copy of the current state and makes it current
 * with one store (pl011_commit), so a server that dies anywhere in a
 * request leaves either none or all of its effects behind; the VMM's
 * retry (the same access sequence number) then applies it exactly once,
 * or is answered from the copy that applied it. */
#define PL011_LINE_MAX 160u
struct pl011_copy {
	struct pl011_state regs;
	/* The output line not yet sent to the console, and the stream
	 * position (bytes of this VM's output before it) of its first
	 * byte: the console appends by position, so a line sent again
	 * after a crash is not printed twice. */
	uint64_t tx_pos;
	uint32_t tx_len;
	char tx_buf[PL011_LINE_MAX + 1];
	/* The last guest access applied (KEEL_DEV_READ/WRITE MR3) and its
	 * answer, for a retry of it. */
	uint64_t acc_seq, acc_val;
	uint32_t acc_ok;
	/* DR writes taken from the post page's queue, ever (its tail, as
	 * of this copy: struct keel_post_page) */
	uint32_t post_tail;
};
struct pl011_page {
	uint64_t current; /* 0 or 1: which copy is the state */
	struct pl011_copy copy[2];
};

/* The current copy, reset first unless it holds a model's state. */
struct pl011_copy *pl011_page_resume(struct pl011_page *p);
/* A working copy of the current state, for one request. */
struct pl011_copy *pl011_begin(struct pl011_page *p);
/* Make the working copy the state (one store). */
void pl011_commit(struct pl011_page *p);

/* Called for every character the guest transmits. */
typedef void pl011_tx_fn(void *ctx, uint8_t c);

void pl011_reset(struct pl011_state *s);
/* Reset s unless it already holds a model's state (a restarted server). */
void pl011_resume(struct pl011_state *s);
/* One guest access; false if it is refused (width or alignment). */
bool pl011_read(struct pl011_state *s, uint64_t off, unsigned width, uint64_t *val);
bool pl011_write(struct pl011_state *s, uint64_t off, unsigned width, uint64_t val,
		 pl011_tx_fn *tx, void *ctx);
/* Input from the outside; false if the RX FIFO is full (it is dropped). */
bool pl011_rx_push(struct pl011_state *s, uint8_t c);
/* Input call seq (never 0) with n bytes: push what fits, in order, and
 * return how many. The same seq again (a retry) pushes nothing and
 * returns the first call's count (uart_in_take). */
unsigned pl011_input(struct pl011_state *s, uint64_t seq, const uint8_t *b, unsigned n);
/* True once after input was refused and the RX FIFO has room again. */
bool pl011_rx_room_again(struct pl011_state *s);
/* Level of output line 0 (the UART's combined interrupt). */
bool pl011_irq_level(const struct pl011_state *s);

#endif /* PL011_H */
