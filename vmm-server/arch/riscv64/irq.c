/*
 * Guest interrupts on riscv64. The guest's timer is its own (Sstc's
 * vstimecmp, set through SBI TIME: sbi.c) and IPIs are supervisor
 * software interrupts (SBI IPI); a device line needs a PLIC model, which
 * does not exist yet, so no device may have one (vmm_arch_irq_valid) and
 * the VM's devices are polled by the guest. No region is emulated here.
 */
#include "riscv64_vmm.h"

bool vmm_arch_init(struct vmm *vm)
{
	(void)vm;
	return true;
}

bool vmm_arch_irq_valid(unsigned intid)
{
	(void)intid;
	return false;
}

void vmm_arch_irq_line(struct vmm *vm, unsigned intid, bool level)
{
	(void)vm, (void)intid, (void)level;
}

void vmm_arch_irq_kick(struct vmm *vm, unsigned cpu)
{
	(void)vm, (void)cpu;
}

void vmm_arch_irq_eoi(struct vmm *vm, unsigned cpu, unsigned intid)
{
	(void)vm, (void)cpu, (void)intid;
}

void vmm_arch_cpu_reset(struct vmm *vm, unsigned cpu)
{
	(void)vm, (void)cpu;
}

/* riscv64 has no SYSREG exits (the kernel sends a trapped CSR access as
 * UNKNOWN, answered with an illegal instruction): reads as zero. */
void vmm_arch_sysreg(struct vmm *vm, unsigned cpu, uint64_t id, bool read, uint64_t *val)
{
	(void)vm, (void)cpu, (void)id;
	if (read)
		*val = 0;
}
