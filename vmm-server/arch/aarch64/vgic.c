/*
 * GICv3 distributor and redistributors, as a guest sees them (IHI 0069).
 * The guest's CPU interface is the hardware's virtual one (ICC_* system
 * registers, list registers loaded by the kernel); this file keeps the
 * configuration the guest writes through MMIO and the VMM's view of each
 * interrupt's state, which irq.c turns into list-register injections.
 *
 * What is modelled: one security state (GICD_CTLR.DS and .ARE read as
 * one, as KVM does), group, enable, priority, trigger and routing of
 * VGIC_NR_IRQS interrupts, and a redistributor per vCPU that wakes when
 * asked. Pending and active state is what the VMM knows: an interrupt
 * waiting for a list register (an edge, an SGI, a set-pending write) or a
 * level-sensitive line that is high reads as pending; one injected with
 * EOI notification (irq.c injects everything so) whose EOI has not come
 * reads as active. Set-active writes are ignored (the VMM cannot
 * make the guest's CPU interface hold an active interrupt); there are no
 * LPIs.
 *
 *   GICD (64 KiB)                        GICR, 128 KiB per vCPU
 *   0x0000 CTLR    0x0080 IGROUPR        RD  0x0000 CTLR   0x0008 TYPER (64)
 *   0x0004 TYPER   0x0100 ISENABLER          0x0014 WAKER
 *   0x0008 IIDR    0x0180 ICENABLER      SGI 0x0080 IGROUPR0
 *   0x0200 ISPENDR 0x0280 ICPENDR            0x0100 ISENABLER0 / 0x0180 IC..
 *   0x0300 ISACTIVER 0x0380 ICACTIVER        0x0200 ISPENDR0 .. 0x0380 ICACTIVER0
 *   0x0400 IPRIORITYR (byte/INTID)           0x0400 IPRIORITYR  0x0c00 ICFGR
 *   0x0c00 ICFGR   0x6000 IROUTER (64)
 *   0xffd0 ID registers (PIDR2 = 0x3b: GICv3)
 */
#include <string.h>

#include "aarch64_vmm.h"

enum {
	GICD_CTLR = 0x0, GICD_TYPER = 0x4, GICD_IIDR = 0x8, GICD_IGROUPR = 0x80,
	GICD_ISENABLER = 0x100, GICD_ICENABLER = 0x180, GICD_ISPENDR = 0x200,
	GICD_ICPENDR = 0x280, GICD_ISACTIVER = 0x300, GICD_ICACTIVER = 0x380,
	GICD_IPRIORITYR = 0x400, GICD_ICFGR = 0xc00, GICD_IROUTER = 0x6000,
	GIC_IDREGS = 0xffd0,
	GICR_IIDR = 0x4, GICR_TYPER = 0x8, GICR_WAKER = 0x14, GICR_SGI = 0x10000,
	GICR_IGROUPR0 = 0x80, GICR_IPRIORITYR = 0x400, GICR_ICFGR0 = 0xc00,
	GICR_ICFGR1 = 0xc04,
};
#define CTLR_ENABLE_G0 (1u << 0)
#define CTLR_ENABLE_G1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define CTLR_DS (1u << 6)
#define IIDR_ARM 0x43bu
#define ICFGR_EDGE_BITS 0xaaaaaaaau /* Int_config[1] of each 2-bit field */
#define IROUTER_MASK 0xff80ffffffull /* Aff3, IRM, Aff2.Aff1.Aff0 */
#define IROUTER_IRM (1ull << 31)
#define VTIMER_BIT (1u << VGIC_VTIMER)

/* PIDR4..7, PIDR0..3, CIDR0..3 at 0xffd0.. (the values QEMU's GICv3 has) */
static const uint8_t gicd_ids[12] = { 0x44, 0, 0, 0, 0x92, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1 };
static const uint8_t gicr_ids[12] = { 0x44, 0, 0, 0, 0x93, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1 };

void vgic_init(struct vgic *g, unsigned ncpus)
{
	memset(g, 0, sizeof(*g));
	g->ncpus = ncpus;
	for (unsigned i = 0; i < ncpus && i < KEEL_VMM_MAX_VCPUS; i++)
		g->cpu[i].sleep = true; /* as after reset: the guest wakes it */
}

