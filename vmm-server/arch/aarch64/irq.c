/*
 * Interrupts into the guest: the vGIC's state (vgic.c) turned into list
 * register injections (vm->ops->inject: KEEL_VCPU_INJECT_IRQ).
 *
 * An interrupt is given to a vCPU only when it is deliverable there
 * (enabled, group 1 with the group on, routed to it); until then, and
 * while the vCPU's list registers are all in use (KEEL_E_BUSY), it stays
 * pending in the vGIC and is tried again at every later chance: a write
 * to the distributor or that vCPU's redistributor, a maintenance exit,
 * a rising line, CPU_ON, and, after a KEEL_E_BUSY, any other exit of that
 * vCPU (exit.c). Since every event that can make an interrupt ready tries
 * at once, the exits in between need not look (a look at all 256 INTIDs
 * costs about 200 instructions, an eighth of a hypercall round trip).
 *
 * Every injection of a PPI or SPI asks for EOI notification
 * (KEEL_INJECT_NOTIFY_EOI) and marks the interrupt active here until the
 * kernel's MAINT exit says the guest finished it: level-sensitive lines
 * are pending while high and are injected again after the EOI if they
 * still are, and an edge that comes meanwhile waits here. SGIs (edges
 * only, most of a Linux guest's interrupts) are handed over without
 * either: the kernel makes an SGI injected again while its list register
 * holds it active pending-and-active, as a GIC does, so the guest takes
 * it again after its EOI, and one still pending absorbs the new one
 * (SGIs sent twice before they are taken are one, as on a GIC). That
 * saves a MAINT exit per IPI; the vGIC's active state for SGIs stays
 * clear (GICR_ISACTIVER0 reads them as inactive). A virtio device's SPI
 * is handled the same way (vmm_arch_irq_edge): its line is a
 * notification, each one an edge, so it too is injected without an EOI
 * request and never marked active (GICD_ISACTIVER reads it inactive while
 * the guest handles it; ISPENDR shows it pending until injected; its
 * level bit stays clear, so a level-sensitive ICFGR changes nothing).
 * Other device servers report their lines' levels
 * with every reply (device.c), so the guest's own clear of the device's
 * interrupt (an MMIO write) has lowered the level before its EOI.
 */
#include "aarch64_vmm.h"

/* Inject what cpu can take now; false if its list registers filled up. */
static bool irq_kick_word(struct vmm *vm, unsigned cpu, unsigned w)
{
	struct vgic *g = &vm->arch.gic;
	for (uint32_t ready = vgic_ready(g, cpu, w); ready; ready &= ready - 1) {
		unsigned intid = 32 * w + (unsigned)__builtin_ctz(ready);
		bool edge = intid < VGIC_SGIS || (vm->arch.edge[w] >> (intid % 32)) & 1;
		if (!vm->ops->inject(vm, cpu, intid, vgic_irq_priority(g, cpu, intid), !edge)) {
			vm->irq_retry |= 1u << cpu; /* at its next exit (exit.c) */
			return false;
		}
		vgic_set(g, cpu, intid, VGIC_PEND, false);
		if (edge)
			continue; /* the list register keeps it: no EOI to wait for */
		vgic_set(g, cpu, intid, VGIC_ACTIVE, true);
		g->flight_cpu[intid] = (uint8_t)cpu;
	}
	return true;
}

void vmm_arch_irq_kick(struct vmm *vm, unsigned cpu)
{
	if (cpu >= vm->ncpus || vm->power[cpu] != VMM_CPU_ON)
		return;
	vm->irq_retry &= ~(1u << cpu);
	for (unsigned w = 0; w < VGIC_WORDS; w++)
		if (!irq_kick_word(vm, cpu, w))
			return;
}

void vmm_irq_kick_all(struct vmm *vm)
{
	for (unsigned c = 0; c < vm->ncpus; c++)
		vmm_arch_irq_kick(vm, c);
}

