/*
 * GICv3 driver for the kernel's own use: all interrupts in group 1,
 * EOImode 1 (priority drop at EOIR, deactivation separately at DIR), so an
 * interrupt routed to user level stays active, and cannot fire again,
 * until its driver acknowledges it. SPIs are routed to CPU 0.
 */
#include "aarch64.h"

#define GICD_CTLR 0x0
#define GICD_TYPER 0x4
#define GICD_IGROUPR 0x80
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_IROUTER 0x6000
/* GICD_CTLR (with ARE set):  [31] RWP  register write pending
 *                            [4]  ARE  affinity routing enabled
 *                            [1]  EnableGrp1 (non-secure group 1) */
#define GICD_CTLR_RWP (1u << 31)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_GRP1 (1u << 1)
/* GICR_WAKER:  [2] ChildrenAsleep  [1] ProcessorSleep */
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER 0x14
#define GICR_TYPER 0x8
#define GICR_STRIDE 0x20000
#define GICR_SGI 0x10000
#define IRQ_PRIO 0xa0

static volatile uint32_t *reg32(uint64_t base, uint64_t off)
{
	return (volatile uint32_t *)(base + off);
}

static uint64_t gicr_of_cpu(unsigned cpu)
{
	uint64_t aff = aarch64_board.cpu_mpidr[cpu] & MPIDR_AFF0_2_MASK;
	for (uint64_t r = aarch64_board.gicr_base; r < aarch64_board.gicr_base + aarch64_board.gicr_size; r += GICR_STRIDE) {
		uint64_t typer = *(volatile uint64_t *)(r + GICR_TYPER);
		if ((typer >> 32) == aff)
			return r;
	}
	kpanic("gic: no redistributor for this CPU");
}

unsigned arch_irq_count(void)
{
	unsigned n = 32 * ((*reg32(aarch64_board.gicd_base, GICD_TYPER) & 0x1f) + 1);
	return n > 1020 ? 1020 : n;
}

bool arch_irq_is_reserved(unsigned irq) { return irq < 32; }

void gic_init(void)
{
	uint64_t d = aarch64_board.gicd_base;
	unsigned n = arch_irq_count();
	*reg32(d, GICD_CTLR) = 0;
	while (*reg32(d, GICD_CTLR) & GICD_CTLR_RWP)
		;
	for (unsigned i = 32; i < n; i += 32) {
		*reg32(d, GICD_IGROUPR + i / 8) = ~0u;
		*reg32(d, GICD_ICENABLER + i / 8) = ~0u;
	}
	for (unsigned i = 32; i < n; i++) {
		*(volatile uint8_t *)(d + GICD_IPRIORITYR + i) = IRQ_PRIO;
		*(volatile uint64_t *)(d + GICD_IROUTER + 8 * i) = aarch64_board.cpu_mpidr[0] & MPIDR_AFF_MASK;
	}
	*reg32(d, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_GRP1;
	while (*reg32(d, GICD_CTLR) & GICD_CTLR_RWP)
		;
}

void gic_cpu_init(unsigned cpu)
{
	uint64_t r = gicr_of_cpu(cpu), sgi = r + GICR_SGI;
	*reg32(r, GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
	while (*reg32(r, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	*reg32(sgi, GICD_IGROUPR) = ~0u;
	for (unsigned i = 0; i < 32; i++)
		*(volatile uint8_t *)(sgi + GICD_IPRIORITYR + i) = IRQ_PRIO;
	*reg32(sgi, GICD_ISENABLER) = (1u << TIMER_HYP_PPI) | (1u << IPI_RESCHED) |
				      (1u << VTIMER_PPI_ID) | (1u << MAINT_PPI_ID);
	sysreg_write(ICC_SRE_EL2, ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE);
	isb();
	sysreg_write(ICC_PMR_EL1, ICC_PMR_ALL);
	sysreg_write(ICC_BPR1_EL1, 0);
	sysreg_write(ICC_CTLR_EL1, ICC_CTLR_EOIMODE);
	sysreg_write(ICC_IGRPEN1_EL1, ICC_IGRPEN_ENABLE);
	isb();
	aarch64_vcpu_cpu_init();
}

unsigned gic_ack(void)
{
	unsigned intid = (unsigned)sysreg_read(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
	dsb(sy);
	return intid;
}

void gic_eoi(unsigned intid) { sysreg_write(ICC_EOIR1_EL1, intid); }
void arch_irq_deactivate(unsigned irq) { sysreg_write(ICC_DIR_EL1, irq); }

void arch_irq_enable(unsigned irq)
{
	if (irq >= 32 && irq < arch_irq_count())
		*reg32(aarch64_board.gicd_base, GICD_ISENABLER + (irq / 32) * 4) = 1u << (irq % 32);
}

void arch_send_resched_ipi(unsigned cpu)
{
	uint64_t m = aarch64_board.cpu_mpidr[cpu];
	uint64_t v = ((m >> MPIDR_AFF3_SHIFT) & 0xff) << SGI1R_AFF3_SHIFT |
		     ((m >> MPIDR_AFF2_SHIFT) & 0xff) << SGI1R_AFF2_SHIFT |
		     ((m >> MPIDR_AFF1_SHIFT) & 0xff) << SGI1R_AFF1_SHIFT | (uint64_t)IPI_RESCHED << SGI1R_INTID_SHIFT |
		     BIT64(m & SGI1R_TARGET_MASK);
	sysreg_write(ICC_SGI1R_EL1, v);
	isb();
}