/* Word n of a register array of `words` words starting at base. */
static bool reg_array(uint64_t off, uint64_t base, uint64_t words, unsigned *n)
{
	if (off < base || off >= base + 4 * words)
		return false;
	*n = (unsigned)((off - base) / 4);
	return true;
}

static void rmw32(uint32_t *p, uint32_t v, uint32_t mask)
{
	*p = (*p & ~mask) | (v & mask);
}

static uint32_t bytes_get(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void bytes_set(uint8_t *p, uint32_t v, uint32_t mask)
{
	for (unsigned i = 0; i < 4; i++)
		if ((mask >> (8 * i)) & 0xff)
			p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t id_reg(const uint8_t *ids, uint64_t off)
{
	return ids[(off - GIC_IDREGS) / 4];
}

/* ---- per-interrupt state ---- */

uint32_t *vgic_word(struct vgic *g, unsigned cpu, unsigned w, enum vgic_bits k)
{
	struct vgic_cpu *c = &g->cpu[cpu];
	switch (k) {
	case VGIC_PEND: return w ? &g->pend[w] : &c->pend;
	case VGIC_ACTIVE: return w ? &g->active[w] : &c->active;
	case VGIC_ENABLE: return w ? &g->enable[w] : &c->enable;
	default: return w ? &g->group[w] : &c->group;
	}
}

static uint32_t word_get(const struct vgic *g, unsigned cpu, unsigned w, enum vgic_bits k)
{
	return *vgic_word((struct vgic *)g, cpu, w, k);
}

bool vgic_test(const struct vgic *g, unsigned cpu, unsigned intid, enum vgic_bits k)
{
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus)
		return false;
	return (word_get(g, cpu, intid / 32, k) >> (intid % 32)) & 1;
}

void vgic_set(struct vgic *g, unsigned cpu, unsigned intid, enum vgic_bits k, bool on)
{
	uint32_t *p;
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus)
		return;
	p = vgic_word(g, cpu, intid / 32, k);
	if (on)
		*p |= 1u << (intid % 32);
	else
		*p &= ~(1u << (intid % 32));
}

/* Bit n set for each level-sensitive INTID of word w (two ICFGR words). */
static uint32_t level_mask(const struct vgic *g, unsigned cpu, unsigned w)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < 32; i++) {
		uint32_t cfg = w ? g->cfg[2 * w + i / 16] : i < 16 ? ICFGR_EDGE_BITS
								   : g->cpu[cpu].cfg_ppi;
		if (!((cfg >> (2 * (i % 16) + 1)) & 1))
			m |= 1u << i;
	}
	return m;
}

bool vgic_irq_is_level(const struct vgic *g, unsigned cpu, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus)
		return false;
	return (level_mask(g, cpu, intid / 32) >> (intid % 32)) & 1;
}

/* Pending as the guest reads it: latched, or a high level-sensitive line. */
static uint32_t pend_view(const struct vgic *g, unsigned cpu, unsigned w)
{
	uint32_t p = word_get(g, cpu, w, VGIC_PEND);
	return w ? p | (g->level[w] & level_mask(g, cpu, w)) : p;
}

unsigned vgic_spi_target(const struct vgic *g, unsigned intid)
{
	uint64_t r;
	if (intid < 32 || intid >= VGIC_NR_IRQS)
		return VGIC_NO_CPU;
	r = g->router[intid];
	if (r & IROUTER_IRM)
		return 0; /* "any one of them": vCPU 0, as KVM picks */
	if ((r & 0xff00ffff00ull) || (r & 0xff) >= g->ncpus)
		return VGIC_NO_CPU;
	return (unsigned)(r & 0xff);
}

bool vgic_irq_enabled(const struct vgic *g, unsigned cpu, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus || !(g->ctlr & CTLR_ENABLE_G1))
		return false;
	if (!vgic_test(g, cpu, intid, VGIC_ENABLE) || !vgic_test(g, cpu, intid, VGIC_GROUP))
		return false;
	return intid < 32 || vgic_spi_target(g, intid) == cpu;
}

