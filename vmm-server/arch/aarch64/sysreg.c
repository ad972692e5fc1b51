/*
 * Trapped system registers (SYSREG exits). The id is the ESR_EL2 ISS of
 * a trapped MSR/MRS (EC 0x18) without Rt and the direction, as the
 * kernel's exit decoder leaves it (arch/aarch64/exit.c):
 * Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], CRm [4:1].
 */
#include "aarch64_vmm.h"

#define SYSREG_ID(op0, op1, crn, crm, op2) \
	((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (crm) << 1)
#define SYSREG_MASK SYSREG_ID(3u, 7u, 15u, 15u, 7u)
#define ICC_SGI1R_EL1 SYSREG_ID(3u, 0u, 12u, 11u, 5u)
#define ICC_ASGI1R_EL1 SYSREG_ID(3u, 0u, 12u, 11u, 6u)
#define ICC_SGI0R_EL1 SYSREG_ID(3u, 0u, 12u, 11u, 7u)

/* The guest's SGI registers trap (HCR_EL2.IMO): the vGIC makes the SGI
 * pending on its targets and puts it into each one that can take it,
 * running on another CPU or parked in WFI (the injection wakes it).
 * SGI1R generates group-1 SGIs; SGI0R and ASGI1R (with one security
 * state, the alias of the other group) group-0 ones, which the vGIC
 * never delivers, as KVM does with its group-1-only list registers. */
static void sysreg_sgi(struct vmm *vm, unsigned cpu, uint32_t reg, uint64_t v)
{
	unsigned made = vgic_sgi(&vm->arch.gic, cpu, v, reg == ICC_SGI1R_EL1);
	vm->ipis++;
	for (unsigned c = 0; c < vm->ncpus; c++)
		if ((made >> c) & 1)
			vmm_arch_irq_kick(vm, c);
}

/* Writes of the SGI generation registers are SGIs; anything else
 * (implementation-defined ones, HCR_EL2.TIDCP) reads as zero and ignores
 * writes. */
void vmm_arch_sysreg(struct vmm *vm, unsigned cpu, uint64_t id, bool read, uint64_t *val)
{
	uint32_t reg = (uint32_t)id & SYSREG_MASK;
	if (read) {
		*val = 0;
		return;
	}
	if (reg == ICC_SGI1R_EL1 || reg == ICC_ASGI1R_EL1 || reg == ICC_SGI0R_EL1)
		sysreg_sgi(vm, cpu, reg, *val);
}
