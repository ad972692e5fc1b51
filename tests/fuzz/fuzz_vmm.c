/* The fuzzers' VM (fuzz_vmm.h): the kernel's side of injection, modelled,
 * and the invariants of the VMM's interrupt state. */
#include <string.h>

#include "fuzz_vmm.h"

struct fz_vm fz;

bool fz_lr_has(unsigned cpu, unsigned intid)
{
	return (fz.lr[cpu][intid / 32] >> (intid % 32)) & 1;
}

static void fz_lr_set(unsigned cpu, unsigned intid, bool on)
{
	uint32_t bit = 1u << (intid % 32);
	if (on)
		fz.lr[cpu][intid / 32] |= bit;
	else
		fz.lr[cpu][intid / 32] &= ~bit;
}

/* What the VMM injects must be deliverable there, now: an INTID the vGIC
 * has, never the timer (the kernel's), on a vCPU that is on, enabled and
 * routed there, at the priority the guest gave it, asking for its EOI
 * unless it is an SGI (an SGI injected again while in a list register is
 * pending-and-active there, arch_vcpu_inject_irq). */
static bool fz_inject(struct vmm *vm, unsigned cpu, unsigned intid, unsigned prio,
		      bool notify_eoi)
{
	const struct vgic *g = &vm->arch.gic;
	FZ_CHECK(cpu < vm->ncpus && vm->power[cpu] == VMM_CPU_ON, "cpu %u", cpu);
	FZ_CHECK(intid < VGIC_NR_IRQS && intid != VGIC_VTIMER, "intid %u", intid);
	FZ_CHECK(notify_eoi == (intid >= VGIC_SGIS), "intid %u: EOI notification %d", intid,
		 notify_eoi);
	FZ_CHECK(vgic_irq_enabled(g, cpu, intid), "intid %u not enabled on %u", intid, cpu);
	FZ_CHECK(prio == vgic_irq_priority(g, cpu, intid), "intid %u prio %u", intid, prio);
	if (fz_lr_has(cpu, intid))
		return true; /* arch_vcpu_inject_irq: already pending or active */
	if (fz.lr_n[cpu] >= fz.lr_max)
		return false;
	fz_lr_set(cpu, intid, true);
	fz.lr_n[cpu]++;
	return true;
}

/* main.c's vcpu_on: VCPU_RESET (its list registers are emptied), then
 * the VMM forgets what it had in flight there. */
static bool fz_cpu_on(struct vmm *vm, unsigned cpu, uint64_t entry, uint64_t context)
{
	FZ_CHECK(cpu < vm->ncpus && vm->power[cpu] == VMM_CPU_OFF, "CPU_ON of %u", cpu);
	FZ_CHECK(entry >= vm->ram_base && entry - vm->ram_base < vm->ram_size && !(entry & 3),
		 "CPU_ON entry %#llx", (unsigned long long)entry);
	(void)context;
	memset(fz.lr[cpu], 0, sizeof(fz.lr[cpu]));
	fz.lr_n[cpu] = 0;
	vmm_arch_cpu_reset(vm, cpu);
	fz.cpu_ons++;
	return true;
}

static bool fz_reg_read(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t *val)
{
	FZ_CHECK(cpu < vm->ncpus, "cpu %u", cpu);
	if (reg >= KEEL_VREG_COUNT)
		return false;
	*val = fz.regs[cpu][reg];
	return true;
}

static bool fz_reg_write(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t val)
{
	FZ_CHECK(cpu < vm->ncpus, "cpu %u", cpu);
	if (reg >= KEEL_VREG_COUNT)
		return false;
	fz.regs[cpu][reg] = val;
	return true;
}

static void fz_unknown(struct vmm *vm, unsigned cpu, const uint64_t *mr)
{
	(void)vm, (void)cpu, (void)mr;
}

static const struct vmm_ops fz_ops = {
	.inject = fz_inject, .cpu_on = fz_cpu_on, .reg_read = fz_reg_read,
	.reg_write = fz_reg_write, .unknown = fz_unknown,
};

/* A device region: mmio_find must hand it only accesses inside it. */
static bool fz_dev_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	(void)ctx;
	FZ_CHECK(width == 1 || width == 2 || width == 4 || width == 8, "width %u", width);
	FZ_CHECK(off < FZ_DEV_SIZE && width <= FZ_DEV_SIZE - off, "off %#llx width %u",
		 (unsigned long long)off, width);
	if (off >= FZ_DEV_OK)
		return false;
	if (!write)
		*val = 0x0123456789abcdefull;
	return true;
}