uint32_t vgic_ready(const struct vgic *g, unsigned cpu, unsigned w)
{
	uint32_t ready, out = 0;
	if (cpu >= g->ncpus || w >= VGIC_WORDS || !(g->ctlr & CTLR_ENABLE_G1))
		return 0;
	/* cheap test first: this runs after every exit, and is mostly 0 */
	ready = (word_get(g, cpu, w, VGIC_PEND) | (w ? g->level[w] : 0)) &
		~word_get(g, cpu, w, VGIC_ACTIVE) & word_get(g, cpu, w, VGIC_ENABLE) &
		word_get(g, cpu, w, VGIC_GROUP);
	if (!ready)
		return 0;
	ready &= pend_view(g, cpu, w);
	if (w == 0)
		return ready & ~VTIMER_BIT;
	for (; ready; ready &= ready - 1) {
		unsigned i = (unsigned)__builtin_ctz(ready);
		if (vgic_spi_target(g, 32 * w + i) == cpu)
			out |= 1u << i;
	}
	return out;
}

unsigned vgic_irq_priority(const struct vgic *g, unsigned cpu, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus)
		return 0xff;
	return intid < 32 ? g->cpu[cpu].prio[intid] : g->prio[intid];
}

/* ---- SGIs (ICC_SGI1R_EL1 and friends, trapped by the kernel) ---- */

unsigned vgic_sgi_decode(const struct vgic *g, unsigned self, uint64_t v, unsigned *intid)
{
	unsigned all = (1u << g->ncpus) - 1;
	*intid = (unsigned)(v >> 24) & 0xf;
	if ((v >> 40) & 1) /* IRM: every PE but the sender */
		return all & ~(1u << self);
	if (v & 0x00fff0ff00ff0000ull) /* Aff3, RS, Aff2, Aff1: no vCPU there */
		return 0;
	return (unsigned)v & 0xffff & all;
}

unsigned vgic_sgi(struct vgic *g, unsigned self, uint64_t v, bool group1)
{
	unsigned intid, made = 0;
	unsigned targets = vgic_sgi_decode(g, self, v, &intid);
	for (unsigned c = 0; c < g->ncpus; c++) {
		if (!((targets >> c) & 1) || vgic_test(g, c, intid, VGIC_GROUP) != group1)
			continue;
		vgic_set(g, c, intid, VGIC_PEND, true);
		made |= 1u << c;
	}
	return made;
}

/* ---- the set/clear register pairs: IGROUPR (one register), ISENABLER /
 * ICENABLER, ISPENDR / ICPENDR, ISACTIVER / ICACTIVER. off is from the
 * start of the block (GICD, or a redistributor's SGI frame), n the word;
 * false if off is not one of them. ---- */

static bool bits_read(const struct vgic *g, unsigned cpu, uint64_t off, unsigned n,
		      uint32_t *v)
{
	switch (off & ~0x7full) {
	case GICD_IGROUPR: *v = word_get(g, cpu, n, VGIC_GROUP); return true;
	case GICD_ISENABLER: case GICD_ICENABLER: *v = word_get(g, cpu, n, VGIC_ENABLE); return true;
	case GICD_ISPENDR: case GICD_ICPENDR: *v = pend_view(g, cpu, n); return true;
	case GICD_ISACTIVER: case GICD_ICACTIVER: *v = word_get(g, cpu, n, VGIC_ACTIVE); return true;
	default: return false;
	}
}

static bool bits_write(struct vgic *g, unsigned cpu, uint64_t off, unsigned n, uint32_t v)
{
	switch (off & ~0x7full) {
	case GICD_IGROUPR: *vgic_word(g, cpu, n, VGIC_GROUP) = v; return true;
	case GICD_ISENABLER: *vgic_word(g, cpu, n, VGIC_ENABLE) |= v; return true;
	case GICD_ICENABLER: *vgic_word(g, cpu, n, VGIC_ENABLE) &= ~v; return true;
	case GICD_ISPENDR: *vgic_word(g, cpu, n, VGIC_PEND) |= v & (n ? ~0u : ~VTIMER_BIT); return true;
	case GICD_ICPENDR: *vgic_word(g, cpu, n, VGIC_PEND) &= ~v; return true;
	case GICD_ISACTIVER: return true; /* see the top of the file */
	case GICD_ICACTIVER: *vgic_word(g, cpu, n, VGIC_ACTIVE) &= ~v; return true;
	default: return false;
	}
}

/* ---- distributor: SGIs and PPIs (word 0 of each array) belong to the
 * redistributors, so the distributor's view of them is RAZ/WI. ---- */

static uint32_t dist_typer(const struct vgic *g)
{
	return 9u << 19 | (g->ncpus - 1) << 5 | (VGIC_WORDS - 1); /* 10 ID bits */
}

