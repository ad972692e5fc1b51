/*
 * 16550A register model (ns16550.h). Pure: no system calls, so the host
 * unit tests (tests/vmm/test_ns16550.c) run it as the device server does.
 */
#include <string.h>

#include "ns16550.h"

void ns16550_reset(struct ns16550_state *s)
{
	memset(s, 0, sizeof(*s));
	s->magic = NS16550_STATE_MAGIC;
}

void ns16550_resume(struct ns16550_state *s)
{
	if (s->magic != NS16550_STATE_MAGIC || s->rx_head >= NS16550_FIFO ||
	    s->rx_count > NS16550_FIFO)
		ns16550_reset(s);
}

static bool fifo_on(const struct ns16550_state *s)
{
	return s->fcr & NS16550_FCR_ENABLE;
}

/* FIFOs off: one holding register, as on a 16450. */
static unsigned rx_depth(const struct ns16550_state *s)
{
	return fifo_on(s) ? NS16550_FIFO : 1;
}

/* FCR bits 7:6: 1, 4, 8 or 14 bytes raise the received-data interrupt. */
static unsigned rx_trigger(const struct ns16550_state *s)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };
	return fifo_on(s) ? level[s->fcr >> 6] : 1;
}

static void rx_clear(struct ns16550_state *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

bool ns16550_rx_push(struct ns16550_state *s, uint8_t c)
{
	if (s->rx_count >= rx_depth(s))
		return false;
	s->rx_fifo[(s->rx_head + s->rx_count) % NS16550_FIFO] = c;
	s->rx_count++;
	return true;
}

static bool rx_push_cb(void *model, uint8_t c)
{
	return ns16550_rx_push(model, c);
}

unsigned ns16550_input(struct ns16550_state *s, uint64_t seq, const uint8_t *b, unsigned n)
{
	return uart_in_take(&s->in, seq, b, n, rx_push_cb, s);
}

bool ns16550_rx_room_again(struct ns16550_state *s)
{
	return uart_in_room_again(&s->in, s->rx_count < rx_depth(s));
}

static uint8_t rx_pop(struct ns16550_state *s)
{
	uint8_t c;
	if (s->rx_count == 0)
		return 0;
	c = s->rx_fifo[s->rx_head];
	s->rx_head = (s->rx_head + 1) % NS16550_FIFO;
	s->rx_count--;
	return c;
}

/* The pending interrupt of highest priority (the table in ns16550.h). */
static uint8_t iir_id(const struct ns16550_state *s)
{
	if ((s->ier & NS16550_IER_ELSI) && s->overrun)
		return NS16550_IIR_RLS;
	if ((s->ier & NS16550_IER_ERBFI) && s->rx_count >= rx_trigger(s))
		return NS16550_IIR_RDA;
	if ((s->ier & NS16550_IER_ERBFI) && s->rx_count)
		return NS16550_IIR_TIMEOUT;
	if ((s->ier & NS16550_IER_ETBEI) && s->thr_ipending)
		return NS16550_IIR_THRE;
	return NS16550_IIR_NONE;
}

uint8_t ns16550_iir(const struct ns16550_state *s)
{
	return (uint8_t)(iir_id(s) | (fifo_on(s) ? NS16550_IIR_FIFO : 0));
}

bool ns16550_irq_level(const struct ns16550_state *s)
{
	return iir_id(s) != NS16550_IIR_NONE;
}

static uint8_t lsr_value(const struct ns16550_state *s)
{
	uint8_t lsr = NS16550_LSR_THRE | NS16550_LSR_TEMT;
	if (s->rx_count)
		lsr |= NS16550_LSR_DR;
	if (s->overrun)
		lsr |= NS16550_LSR_OE;
	return lsr;
}

/* Carrier, data set ready and clear to send, as a terminal that is
 * always there; in loopback the outputs MCR drives come back (the
 * datasheet's wiring: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD), which
 * Linux's autoconfig probes. No delta bits: nothing ever changes. */
static uint8_t msr_value(const struct ns16550_state *s)
{
	uint8_t m = s->mcr, v = 0;
	if (!(m & NS16550_MCR_LOOP))
		return NS16550_MSR_DCD | NS16550_MSR_DSR | NS16550_MSR_CTS;
	if (m & NS16550_MCR_RTS)
		v |= NS16550_MSR_CTS;
	if (m & NS16550_MCR_DTR)
		v |= NS16550_MSR_DSR;
	if (m & NS16550_MCR_OUT1)
		v |= NS16550_MSR_RI;
	if (m & NS16550_MCR_OUT2)
		v |= NS16550_MSR_DCD;
	return v;
}

static bool dlab(const struct ns16550_state *s)
{
	return s->lcr & NS16550_LCR_DLAB;
}

/* Reading IIR while it reports THRE acknowledges that interrupt. */
static uint8_t iir_read(struct ns16550_state *s)
{
	uint8_t v = ns16550_iir(s);
	if (iir_id(s) == NS16550_IIR_THRE)
		s->thr_ipending = 0;
	return v;
}

static uint8_t lsr_read(struct ns16550_state *s)
{
	uint8_t v = lsr_value(s);
	s->overrun = 0;
	return v;
}

static uint8_t reg_read(struct ns16550_state *s, uint64_t reg)
{
	switch (reg) {
	case NS16550_RBR: return dlab(s) ? s->dll : rx_pop(s);
	case NS16550_IER: return dlab(s) ? s->dlm : s->ier;
	case NS16550_IIR: return iir_read(s);
	case NS16550_LCR: return s->lcr;
	case NS16550_MCR: return s->mcr;
	case NS16550_LSR: return lsr_read(s);
	case NS16550_MSR: return msr_value(s);
	case NS16550_SCR: return s->scr;
	default: return 0; /* the rest of the window */
	}
}

/* THR: out at once (or, in loopback, back in; a full FIFO overruns), and
 * the holding register is empty again. */
static void thr_write(struct ns16550_state *s, uint8_t c, ns16550_tx_fn *tx, void *ctx)
{
	if (!(s->mcr & NS16550_MCR_LOOP))
		tx(ctx, c);
	else if (!ns16550_rx_push(s, c))
		s->overrun = 1;
	s->thr_ipending = 1;
}

/* Enabling ETBEI while THR is empty raises THRE at once; disabling it
 * drops what was pending. */
static void ier_write(struct ns16550_state *s, uint8_t v)
{
	uint8_t was = s->ier;
	s->ier = v & 0x0f;
	if ((was ^ s->ier) & NS16550_IER_ETBEI)
		s->thr_ipending = (s->ier & NS16550_IER_ETBEI) ? 1 : 0;
}

/* Turning the FIFOs on or off empties them, as does bit 1 for RX (the
 * transmitter has nothing to clear). */
static void fcr_write(struct ns16550_state *s, uint8_t v)
{
	if ((v ^ s->fcr) & NS16550_FCR_ENABLE || (v & NS16550_FCR_CLEAR_RX))
		rx_clear(s);
	s->fcr = v & (NS16550_FCR_ENABLE | 0xc0);
	if (!fifo_on(s))
		s->fcr = 0;
}

static void reg_write(struct ns16550_state *s, uint64_t reg, uint8_t v, ns16550_tx_fn *tx,
		      void *ctx)
{
	switch (reg) {
	case NS16550_THR:
		if (dlab(s))
			s->dll = v;
		else
			thr_write(s, v, tx, ctx);
		break;
	case NS16550_IER:
		if (dlab(s))
			s->dlm = v;
		else
			ier_write(s, v);
		break;
	case NS16550_FCR: fcr_write(s, v); break;
	case NS16550_LCR: s->lcr = v; break;
	case NS16550_MCR: s->mcr = v & 0x1f; break;
	case NS16550_SCR: s->scr = v; break;
	default: break; /* LSR, MSR (read-only) and the rest of the window */
	}
}

static bool access_ok(uint64_t off, unsigned width)
{
	return width == 1 && off < NS16550_WINDOW;
}

bool ns16550_read(struct ns16550_state *s, uint64_t off, unsigned width, uint64_t *val)
{
	if (!access_ok(off, width))
		return false;
	*val = reg_read(s, off);
	return true;
}

bool ns16550_write(struct ns16550_state *s, uint64_t off, unsigned width, uint64_t val,
		   ns16550_tx_fn *tx, void *ctx)
{
	if (!access_ok(off, width))
		return false;
	reg_write(s, off, (uint8_t)val, tx, ctx);
	return true;
}

bool ns16550_lsr_peek(const struct ns16550_state *s, uint8_t *lsr)
{
	*lsr = lsr_value(s);
	return !s->overrun;
}

bool ns16550_read_is_pure(const struct ns16550_state *s, uint64_t off)
{
	return off != NS16550_IIR && off != NS16550_LSR && (off != NS16550_RBR || dlab(s));
}

struct ns16550_copy *ns16550_page_resume(struct ns16550_page *p)
{
	struct ns16550_copy *c = &p->copy[p->current & 1];
	if (p->current > 1 || c->regs.magic != NS16550_STATE_MAGIC ||
	    c->tx_len > NS16550_LINE_MAX) {
		memset(p, 0, sizeof(*p));
		c = &p->copy[0];
	}
	ns16550_resume(&c->regs);
	return c;
}

struct ns16550_copy *ns16550_begin(struct ns16550_page *p)
{
	struct ns16550_copy *w = &p->copy[!(p->current & 1)];
	memcpy(w, &p->copy[p->current & 1], sizeof(*w));
	return w;
}

void ns16550_commit(struct ns16550_page *p)
{
	/* the copy is written before it becomes the state */
	__atomic_store_n(&p->current, !(p->current & 1), __ATOMIC_RELEASE);
}