void fz_vm_init(unsigned ncpus, unsigned lr_max)
{
	memset(&fz, 0, sizeof(fz));
	fz.lr_max = lr_max;
	fz.vm.ncpus = ncpus;
	fz.vm.ram_base = 0x40000000;
	fz.vm.ram_size = 0x4000000;
	fz.vm.ops = &fz_ops;
	fz.vm.power[0] = VMM_CPU_ON;
	FZ_CHECK(vmm_arch_init(&fz.vm), "vmm_arch_init");
	FZ_CHECK(mmio_map_add(&fz.vm.map, FZ_DEV_BASE, FZ_DEV_SIZE, fz_dev_mmio, NULL),
		 "device region");
}

void fz_eoi(unsigned cpu, unsigned intid)
{
	uint64_t mr[6] = { 1, intid, 0, 0, 0, 0 };
	FZ_CHECK(fz_lr_has(cpu, intid), "EOI of %u, not in a list register", intid);
	fz_lr_set(cpu, intid, false);
	fz.lr_n[cpu]--;
	if (intid >= VGIC_SGIS) /* an SGI asked for no EOI notification */
		(void)fz_exit(cpu, KEEL_EXIT_MAINT, mr);
}

/* Every reply is label + MR0..MR2, with an action the kernel knows. */
static void fz_reply_check(uint64_t label, const struct keel_msg *r)
{
	FZ_CHECK(r->len == VMM_REPLY_LEN, "reply length %u", (unsigned)r->len);
	switch (r->label) {
	case KEEL_VCPU_RESUME:
		FZ_CHECK(!(r->mr[0] & ~(uint64_t)(KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG)),
			 "resume flags %#llx", (unsigned long long)r->mr[0]);
		break;
	case KEEL_VCPU_INJECT_DABT:
		FZ_CHECK(r->mr[1] <= 1, "abort write flag %llu", (unsigned long long)r->mr[1]);
		break;
	case KEEL_VCPU_INJECT_UNDEF: case KEEL_VCPU_WAIT:
		break;
	case KEEL_VCPU_STOP:
		/* only a firmware call stops a vCPU */
		FZ_CHECK(label == KEEL_EXIT_HVC || label == KEEL_EXIT_SMC, "stop after %#llx",
			 (unsigned long long)label);
		break;
	default:
		FZ_CHECK(0, "reply label %llu", (unsigned long long)r->label);
	}
}

struct keel_msg fz_exit(unsigned cpu, uint64_t label, const uint64_t mr[6])
{
	struct keel_msg m = { .badge = KEEL_VMM_BADGE_VCPU(cpu), .label = label, .len = 6 };
	unsigned exits = fz.vm.exits;
	memcpy(m.mr, mr, sizeof(m.mr));
	exit_handle(&fz.vm, cpu, &m);
	fz_reply_check(label, &m);
	FZ_CHECK(fz.vm.exits == exits + 1, "exits %u", fz.vm.exits);
	return m;
}

/*
 * Between events:
 * - what is in flight has a list register: every INTID the vGIC holds
 *   active (injected, no EOI yet) is in the list registers of the vCPU it
 *   went to (an SGI or PPI: that vCPU; an SPI: some vCPU), or the guest
 *   could never have it again;
 * - nothing deliverable is left behind: a vCPU that is on, has a free
 *   list register and no retry pending has nothing ready in the vGIC;
 * - the counts are within their limits, and the timer's INTID is never
 *   pending in the VMM (the kernel injects it).
 */
void fz_vm_check(void)
{
	struct vgic *g = &fz.vm.arch.gic;
	unsigned n = fz.vm.ncpus;
	FZ_CHECK(!(fz.vm.irq_retry >> n), "irq_retry %#x", fz.vm.irq_retry);
	for (unsigned c = 0; c < n; c++) {
		uint32_t lost = g->cpu[c].active & ~fz.lr[c][0];
		FZ_CHECK(fz.lr_n[c] <= fz.lr_max, "cpu %u: %u list registers", c, fz.lr_n[c]);
		FZ_CHECK(!(g->cpu[c].pend & (1u << VGIC_VTIMER)), "cpu %u: timer pending", c);
		FZ_CHECK(!lost, "cpu %u: INTIDs %#x active with no list register", c, lost);
	}
	for (unsigned w = 1; w < VGIC_WORDS; w++) {
		uint32_t held = 0;
		for (unsigned c = 0; c < n; c++)
			held |= fz.lr[c][w];
		FZ_CHECK(!(g->active[w] & ~held), "SPIs %#x (word %u) active with no list register",
			 g->active[w] & ~held, w);
	}
	if (fz.vm.stopped)
		return;
	for (unsigned c = 0; c < n; c++) {
		if (fz.vm.power[c] != VMM_CPU_ON || fz.lr_n[c] == fz.lr_max ||
		    ((fz.vm.irq_retry >> c) & 1))
			continue;
		for (unsigned w = 0; w < VGIC_WORDS; w++)
			FZ_CHECK(!vgic_ready(g, c, w), "cpu %u: word %u ready %#x, %u/%u LRs", c,
				 w, vgic_ready(g, c, w), fz.lr_n[c], fz.lr_max);
	}
}