static uint32_t dist_router_read(const struct vgic *g, uint64_t off)
{
	unsigned intid = (unsigned)((off - GICD_IROUTER) / 8);
	uint64_t r = intid >= 32 ? g->router[intid] : 0;
	return (uint32_t)(off & 4 ? r >> 32 : r);
}

static void dist_router_write(struct vgic *g, uint64_t off, uint32_t v, uint32_t mask)
{
	unsigned intid = (unsigned)((off - GICD_IROUTER) / 8);
	uint32_t half[2];
	if (intid < 32)
		return;
	half[0] = (uint32_t)g->router[intid];
	half[1] = (uint32_t)(g->router[intid] >> 32);
	rmw32(&half[off & 4 ? 1 : 0], v, mask);
	g->router[intid] = ((uint64_t)half[1] << 32 | half[0]) & IROUTER_MASK;
}

static uint32_t dist_read32(const struct vgic *g, uint64_t off)
{
	unsigned n;
	uint32_t v;
	if (off == GICD_CTLR) return g->ctlr | CTLR_ARE | CTLR_DS;
	if (off == GICD_TYPER) return dist_typer(g);
	if (off == GICD_IIDR) return IIDR_ARM;
	if (reg_array(off, GICD_IGROUPR, 7 * 32, &n) && n % 32 < VGIC_WORDS) {
		if (n % 32 == 0 || !bits_read(g, 0, off, n % 32, &v))
			return 0;
		return v;
	}
	if (reg_array(off, GICD_IPRIORITYR, VGIC_NR_IRQS / 4, &n))
		return n >= 8 ? bytes_get(&g->prio[4 * n]) : 0;
	if (reg_array(off, GICD_ICFGR, VGIC_NR_IRQS / 16, &n)) return n >= 2 ? g->cfg[n] : 0;
	if (reg_array(off, GICD_IROUTER, VGIC_NR_IRQS * 2, &n)) return dist_router_read(g, off);
	if (off >= GIC_IDREGS && off < VGIC_GICD_SIZE) return id_reg(gicd_ids, off);
	return 0;
}

/* mask: the bytes written (a narrower write changes only its bytes). */
static void dist_write32(struct vgic *g, uint64_t off, uint32_t v, uint32_t mask)
{
	unsigned n;
	if (off == GICD_CTLR) {
		rmw32(&g->ctlr, v, mask & (CTLR_ENABLE_G0 | CTLR_ENABLE_G1));
	} else if (reg_array(off, GICD_IGROUPR, 7 * 32, &n) && n % 32 && n % 32 < VGIC_WORDS) {
		uint32_t old = 0;
		bits_read(g, 0, off, n % 32, &old);
		/* IGROUPR takes the bytes written; set/clear registers the ones */
		bits_write(g, 0, off, n % 32, off < GICD_ISENABLER ? (old & ~mask) | (v & mask)
								     : v & mask);
	} else if (reg_array(off, GICD_IPRIORITYR, VGIC_NR_IRQS / 4, &n) && n >= 8) {
		bytes_set(&g->prio[4 * n], v, mask);
	} else if (reg_array(off, GICD_ICFGR, VGIC_NR_IRQS / 16, &n) && n >= 2) {
		rmw32(&g->cfg[n], v, mask & ICFGR_EDGE_BITS);
	} else if (reg_array(off, GICD_IROUTER, VGIC_NR_IRQS * 2, &n)) {
		dist_router_write(g, off, v, mask);
	}
	/* everything else: read-only, or RAZ/WI in this model */
}

/* ---- redistributors ---- */

static uint32_t rd_read32(const struct vgic *g, unsigned cpu, uint64_t off)
{
	const struct vgic_cpu *c = &g->cpu[cpu];
	unsigned last = cpu + 1 == g->ncpus;
	switch (off) {
	case GICR_IIDR: return IIDR_ARM;
	case GICR_TYPER: return cpu << 8 | last << 4;   /* processor number, Last */
	case GICR_TYPER + 4: return cpu;                /* affinity: Aff0 = cpu */
	case GICR_WAKER: return c->sleep ? 3u << 1 : 0; /* ChildrenAsleep follows */
	default: break;
	}
	if (off >= GIC_IDREGS && off < GICR_SGI) return id_reg(gicr_ids, off);
	return 0;
}

