/*
 * The 16550A UART model (National Semiconductor PC16550D datasheet; the
 * "ns16550a" of QEMU's virt board): the registers Linux's 8250 driver
 * uses, as pure functions over a state struct that lives in the device
 * server's state page, so a restarted server resumes with the
 * guest-visible state intact.
 *
 * Registers are 8 bits wide at stride 1 (the device tree's reg-shift 0);
 * LCR.DLAB (bit 7) turns offsets 0 and 1 into the divisor latch:
 *
 *   off  DLAB=0 read  DLAB=0 write  DLAB=1      what the model does
 *   ---  -----------  ------------  ----------  -------------------------
 *   0    RBR          THR           DLL         RBR pops the RX FIFO; THR
 *                                               transmits at once
 *   1    IER          IER           DLM         IER: 4 enable bits
 *   2    IIR          FCR           IIR / FCR   IIR: the highest pending
 *                                               interrupt; FCR: FIFOs
 *   3    LCR          LCR                       stored
 *   4    MCR          MCR                       stored (5 bits); LOOP
 *   5    LSR          (ignored)                 DR, OE, THRE, TEMT
 *   6    MSR          (ignored)                 DCD DSR CTS; loopback:
 *                                               from MCR
 *   7    SCR          SCR                       stored
 *
 * The rest of the 4 KiB window reads as zero and ignores writes. Only
 * byte accesses are taken; others are refused (the VMM turns that into
 * an access fault for the guest).
 *
 * Transmission is instant: LSR.THRE and TEMT always read 1, and every THR
 * write leaves the THRE interrupt pending again (the holding register
 * emptied), as does setting IER.ETBEI while it is empty. Reading IIR
 * while it reports THRE clears it. IIR's priorities are the 16550A's:
 *
 *   IIR[3:0]  interrupt              raised when (and enabled)  cleared by
 *   0x6       receiver line status   LSR.OE (ELSI)              LSR read
 *   0x4       received data          FIFO at its trigger (ERBFI) RBR reads
 *   0xc       character timeout      data below the trigger      RBR reads
 *   0x2       THR empty              see above (ETBEI)          IIR read, THR write
 *   0x0       modem status           never (no modem lines move)
 *   0x1       none
 *
 * with bits 7:6 set while the FIFOs are enabled (FCR bit 0). The timeout
 * is reported at once rather than four character times later: Linux
 * treats both alike. The interrupt line is IIR bit 0 clear; MCR.OUT2
 * does not gate it (as on QEMU's virt board, not as on a PC).
 * In loopback (MCR.LOOP) what the guest transmits is received instead.
 */
#ifndef NS16550_H
#define NS16550_H

#include <stdbool.h>
#include <stdint.h>

#include "../uart/uart_in.h"

#define NS16550_WINDOW 0x1000u
#define NS16550_FIFO 16u
#define NS16550_STATE_MAGIC 0x3136353530763031ull /* "16550v01" */

enum ns16550_reg {
	NS16550_RBR = 0, NS16550_THR = 0, NS16550_DLL = 0, NS16550_IER = 1, NS16550_DLM = 1,
	NS16550_IIR = 2, NS16550_FCR = 2, NS16550_LCR = 3, NS16550_MCR = 4, NS16550_LSR = 5,
	NS16550_MSR = 6, NS16550_SCR = 7,
};

enum ns16550_bits {
	NS16550_IER_ERBFI = 1u << 0, NS16550_IER_ETBEI = 1u << 1, NS16550_IER_ELSI = 1u << 2,
	NS16550_IER_EDSSI = 1u << 3,
	NS16550_IIR_NONE = 0x01u, NS16550_IIR_THRE = 0x02u, NS16550_IIR_RDA = 0x04u,
	NS16550_IIR_RLS = 0x06u, NS16550_IIR_TIMEOUT = 0x0cu, NS16550_IIR_FIFO = 0xc0u,
	NS16550_FCR_ENABLE = 1u << 0, NS16550_FCR_CLEAR_RX = 1u << 1,
	NS16550_LCR_DLAB = 1u << 7,
	NS16550_MCR_DTR = 1u << 0, NS16550_MCR_RTS = 1u << 1, NS16550_MCR_OUT1 = 1u << 2,
	NS16550_MCR_OUT2 = 1u << 3, NS16550_MCR_LOOP = 1u << 4,
	NS16550_LSR_DR = 1u << 0, NS16550_LSR_OE = 1u << 1, NS16550_LSR_THRE = 1u << 5,
	NS16550_LSR_TEMT = 1u << 6,
	NS16550_MSR_CTS = 1u << 4, NS16550_MSR_DSR = 1u << 5, NS16550_MSR_RI = 1u << 6,
	NS16550_MSR_DCD = 1u << 7,
};

