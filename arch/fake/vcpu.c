/*
 * The fake arch's vCPUs: register access, injected exceptions and list
 * registers as plain fields (arch/fake/include/arch/machine.h), and a
 * per-CPU "loaded" vCPU that models aarch64's lazy switching and checks
 * the generic kernel's side of the contract (docs/architecture.md, vCPU
 * switching): a vCPU switched away from stays held by its CPU until
 * arch_vcpu_flush; the kernel must not read or change the memory copy of a
 * held vCPU, load it on a second CPU, or forget it while a CPU holds it.
 */
#include <arch/arch.h>
#include <arch/fake.h>

#include "kernel.h"

void arch_vcpu_init(struct arch_vcpu *v) { v->init = FAKE_VCPU_INIT; }

void arch_regs_init_guest(struct arch_regs *r)
{
	arch_regs_init_user(r, 0, 0);
	r->flags = FAKE_GUEST_FLAGS;
}

int arch_vcpu_holder(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (fake_arch.loaded_vcpu[i] == v)
			return (int)i;
	return -1;
}

/* The kernel is about to use v's memory copy: no CPU may hold it. */
static void memory_copy_used(const struct arch_vcpu *v)
{
	if (arch_vcpu_holder(v) >= 0)
		kpanic("fake: memory copy of a vCPU used while a CPU holds it");
}

void arch_vcpu_activate(struct arch_vcpu *v)
{
	unsigned cpu = fake_arch.cpu;
	if (v && v->init != FAKE_VCPU_INIT)
		kpanic("fake: activating a vCPU that was never initialised");
	fake_arch.vcpu_activations++;
	fake_arch.vcpu_in_guest[cpu] = v != NULL;
	if (!v || fake_arch.loaded_vcpu[cpu] == v)
		return; /* NULL: the held vCPU stays held */
	if (arch_vcpu_holder(v) >= 0)
		kpanic("fake: vCPU loaded while another CPU holds it");
	if (fake_arch.loaded_vcpu[cpu])
		fake_arch.vcpu_flushes++;
	fake_arch.loaded_vcpu[cpu] = v;
}

/* As aarch64: idle leaves the CPU in whatever mode it is in. */
void arch_vcpu_idle(void) { fake_arch.idle_activations++; }

bool arch_vcpu_wfi_keep(const struct arch_vcpu *v)
{
	unsigned cpu = fake_arch.cpu;
	return fake_arch.loaded_vcpu[cpu] == v && fake_arch.vcpu_in_guest[cpu];
}

void arch_vcpu_flush(void)
{
	unsigned cpu = fake_arch.cpu;
	if (fake_arch.loaded_vcpu[cpu])
		fake_arch.vcpu_flushes++;
	fake_arch.loaded_vcpu[cpu] = NULL;
	fake_arch.vcpu_in_guest[cpu] = false;
}

void arch_vcpu_forget(struct arch_vcpu *v)
{
	fake_arch.vcpu_forgets++;
	if (arch_vcpu_holder(v) >= 0)
		kpanic("fake: vCPU forgotten while a CPU holds it");
}

static uint64_t *vreg(struct arch_vcpu *v, struct arch_regs *r, unsigned n)
{
	if (n < FAKE_ARG_REGS)
		return &r->a[n];
	if (n < KEEL_VREG_SP)
		return &r->t[n - FAKE_ARG_REGS];
	if (n > KEEL_VREG_PSTATE)
		memory_copy_used(v);
	switch (n) {
	case KEEL_VREG_SP: return &r->sp;
	case KEEL_VREG_PC: return &r->pc;
	case KEEL_VREG_PSTATE: return &r->flags;
	case KEEL_VREG_SP_EL1: return &v->sp_el1;
	case KEEL_VREG_MPIDR: return &v->mpidr;
	default: return NULL;
	}
}

bool arch_vcpu_reg_read(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t *val)
{
	uint64_t *p = vreg(v, r, n);
	if (p)
		*val = *p;
	return p != NULL;
}

bool arch_vcpu_reg_valid(unsigned n, uint64_t val, bool write)
{
	(void)val, (void)write; /* the fake takes any value */
	return n <= KEEL_VREG_PSTATE || n == KEEL_VREG_SP_EL1 || n == KEEL_VREG_MPIDR;
}

bool arch_vcpu_reg_write(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t val)
{
	uint64_t *p = vreg(v, r, n);
	if (p)
		*p = val;
	return p != NULL;
}

void arch_vcpu_skip(struct arch_regs *r) { r->pc += 4; }

void arch_vcpu_inject_dabt(struct arch_vcpu *v, struct arch_regs *r, uint64_t addr,
			   bool write)
{
	(void)r, (void)write;
	memory_copy_used(v);
	v->dabts++;
	v->exc_addr = addr;
}

void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r)
{
	(void)r;
	memory_copy_used(v);
	v->undefs++;
}

/* The list register intid goes in: the one holding it already, else a
 * free one; -1 if neither. */
static int fake_lr_for(const struct arch_vcpu *v, unsigned intid)
{
	memory_copy_used(v);
	for (unsigned i = 0; i < FAKE_LRS; i++)
		if (v->lr[i] == intid + 1)
			return (int)i; /* already pending */
	for (unsigned i = 0; i < FAKE_LRS; i++)
		if (!v->lr[i])
			return (int)i;
	return -1;
}

bool arch_vcpu_irq_room(const struct arch_vcpu *v, unsigned intid)
{
	return fake_lr_for(v, intid) >= 0;
}

void arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio,
			  bool notify_eoi)
{
	int i = fake_lr_for(v, intid);
	(void)notify_eoi; /* the fake has no maintenance interrupt */
	if (i < 0)
		kpanic("fake: injection without room (decode did not check)");
	if (v->lr[i] == intid + 1)
		return;
	v->lr[i] = intid + 1;
	v->lr_prio[i] = prio;
}

/* The memory copy stands for the held registers too: this CPU may read
 * its own (arch.h), another CPU's never. */
bool arch_vcpu_irq_pending(const struct arch_vcpu *v)
{
	if (arch_vcpu_holder(v) != (int)fake_arch.cpu)
		memory_copy_used(v);
	for (unsigned i = 0; i < FAKE_LRS; i++)
		if (v->lr[i])
			return true;
	return false;
}
