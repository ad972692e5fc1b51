/*
 * GICv3 distributor and redistributors, as a guest sees them (IHI 0069).
 * The guest's CPU interface is the hardware's virtual one (ICC_* system
 * registers, list registers loaded by the kernel); this file only keeps
 * the configuration the guest writes through MMIO and answers reads.
 *
 * What is modelled: one security state (GICD_CTLR.DS and .ARE read as
 * one, as KVM does), group, enable, priority, trigger and routing of
 * VGIC_NR_IRQS interrupts, and a redistributor per vCPU that wakes when
 * asked. Pending and active state live in the list registers, so the
 * ISPENDR/ICPENDR/ISACTIVER/ICACTIVER views read as zero and ignore
 * writes; there are no LPIs.
 *
 *   GICD (64 KiB)                        GICR, 128 KiB per vCPU
 *   0x0000 CTLR    0x0080 IGROUPR        RD  0x0000 CTLR   0x0008 TYPER (64)
 *   0x0004 TYPER   0x0100 ISENABLER          0x0014 WAKER
 *   0x0008 IIDR    0x0180 ICENABLER      SGI 0x0080 IGROUPR0
 *   0x0400 IPRIORITYR (byte/INTID)           0x0100 ISENABLER0 / 0x0180 IC..
 *   0x0c00 ICFGR   0x6000 IROUTER (64)       0x0400 IPRIORITYR  0x0c00 ICFGR
 *   0xffd0 ID registers (PIDR2 = 0x3b: GICv3)
 */
#include <string.h>

#include "vmm.h"

enum {
	GICD_CTLR = 0x0, GICD_TYPER = 0x4, GICD_IIDR = 0x8, GICD_IGROUPR = 0x80,
	GICD_ISENABLER = 0x100, GICD_ICENABLER = 0x180, GICD_IPRIORITYR = 0x400,
	GICD_ICFGR = 0xc00, GICD_IROUTER = 0x6000, GIC_IDREGS = 0xffd0,
	GICR_IIDR = 0x4, GICR_TYPER = 0x8, GICR_WAKER = 0x14, GICR_SGI = 0x10000,
	GICR_IGROUPR0 = 0x80, GICR_ISENABLER0 = 0x100, GICR_ICENABLER0 = 0x180,
	GICR_IPRIORITYR = 0x400, GICR_ICFGR0 = 0xc00, GICR_ICFGR1 = 0xc04,
};
#define CTLR_ENABLE_G0 (1u << 0)
#define CTLR_ENABLE_G1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define CTLR_DS (1u << 6)
#define IIDR_ARM 0x43bu
#define ICFGR_EDGE_BITS 0xaaaaaaaau /* Int_config[1] of each 2-bit field */
#define IROUTER_MASK 0xff80ffffffull /* Aff3, IRM, Aff2.Aff1.Aff0 */

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

/* ---- distributor: SGIs and PPIs (word 0 of each array) belong to the
 * redistributors, so the distributor's view of them is RAZ/WI. ---- */

static uint32_t dist_typer(const struct vgic *g)
{
	return 9u << 19 | (g->ncpus - 1) << 5 | (VGIC_NR_IRQS / 32 - 1); /* 10 ID bits */
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
	if (off == GICD_CTLR) return g->ctlr | CTLR_ARE | CTLR_DS;
	if (off == GICD_TYPER) return dist_typer(g);
	if (off == GICD_IIDR) return IIDR_ARM;
	if (reg_array(off, GICD_IGROUPR, VGIC_NR_IRQS / 32, &n)) return n ? g->group[n] : 0;
	if (reg_array(off, GICD_ISENABLER, VGIC_NR_IRQS / 32, &n) ||
	    reg_array(off, GICD_ICENABLER, VGIC_NR_IRQS / 32, &n))
		return n ? g->enable[n] : 0;
	if (reg_array(off, GICD_IPRIORITYR, VGIC_NR_IRQS / 4, &n))
		return n >= 8 ? bytes_get(&g->prio[4 * n]) : 0;
	if (reg_array(off, GICD_ICFGR, VGIC_NR_IRQS / 16, &n)) return n >= 2 ? g->cfg[n] : 0;
	if (reg_array(off, GICD_IROUTER, VGIC_NR_IRQS * 2, &n)) return dist_router_read(g, off);
	if (off >= GIC_IDREGS && off < VGIC_GICD_SIZE) return id_reg(gicd_ids, off);
	return 0;
}