static uint32_t sgi_read32(const struct vgic *g, unsigned cpu, uint64_t off)
{
	const struct vgic_cpu *c = &g->cpu[cpu];
	unsigned n;
	uint32_t v;
	if (off >= GICR_IGROUPR0 && off < GICD_IPRIORITYR && off % 0x80 == 0 &&
	    bits_read(g, cpu, off, 0, &v))
		return v;
	if (reg_array(off, GICR_IPRIORITYR, 8, &n)) return bytes_get(&c->prio[4 * n]);
	if (off == GICR_ICFGR0) return ICFGR_EDGE_BITS; /* SGIs are edge-triggered */
	if (off == GICR_ICFGR1) return c->cfg_ppi;
	return 0;
}

static void sgi_write32(struct vgic *g, unsigned cpu, uint64_t off, uint32_t v, uint32_t mask)
{
	struct vgic_cpu *c = &g->cpu[cpu];
	unsigned n;
	if (off >= GICR_IGROUPR0 && off < GICD_IPRIORITYR && off % 0x80 == 0) {
		uint32_t old = 0;
		bits_read(g, cpu, off, 0, &old);
		bits_write(g, cpu, off, 0, off == GICR_IGROUPR0 ? (old & ~mask) | (v & mask)
							       : v & mask);
	} else if (reg_array(off, GICR_IPRIORITYR, 8, &n)) {
		bytes_set(&c->prio[4 * n], v, mask);
	} else if (off == GICR_ICFGR1) {
		rmw32(&c->cfg_ppi, v, mask & ICFGR_EDGE_BITS);
	}
}

static void redist_write32(struct vgic *g, unsigned cpu, uint64_t off, uint32_t v,
			   uint32_t mask)
{
	struct vgic_cpu *c = &g->cpu[cpu];
	if (off == GICR_WAKER)
		c->sleep = (((c->sleep ? 2u : 0u) & ~mask) | (v & mask)) & 2u;
	else if (off >= GICR_SGI)
		sgi_write32(g, cpu, off - GICR_SGI, v, mask);
}

/* ---- accesses: 8 bytes as two words, narrower ones as part of a word ---- */

typedef uint32_t rd32_fn(const struct vgic *g, unsigned cpu, uint64_t off);
typedef void wr32_fn(struct vgic *g, unsigned cpu, uint64_t off, uint32_t v, uint32_t mask);

static bool vgic_access(struct vgic *g, unsigned cpu, uint64_t off, unsigned width,
			bool write, uint64_t *val, rd32_fn *rd, wr32_fn *wr)
{
	unsigned shift = (unsigned)(off & 3) * 8;
	uint32_t mask = width >= 4 ? ~0u : ((1u << (8 * width)) - 1) << shift;
	if ((width != 1 && width != 2 && width != 4 && width != 8) || (off & (width - 1)))
		return false;
	if (width == 8 && write) {
		wr(g, cpu, off, (uint32_t)*val, ~0u);
		wr(g, cpu, off + 4, (uint32_t)(*val >> 32), ~0u);
	} else if (width == 8) {
		*val = rd(g, cpu, off) | (uint64_t)rd(g, cpu, off + 4) << 32;
	} else if (write) {
		wr(g, cpu, off & ~3ull, (uint32_t)*val << shift, mask);
	} else {
		*val = (rd(g, cpu, off & ~3ull) & mask) >> shift;
	}
	return true;
}

static uint32_t dist_rd(const struct vgic *g, unsigned cpu, uint64_t off)
{
	(void)cpu;
	return dist_read32(g, off);
}

static void dist_wr(struct vgic *g, unsigned cpu, uint64_t off, uint32_t v, uint32_t mask)
{
	(void)cpu;
	dist_write32(g, off, v, mask);
}

static uint32_t redist_rd(const struct vgic *g, unsigned cpu, uint64_t off)
{
	return off >= GICR_SGI ? sgi_read32(g, cpu, off - GICR_SGI) : rd_read32(g, cpu, off);
}

bool vgic_dist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
		      uint64_t *val)
{
	if (off >= VGIC_GICD_SIZE)
		return false;
	return vgic_access(g, 0, off, width, write, val, dist_rd, dist_wr);
}

bool vgic_redist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
			uint64_t *val)
{
	unsigned cpu = (unsigned)(off / VGIC_GICR_STRIDE);
	if (cpu >= g->ncpus)
		return false;
	return vgic_access(g, cpu, off % VGIC_GICR_STRIDE, width, write, val, redist_rd,
			   redist_write32);
}
