/*
 * The PLIC, for device interrupts only: every source at priority 1, enabled
 * for CPU 0's S-mode context only (sources are routed to CPU 0, as on
 * aarch64), threshold 0 everywhere. A claimed source stays masked until it
 * is completed, which arch_irq_deactivate does when its driver acknowledges
 * it, so it cannot fire again before. QEMU virt numbers hart h's S-mode
 * context 2h + 1.
 */
#include "riscv64.h"

#define PLIC_PRIORITY 0x0u
#define PLIC_ENABLE 0x2000u
#define PLIC_ENABLE_STRIDE 0x80u
#define PLIC_CONTEXT 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_THRESHOLD 0x0u
#define PLIC_CLAIM 0x4u

static volatile uint32_t *plic_reg(uint64_t off)
{
	return (volatile uint32_t *)(rv_board.plic_base + off);
}

static uint64_t plic_context(unsigned cpu) { return 2 * rv_board.hartid[cpu] + 1; }

unsigned arch_irq_count(void) { return rv_board.plic_ndev + 1; }
bool arch_irq_is_reserved(unsigned irq) { return irq == 0; }

void rv_plic_init(void)
{
	for (unsigned i = 1; i < arch_irq_count(); i++)
		*plic_reg(PLIC_PRIORITY + 4 * i) = 1;
}

void rv_plic_cpu_init(unsigned cpu)
{
	uint64_t ctx = plic_context(cpu);
	for (unsigned i = 0; i < arch_irq_count(); i += 32)
		*plic_reg(PLIC_ENABLE + PLIC_ENABLE_STRIDE * ctx + i / 8) = 0;
	*plic_reg(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * ctx + PLIC_THRESHOLD) = 0;
}

unsigned rv_plic_claim(void)
{
	return *plic_reg(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * plic_context(0) + PLIC_CLAIM);
}

void arch_irq_deactivate(unsigned irq)
{
	*plic_reg(PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * plic_context(0) + PLIC_CLAIM) = irq;
}

void arch_irq_enable(unsigned irq)
{
	if (irq == 0 || irq >= arch_irq_count())
		return;
	*plic_reg(PLIC_ENABLE + PLIC_ENABLE_STRIDE * plic_context(0) + (irq / 32) * 4) |=
		1u << (irq % 32);
}
