/*
 * Guest interrupts on riscv64. The guest's timer is its own (Sstc's
 * vstimecmp, set through SBI TIME: sbi.c) and IPIs are supervisor
 * software interrupts (SBI IPI). Device lines go to the PLIC model
 * (plic.c), whose state decides each vCPU's external interrupt line:
 * raised (KEEL_VCPU_INJECT_IRQ of 9, which also wakes a vCPU parked in
 * WFI) while its context has a source to claim, lowered
 * (KEEL_VREG_EXT_IRQ = 0) when it has none. The line is a level in the
 * kernel, so nothing is ever lost or needs a retry: every event that can
 * change a context's answer (a device line, a PLIC write, a claim or a
 * completion, a vCPU reset) compares the answers with the lines as they
 * were set (vm->arch.eip) and changes only those that differ.
 */
#include "riscv64_vmm.h"

/* Raise or lower vCPU c's line; a call that failed is tried again at the
 * next event. */
static void irq_set(struct vmm *vm, unsigned c, bool up)
{
	bool ok = up ? vm->ops->inject(vm, c, RV_IRQ_EXT, 0, false)
		     : vm->ops->reg_write(vm, c, KEEL_VREG_EXT_IRQ, 0);
	if (ok && up)
		vm->arch.eip |= 1u << c;
	else if (ok)
		vm->arch.eip &= ~(1u << c);
}

static void irq_update(struct vmm *vm)
{
	for (unsigned c = 0; c < vm->ncpus && c < KEEL_VMM_MAX_VCPUS; c++) {
		bool up = plic_best(&vm->arch.plic, c) != 0;
		if (up != ((vm->arch.eip >> c) & 1))
			irq_set(vm, c, up);
	}
}

static bool plic_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm *vm = ctx;
	if (!plic_access(&vm->arch.plic, off, width, write, val))
		return false;
	irq_update(vm); /* a claim, completion, enable, priority or threshold */
	return true;
}

/* The PLIC's window, sized for one context per vCPU. */
bool vmm_arch_init(struct vmm *vm)
{
	plic_init(&vm->arch.plic, vm->ncpus);
	vm->arch.eip = 0;
	return mmio_map_add(&vm->map, PLIC_BASE, PLIC_SIZE(vm->ncpus), plic_mmio, vm);
}

/* Device lines are PLIC sources. */
bool vmm_arch_irq_valid(unsigned intid)
{
	return intid != 0 && intid < PLIC_SOURCES;
}

void vmm_arch_irq_line(struct vmm *vm, unsigned intid, bool level)
{
	if (!vmm_arch_irq_valid(intid))
		return;
	plic_line(&vm->arch.plic, intid, level);
	irq_update(vm);
}

void vmm_arch_irq_edge(struct vmm *vm, unsigned intid)
{
	if (!vmm_arch_irq_valid(intid))
		return;
	plic_edge(&vm->arch.plic, intid);
	irq_update(vm);
}

void vmm_arch_irq_kick(struct vmm *vm, unsigned cpu)
{
	(void)cpu;
	irq_update(vm);
}

/* No MAINT exits on riscv64: the guest's completion is a PLIC write. */
void vmm_arch_irq_eoi(struct vmm *vm, unsigned cpu, unsigned intid)
{
	(void)vm, (void)cpu, (void)intid;
}

/* The kernel's reset of the vCPU lowered its line; its PLIC context is
 * the PLIC's and stays, so the line goes up again if it has a source. */
void vmm_arch_cpu_reset(struct vmm *vm, unsigned cpu)
{
	if (cpu < KEEL_VMM_MAX_VCPUS)
		vm->arch.eip &= ~(1u << cpu);
	irq_update(vm);
}

/* riscv64 has no SYSREG exits (the kernel sends a trapped CSR access as
 * UNKNOWN, answered with an illegal instruction): reads as zero. */
void vmm_arch_sysreg(struct vmm *vm, unsigned cpu, uint64_t id, bool read, uint64_t *val)
{
	(void)vm, (void)cpu, (void)id;
	if (read)
		*val = 0;
}