/* A level-sensitive line's pending state is its level; an edge-configured
 * one latches pending on the rising edge. */
void vmm_arch_irq_line(struct vmm *vm, unsigned intid, bool level)
{
	struct vgic *g = &vm->arch.gic;
	uint32_t bit = 1u << (intid % 32);
	unsigned cpu;
	bool was;
	if (intid < 32 || intid >= VGIC_NR_IRQS)
		return; /* device lines are SPIs */
	was = g->level[intid / 32] & bit;
	if (level)
		g->level[intid / 32] |= bit;
	else
		g->level[intid / 32] &= ~bit;
	if (!level || was)
		return; /* a line that stays high goes in again at its EOI */
	cpu = vgic_spi_target(g, intid);
	if (cpu == VGIC_NO_CPU)
		return;
	if (!was && !vgic_irq_is_level(g, cpu, intid))
		vgic_set(g, cpu, intid, VGIC_PEND, true);
	vmm_arch_irq_kick(vm, cpu);
}

/* A notification (a virtio device's used buffer or config change): an
 * edge, latched pending and injected without an EOI request. One that
 * comes while the guest still handles the last is made pending-and-active
 * in its list register by the kernel, or waits here pending: never lost,
 * and two before the guest takes them are one, as on a GIC. */
void vmm_arch_irq_edge(struct vmm *vm, unsigned intid)
{
	unsigned cpu;
	if (intid < 32 || intid >= VGIC_NR_IRQS)
		return;
	vm->arch.edge[intid / 32] |= 1u << (intid % 32);
	cpu = vgic_spi_target(&vm->arch.gic, intid);
	if (cpu == VGIC_NO_CPU)
		return;
	vgic_set(&vm->arch.gic, cpu, intid, VGIC_PEND, true);
	vmm_arch_irq_kick(vm, cpu);
}

void vmm_arch_irq_eoi(struct vmm *vm, unsigned cpu, unsigned intid)
{
	vgic_set(&vm->arch.gic, cpu, intid, VGIC_ACTIVE, false);
}

/* Device lines are SPIs. */
bool vmm_arch_irq_valid(unsigned intid)
{
	return intid >= 32 && intid < VGIC_NR_IRQS;
}

/* Its list registers are gone with the reset: what was active there is
 * forgotten, its SGIs and PPIs and the SPIs that went to it (their EOI
 * will never come; kept active, an SPI would never be injected again). */
void vmm_arch_cpu_reset(struct vmm *vm, unsigned cpu)
{
	struct vgic *g = &vm->arch.gic;
	*vgic_word(g, cpu, 0, VGIC_ACTIVE) = 0;
	for (unsigned intid = 32; intid < VGIC_NR_IRQS; intid++)
		if (g->flight_cpu[intid] == cpu)
			vgic_set(g, cpu, intid, VGIC_ACTIVE, false);
}

static bool gicd_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm *vm = ctx;
	if (!vgic_dist_access(&vm->arch.gic, off, width, write, val))
		return false;
	if (write)
		vmm_irq_kick_all(vm); /* enables, groups or routes may have changed */
	return true;
}

static bool gicr_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm *vm = ctx;
	if (!vgic_redist_access(&vm->arch.gic, off, width, write, val))
		return false;
	if (write)
		vmm_arch_irq_kick(vm, (unsigned)(off / VGIC_GICR_STRIDE));
	return true;
}

/* The distributor and the redistributors' regions. */
bool vmm_arch_init(struct vmm *vm)
{
	vgic_init(&vm->arch.gic, vm->ncpus);
	return mmio_map_add(&vm->map, VGIC_GICD_BASE, VGIC_GICD_SIZE, gicd_mmio, vm) &&
	       mmio_map_add(&vm->map, VGIC_GICR_BASE, VGIC_GICR_STRIDE * vm->ncpus,
			    gicr_mmio, vm);
}
