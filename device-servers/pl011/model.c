/*
 * PL011 register model (pl011.h). Pure: no system calls, so the host unit
 * tests (tests/vmm/test_pl011.c) run it as the device server does.
 */
#include <string.h>

#include "pl011.h"

static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void pl011_reset(struct pl011_state *s)
{
	memset(s, 0, sizeof(*s));
	s->cr = 0x300;  /* TXE | RXE */
	s->ifls = 0x12; /* both trigger levels at half full */
	s->magic = PL011_STATE_MAGIC;
}

void pl011_resume(struct pl011_state *s)
{
	if (s->magic != PL011_STATE_MAGIC || s->rx_head >= PL011_FIFO ||
	    s->rx_count > PL011_FIFO)
		pl011_reset(s);
}

static unsigned rx_depth(const struct pl011_state *s)
{
	return s->lcr_h & PL011_LCR_FEN ? PL011_FIFO : 1; /* FEN off: one holding register */
}

bool pl011_irq_level(const struct pl011_state *s)
{
	return (s->ris & s->imsc) != 0;
}

bool pl011_rx_push(struct pl011_state *s, uint8_t c)
{
	if (s->rx_count >= rx_depth(s))
		return false;
	s->rx_fifo[(s->rx_head + s->rx_count) % PL011_FIFO] = c;
	s->rx_count++;
	s->ris |= PL011_INT_RX;
	return true;
}

static bool rx_push_cb(void *model, uint8_t c)
{
	return pl011_rx_push(model, c);
}

unsigned pl011_input(struct pl011_state *s, uint64_t seq, const uint8_t *b, unsigned n)
{
	return uart_in_take(&s->in, seq, b, n, rx_push_cb, s);
}

bool pl011_rx_room_again(struct pl011_state *s)
{
	return uart_in_room_again(&s->in, s->rx_count < rx_depth(s));
}

static uint32_t rx_pop(struct pl011_state *s)
{
	uint32_t v;
	if (s->rx_count == 0)
		return 0;
	v = s->rx_fifo[s->rx_head];
	s->rx_head = (s->rx_head + 1) % PL011_FIFO;
	s->rx_count--;
	s->rsr = (v >> 8) & 0xf;
	if (s->rx_count == 0)
		s->ris &= ~(uint32_t)(PL011_INT_RX | PL011_INT_RT);
	return v;
}

static uint32_t pl011_flags(const struct pl011_state *s)
{
	uint32_t fr = PL011_FR_TXFE;
	if (s->rx_count == 0)
		fr |= PL011_FR_RXFE;
	if (s->rx_count >= rx_depth(s))
		fr |= PL011_FR_RXFF;
	return fr;
}

/* The whole 32-bit register at a word offset; DR pops the RX FIFO. */
static uint32_t reg_read(struct pl011_state *s, uint64_t reg)
{
	switch (reg) {
	case PL011_DR: return rx_pop(s);
	case PL011_RSR: return s->rsr;
	case PL011_FR: return pl011_flags(s);
	case PL011_ILPR: return s->ilpr;
	case PL011_IBRD: return s->ibrd;
	case PL011_FBRD: return s->fbrd;
	case PL011_LCR_H: return s->lcr_h;
	case PL011_CR: return s->cr;
	case PL011_IFLS: return s->ifls;
	case PL011_IMSC: return s->imsc;
	case PL011_RIS: return s->ris;
	case PL011_MIS: return s->ris & s->imsc;
	case PL011_DMACR: return s->dmacr;
	default: break;
	}
	if (reg >= PL011_PERIPHID0 && reg < PL011_WINDOW)
		return pl011_id[(reg - PL011_PERIPHID0) / 4];
	return 0; /* reserved and write-only registers */
}

static void lcr_write(struct pl011_state *s, uint32_t v)
{
	if ((v & PL011_LCR_FEN) != (s->lcr_h & PL011_LCR_FEN)) {
		s->rx_head = 0; /* the FIFOs are flushed when FEN changes */
		s->rx_count = 0;
		s->ris &= ~(uint32_t)(PL011_INT_RX | PL011_INT_RT);
	}
	s->lcr_h = v & 0xff;
}

static void reg_write(struct pl011_state *s, uint64_t reg, uint32_t v,
		      pl011_tx_fn *tx, void *ctx)
{
	switch (reg) {
	case PL011_DR:
		tx(ctx, (uint8_t)v);
		s->ris |= PL011_INT_TX;
		break;
	case PL011_RSR: s->rsr = 0; break;
	case PL011_ILPR: s->ilpr = v & 0xff; break;
	case PL011_IBRD: s->ibrd = v & 0xffff; break;
	case PL011_FBRD: s->fbrd = v & 0x3f; break;
	case PL011_LCR_H: lcr_write(s, v); break;
	case PL011_CR: s->cr = v & 0xffff; break;
	case PL011_IFLS: s->ifls = v & 0x3f; break;
	case PL011_IMSC: s->imsc = v & PL011_INT_ALL; break;
	case PL011_ICR: s->ris &= ~(v & PL011_INT_ALL); break;
	case PL011_DMACR: s->dmacr = v & 0x7; break;
	default: break; /* read-only and reserved: ignored */
	}
}

static bool access_ok(uint64_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4) && off < PL011_WINDOW &&
	       (off & (width - 1)) == 0;
}

static uint32_t width_mask(unsigned width)
{
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

bool pl011_read(struct pl011_state *s, uint64_t off, unsigned width, uint64_t *val)
{
	unsigned shift = (unsigned)(off & 3) * 8;
	if (!access_ok(off, width))
		return false;
	*val = (reg_read(s, off & ~3ull) >> shift) & width_mask(width);
	return true;
}

/* A narrow write changes only its bytes of a stored register; on DR, RSR
 * and ICR (actions, not storage) the other bytes are zero. */
bool pl011_write(struct pl011_state *s, uint64_t off, unsigned width, uint64_t val,
		 pl011_tx_fn *tx, void *ctx)
{
	uint64_t reg = off & ~3ull;
	unsigned shift = (unsigned)(off & 3) * 8;
	uint32_t mask, v;
	if (!access_ok(off, width))
		return false;
	mask = width_mask(width) << shift;
	v = ((uint32_t)val << shift) & mask;
	if (reg == PL011_DR && shift != 0)
		return true; /* DR's upper bits are receive status: nothing to send */
	if (width < 4 && reg != PL011_DR && reg != PL011_RSR && reg != PL011_ICR)
		v |= reg_read(s, reg) & ~mask;
	reg_write(s, reg, v, tx, ctx);
	return true;
}

struct pl011_copy *pl011_page_resume(struct pl011_page *p)
{
	struct pl011_copy *c = &p->copy[p->current & 1];
	if (p->current > 1 || c->regs.magic != PL011_STATE_MAGIC || c->tx_len > PL011_LINE_MAX) {
		memset(p, 0, sizeof(*p));
		c = &p->copy[0];
	}
	pl011_resume(&c->regs);
	return c;
}

struct pl011_copy *pl011_begin(struct pl011_page *p)
{
	struct pl011_copy *w = &p->copy[!(p->current & 1)];
	memcpy(w, &p->copy[p->current & 1], sizeof(*w));
	return w;
}

void pl011_commit(struct pl011_page *p)
{
	/* the copy is written before it becomes the state */
	__atomic_store_n(&p->current, !(p->current & 1), __ATOMIC_RELEASE);
}
