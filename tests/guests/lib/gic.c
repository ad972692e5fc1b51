/*
 * GICv3 set-up for one PPI.
 *
 *   GICD  0x08000000   CTLR at 0x0: bit 0 EnableGrp0, bit 1 EnableGrp1,
 *                      bit 4 ARE, bit 31 RWP (write pending)
 *   GICR  0x080a0000 + n * 0x20000, one per CPU:
 *     RD frame  +0x00000  TYPER 0x08 (bit 4 Last, [63:32] affinity),
 *                         WAKER 0x14 (bit 1 ProcessorSleep,
 *                         bit 2 ChildrenAsleep)
 *     SGI frame +0x10000  IGROUPR0 0x080, ISENABLER0 0x100,
 *                         IPRIORITYR 0x400 (a byte per INTID)
 *
 * Written so it works on a single- and a two-security-state GIC: the
 * CTLR bits used mean "enable group 1 and affinity routing" in both.
 */
#include "gic.h"

#include <stdbool.h>
#include <stddef.h>

#include "guest.h"

#define GICD_CTLR 0x0000
#define GICD_CTLR_ENABLE (1u << 0 | 1u << 1 | 1u << 4)
#define GICD_CTLR_RWP (1u << 31)
#define GICR_STRIDE 0x20000UL
#define GICR_MAX 64
#define GICR_TYPER 0x0008
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)
#define GICR_SGI 0x10000UL
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

static uint64_t gicr_base; /* this CPU's RD frame, once found */

static volatile uint32_t *reg32(uint64_t addr)
{
	return (volatile uint32_t *)addr;
}

/* Waits up to 1 s of counter time for (*r & mask) == 0. */
static bool wait_clear(uint64_t addr, uint32_t mask)
{
	uint64_t until = cntvct() + cntfrq();

	while (*reg32(addr) & mask)
		if (cntvct() > until)
			return false;
	return true;
}

/* Aff3.Aff2.Aff1.Aff0 of this CPU, laid out as in GICR_TYPER[63:32]. */
static uint32_t my_affinity(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (uint32_t)(mpidr & 0xffffff) | (uint32_t)((mpidr >> 32) & 0xff) << 24;
}

static const char *find_redistributor(void)
{
	uint32_t aff = my_affinity();

	for (unsigned i = 0; i < GICR_MAX; i++) {
		uint64_t rd = GICR_BASE + i * GICR_STRIDE;
		uint32_t lo = *reg32(rd + GICR_TYPER);
		if (*reg32(rd + GICR_TYPER + 4) == aff) {
			gicr_base = rd;
			return NULL;
		}
		if (lo & GICR_TYPER_LAST)
			break;
	}
	return "no redistributor has this CPU's affinity (GICR_TYPER)";
}

static const char *wake_redistributor(void)
{
	uint64_t waker = gicr_base + GICR_WAKER;

	*reg32(waker) &= ~GICR_WAKER_SLEEP;
	if (!wait_clear(waker, GICR_WAKER_ASLEEP))
		return "GICR_WAKER.ChildrenAsleep stays set";
	return NULL;
}

static const char *enable_cpu_interface(void)
{
	uint64_t sre;

	__asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
	__asm__ volatile("msr icc_sre_el1, %0\n\tisb" : : "r"(sre | 1));
	__asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
	if (!(sre & 1))
		return "ICC_SRE_EL1.SRE stays 0 (no system-register interface)";
	__asm__ volatile("msr icc_pmr_el1, %0" : : "r"(0xffUL));
	__asm__ volatile("msr icc_bpr1_el1, %0" : : "r"(0UL));
	__asm__ volatile("msr icc_igrpen1_el1, %0\n\tisb" : : "r"(1UL));
	return NULL;
}

const char *gic_init(void)
{
	const char *err;

	*reg32(GICD_BASE + GICD_CTLR) |= GICD_CTLR_ENABLE;
	if (!wait_clear(GICD_BASE + GICD_CTLR, GICD_CTLR_RWP))
		return "GICD_CTLR.RWP stays set";
	err = find_redistributor();
	if (!err)
		err = wake_redistributor();
	if (!err)
		err = enable_cpu_interface();
	return err;
}

const char *gic_enable_ppi(unsigned intid, uint8_t prio)
{
	uint64_t sgi = gicr_base + GICR_SGI;
	uint64_t prio_reg = sgi + GICR_IPRIORITYR + (intid & ~3u);
	unsigned shift = (intid & 3) * 8;

	if (!gicr_base || intid < 16 || intid > 31)
		return "gic_enable_ppi before gic_init, or not a PPI";
	*reg32(prio_reg) = (*reg32(prio_reg) & ~(0xffu << shift)) |
			   (uint32_t)prio << shift;
	*reg32(sgi + GICR_IGROUPR0) |= 1u << intid;
	*reg32(sgi + GICR_ISENABLER0) = 1u << intid;
	return NULL;
}
