/*
 * The PLIC as a guest sees it (the RISC-V PLIC specification; the layout
 * of SiFive's and QEMU virt's, which Linux's "sifive,plic-1.0.0" /
 * "riscv,plic0" driver programs). irq.c turns plic_best() into each
 * vCPU's external interrupt line.
 *
 * What is modelled: PLIC_SOURCES - 1 sources (the device servers'
 * lines): level-triggered, or an edge latched by its gateway (plic_edge:
 * a virtio device's notification) that the claim takes; 3-bit priorities (0 never interrupts), one S-mode
 * context per vCPU with its enables, threshold and claim/complete. No
 * M-mode contexts: the device tree's interrupts-extended names only
 * each hart's supervisor external interrupt (9), so context c is hart c.
 * Registers are 32 bits; any other width, or a misaligned access, is a
 * data abort. In the window, a register of a source or context that does
 * not exist, and the pending bits, read as zero and ignore writes (the
 * spec's WARL and read-only fields); priorities and thresholds keep their
 * low 3 bits.
 *
 *   offset                       register (32 bits each)
 *   0x000000 + 4 * s             priority of source s (s = 0: none)
 *   0x001000 + 4 * w             pending bits, sources 32w..32w+31
 *   0x002000 + 0x80 * c + 4 * w  context c's enable bits, same words
 *   0x200000 + 0x1000 * c        context c's threshold
 *   0x200004 + 0x1000 * c        context c's claim (read) / complete (write)
 */
#include <string.h>

#include "riscv64_vmm.h"

enum {
	PLIC_PENDING = 0x1000, PLIC_ENABLE = 0x2000, PLIC_ENABLE_STRIDE = 0x80,
	PLIC_THRESHOLD = 0, PLIC_CLAIM = 4,
};

void plic_init(struct plic *p, unsigned ncontexts)
{
	memset(p, 0, sizeof(*p));
	p->ncontexts = ncontexts < KEEL_VMM_MAX_VCPUS ? ncontexts : KEEL_VMM_MAX_VCPUS;
}

static bool bit_test(const uint32_t *w, unsigned src)
{
	return (w[src / 32] >> (src % 32)) & 1;
}

static void bit_set(uint32_t *w, unsigned src, bool on)
{
	if (on)
		w[src / 32] |= 1u << (src % 32);
	else
		w[src / 32] &= ~(1u << (src % 32));
}

void plic_line(struct plic *p, unsigned src, bool level)
{
	if (src != 0 && src < PLIC_SOURCES)
		bit_set(p->level, src, level);
}

/* An edge: pending until claimed; one that comes while the source is
 * claimed is pending again after the completion. */
void plic_edge(struct plic *p, unsigned src)
{
	if (src != 0 && src < PLIC_SOURCES)
		bit_set(p->latched, src, true);
}

static uint32_t pending_word(const struct plic *p, unsigned w)
{
	return (p->level[w] | p->latched[w]) & ~p->claimed[w] & (w ? ~0u : ~1u);
}

unsigned plic_best(const struct plic *p, unsigned c)
{
	unsigned best = 0;
	uint32_t best_prio;
	if (c >= p->ncontexts)
		return 0;
	best_prio = p->ctx[c].threshold;
	for (unsigned w = 0; w < PLIC_WORDS; w++)
		for (uint32_t m = pending_word(p, w) & p->ctx[c].enable[w]; m; m &= m - 1) {
			unsigned src = 32 * w + (unsigned)__builtin_ctz(m);
			if (p->prio[src] > best_prio) { /* ties: the lower number stays */
				best = src;
				best_prio = p->prio[src];
			}
		}
	return best;
}

/* The claim: the best source stops being pending until its completion. */
static uint32_t plic_claim(struct plic *p, unsigned c)
{
	unsigned src = plic_best(p, c);
	if (src) {
		bit_set(p->claimed, src, true);
		bit_set(p->latched, src, false);
	}
	return src;
}

/* A completion names a source enabled for the context; any other is
 * ignored, as the spec says. A line still high is pending again. */
static void plic_complete(struct plic *p, unsigned c, uint32_t src)
{
	if (src != 0 && src < PLIC_SOURCES && bit_test(p->ctx[c].enable, src))
		bit_set(p->claimed, src, false);
}

/* Threshold and claim/complete of context c (reg: offset in its page). */
static uint32_t context_access(struct plic *p, unsigned c, uint64_t reg, bool write,
			       uint32_t v)
{
	if (c >= p->ncontexts)
		return 0;
	if (reg == PLIC_THRESHOLD && write)
		p->ctx[c].threshold = v & PLIC_PRIO_MAX;
	else if (reg == PLIC_THRESHOLD)
		return p->ctx[c].threshold;
	else if (reg == PLIC_CLAIM && write)
		plic_complete(p, c, v);
	else if (reg == PLIC_CLAIM)
		return plic_claim(p, c);
	return 0;
}

/* Word w of context c's enable bits (source 0 has none). */
static uint32_t enable_access(struct plic *p, unsigned c, unsigned w, bool write, uint32_t v)
{
	if (c >= p->ncontexts || w >= PLIC_WORDS)
		return 0;
	if (write)
		p->ctx[c].enable[w] = v & (w ? ~0u : ~1u);
	return p->ctx[c].enable[w];
}

static uint32_t plic_reg(struct plic *p, uint64_t off, bool write, uint32_t v)
{
	if (off < PLIC_PENDING) {
		unsigned src = (unsigned)(off / 4);
		if (src == 0 || src >= PLIC_SOURCES)
			return 0;
		if (write)
			p->prio[src] = v & PLIC_PRIO_MAX;
		return p->prio[src];
	}
	if (off < PLIC_ENABLE) /* read-only */
		return off < PLIC_PENDING + 4 * PLIC_WORDS
			       ? pending_word(p, (unsigned)(off - PLIC_PENDING) / 4) : 0;
	if (off < PLIC_CONTEXT_BASE)
		return enable_access(p, (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE),
				     (unsigned)(off % PLIC_ENABLE_STRIDE) / 4, write, v);
	off -= PLIC_CONTEXT_BASE;
	if (off / PLIC_CONTEXT_STRIDE >= KEEL_VMM_MAX_VCPUS)
		return 0;
	return context_access(p, (unsigned)(off / PLIC_CONTEXT_STRIDE), off % PLIC_CONTEXT_STRIDE,
			      write, v);
}

bool plic_access(struct plic *p, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	uint32_t v;
	if (width != 4 || (off & 3))
		return false;
	v = plic_reg(p, off, write, write ? (uint32_t)*val : 0);
	if (!write)
		*val = v;
	return true;
}