static void dist_write32(struct vgic *g, uint64_t off, uint32_t v, uint32_t mask)
{
	unsigned n;
	if (off == GICD_CTLR)
		rmw32(&g->ctlr, v, mask & (CTLR_ENABLE_G0 | CTLR_ENABLE_G1));
	else if (reg_array(off, GICD_IGROUPR, VGIC_NR_IRQS / 32, &n) && n)
		rmw32(&g->group[n], v, mask);
	else if (reg_array(off, GICD_ISENABLER, VGIC_NR_IRQS / 32, &n) && n)
		g->enable[n] |= v & mask;
	else if (reg_array(off, GICD_ICENABLER, VGIC_NR_IRQS / 32, &n) && n)
		g->enable[n] &= ~(v & mask);
	else if (reg_array(off, GICD_IPRIORITYR, VGIC_NR_IRQS / 4, &n) && n >= 8)
		bytes_set(&g->prio[4 * n], v, mask);
	else if (reg_array(off, GICD_ICFGR, VGIC_NR_IRQS / 16, &n) && n >= 2)
		rmw32(&g->cfg[n], v, mask & ICFGR_EDGE_BITS);
	else if (reg_array(off, GICD_IROUTER, VGIC_NR_IRQS * 2, &n))
		dist_router_write(g, off, v, mask);
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
	if (off == GICR_IGROUPR0) return c->group;
	if (off == GICR_ISENABLER0 || off == GICR_ICENABLER0) return c->enable;
	if (reg_array(off, GICR_IPRIORITYR, 8, &n)) return bytes_get(&c->prio[4 * n]);
	if (off == GICR_ICFGR0) return ICFGR_EDGE_BITS; /* SGIs are edge-triggered */
	if (off == GICR_ICFGR1) return c->cfg_ppi;
	return 0;
}

static void redist_write32(struct vgic *g, unsigned cpu, uint64_t off, uint32_t v,
			   uint32_t mask)
{
	struct vgic_cpu *c = &g->cpu[cpu];
	unsigned n;
	if (off == GICR_WAKER)
		c->sleep = (((c->sleep ? 2u : 0u) & ~mask) | (v & mask)) & 2u;
	else if (off == GICR_SGI + GICR_IGROUPR0)
		rmw32(&c->group, v, mask);
	else if (off == GICR_SGI + GICR_ISENABLER0)
		c->enable |= v & mask;
	else if (off == GICR_SGI + GICR_ICENABLER0)
		c->enable &= ~(v & mask);
	else if (reg_array(off, GICR_SGI + GICR_IPRIORITYR, 8, &n))
		bytes_set(&c->prio[4 * n], v, mask);
	else if (off == GICR_SGI + GICR_ICFGR1)
		rmw32(&c->cfg_ppi, v, mask & ICFGR_EDGE_BITS);
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

bool vgic_irq_enabled(const struct vgic *g, unsigned cpu, unsigned intid)
{
	uint32_t bit = 1u << (intid % 32);
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus || !(g->ctlr & CTLR_ENABLE_G1))
		return false;
	if (intid < 32)
		return (g->cpu[cpu].enable & bit) && (g->cpu[cpu].group & bit);
	return (g->enable[intid / 32] & bit) && (g->group[intid / 32] & bit);
}

unsigned vgic_irq_priority(const struct vgic *g, unsigned cpu, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS || cpu >= g->ncpus)
		return 0xff;
	return intid < 32 ? g->cpu[cpu].prio[intid] : g->prio[intid];
}