/* Guest-visible state: all of it, and nothing else (the state page). */
struct ns16550_state {
	uint64_t magic;            /* NS16550_STATE_MAGIC once reset */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;               /* bit 0 and the trigger (7:6) as written */
	uint8_t overrun;           /* LSR.OE until LSR is read */
	uint8_t thr_ipending;      /* the THRE interrupt is pending */
	uint8_t pad[7];
	uint32_t rx_head, rx_count;
	uint8_t rx_fifo[NS16550_FIFO];
	uint32_t tx_midline;       /* console: a line is open, no prefix due */
	/* Input (KEEL_DEV_INPUT), taken exactly once (uart_in.h) */
	struct uart_in in;
};

/* The server's state page, as the PL011 server keeps it (pl011.h): a
 * request works on a copy of the current state and makes it current
 * with one store (ns16550_commit), so a server that dies anywhere in a
 * request leaves none or all of its effects, and the VMM's retry (the
 * same access sequence number) is applied once or answered from the copy
 * that applied it. */
#define NS16550_LINE_MAX 160u
struct ns16550_copy {
	struct ns16550_state regs;
	uint64_t tx_pos;  /* stream position of tx_buf[0] (uart_out.h) */
	uint32_t tx_len;
	char tx_buf[NS16550_LINE_MAX + 1];
	/* the last guest access applied (KEEL_DEV_READ/WRITE MR3), its answer */
	uint64_t acc_seq, acc_val;
	uint32_t acc_ok;
	/* THR writes taken from the post page's queue, ever (its tail, as of
	 * this copy: struct keel_post_page) */
	uint32_t post_tail;
};
struct ns16550_page {
	uint64_t current; /* 0 or 1: which copy is the state */
	struct ns16550_copy copy[2];
};

/* The current copy, reset first unless it holds a model's state. */
struct ns16550_copy *ns16550_page_resume(struct ns16550_page *p);
/* A working copy of the current state, for one request. */
struct ns16550_copy *ns16550_begin(struct ns16550_page *p);
/* Make the working copy the state (one store). */
void ns16550_commit(struct ns16550_page *p);

/* Called for every character the guest transmits (not in loopback). */
typedef void ns16550_tx_fn(void *ctx, uint8_t c);

void ns16550_reset(struct ns16550_state *s);
/* Reset s unless it already holds a model's state (a restarted server). */
void ns16550_resume(struct ns16550_state *s);
/* One guest access; false if it is refused (not one byte, or outside
 * the window). */
bool ns16550_read(struct ns16550_state *s, uint64_t off, unsigned width, uint64_t *val);
bool ns16550_write(struct ns16550_state *s, uint64_t off, unsigned width, uint64_t val,
		   ns16550_tx_fn *tx, void *ctx);
/* A read that changes nothing (every register but RBR, IIR and LSR). */
bool ns16550_read_is_pure(const struct ns16550_state *s, uint64_t off);
/* What a read of LSR would return, in *lsr; true if that read would change
 * nothing (no overrun to clear), so the kernel may answer it (a post page). */
bool ns16550_lsr_peek(const struct ns16550_state *s, uint8_t *lsr);
/* Input from the outside; false if the RX FIFO is full (the console
 * keeps it: no overrun). */
bool ns16550_rx_push(struct ns16550_state *s, uint8_t c);
/* Input call seq (never 0) with n bytes, as pl011_input: a retry of the
 * same seq pushes nothing and returns the first call's count. */
unsigned ns16550_input(struct ns16550_state *s, uint64_t seq, const uint8_t *b, unsigned n);
/* True once after input was refused and the RX FIFO has room again. */
bool ns16550_rx_room_again(struct ns16550_state *s);
/* IIR as a read would return it (without its side effect). */
uint8_t ns16550_iir(const struct ns16550_state *s);
/* Level of the interrupt line. */
bool ns16550_irq_level(const struct ns16550_state *s);

#endif /* NS16550_H */
