/*
 * Interrupt lines into the vGIC. Device servers report their output lines'
 * levels with every reply; the VMM keeps them here and puts an interrupt
 * into a vCPU (vm->inject: KEEL_VCPU_INJECT_IRQ on the target) whenever
 * its line is high and the guest has it enabled: when the level comes,
 * and when the guest enables it later.
 *
 * Without maintenance interrupts the VMM does not see the guest's EOI, so
 * a line that stays high is put in again at the device's next reply; the
 * kernel ignores a second injection while one is pending or active.
 */
#include "vmm.h"

static bool line_high(const struct vmm *vm, unsigned intid)
{
	return (vm->line[intid / 32] >> (intid % 32)) & 1;
}

/* SPIs go to the vCPU their IROUTER names, vCPU 0 if none such. */
static unsigned irq_target(const struct vmm *vm, unsigned intid)
{
	uint64_t aff0 = vm->gic.router[intid] & 0xff;
	return aff0 < vm->ncpus ? (unsigned)aff0 : 0;
}

static void irq_deliver(struct vmm *vm, unsigned intid)
{
	unsigned cpu = irq_target(vm, intid);
	if (line_high(vm, intid) && vgic_irq_enabled(&vm->gic, cpu, intid))
		vm->inject(vm, cpu, intid, vgic_irq_priority(&vm->gic, cpu, intid));
}

void vmm_irq_line(struct vmm *vm, unsigned intid, bool level)
{
	uint32_t bit = 1u << (intid % 32);
	if (intid < 32 || intid >= VGIC_NR_IRQS)
		return; /* device lines are SPIs */
	if (level)
		vm->line[intid / 32] |= bit;
	else
		vm->line[intid / 32] &= ~bit;
	irq_deliver(vm, intid);
}

/* After the guest wrote the distributor: enables may have changed. */
static void irq_refresh(struct vmm *vm)
{
	for (unsigned w = 1; w < VGIC_NR_IRQS / 32; w++)
		for (uint32_t bits = vm->line[w]; bits; bits &= bits - 1)
			irq_deliver(vm, w * 32 + (unsigned)__builtin_ctz(bits));
}

static bool gicd_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm *vm = ctx;
	if (!vgic_dist_access(&vm->gic, off, width, write, val))
		return false;
	if (write)
		irq_refresh(vm);
	return true;
}

static bool gicr_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm *vm = ctx;
	return vgic_redist_access(&vm->gic, off, width, write, val);
}

bool vmm_add_vgic(struct vmm *vm)
{
	vgic_init(&vm->gic, vm->ncpus);
	return mmio_map_add(&vm->map, VGIC_GICD_BASE, VGIC_GICD_SIZE, gicd_mmio, vm) &&
	       mmio_map_add(&vm->map, VGIC_GICR_BASE, VGIC_GICR_STRIDE * vm->ncpus,
			    gicr_mmio, vm);
}
