/*
 * The fake arch's vCPUs: register access, injected exceptions and list
 * registers as plain fields (arch/fake/include/arch/machine.h), and a
 * per-CPU "loaded" vCPU that checks the generic kernel's side of the
 * contract: a vCPU that is forgotten (its object or binding going away)
 * must not still be loaded on another CPU, whose next switch would save
 * the guest's state into memory that is no longer a vCPU.
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

void arch_vcpu_activate(struct arch_vcpu *v)
{
	if (v && v->init != FAKE_VCPU_INIT)
		kpanic("fake: activating a vCPU that was never initialised");
	fake_arch.vcpu_activations++;
	fake_arch.loaded_vcpu[fake_arch.cpu] = v;
}

void arch_vcpu_forget(struct arch_vcpu *v)
{
	fake_arch.vcpu_forgets++;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (fake_arch.loaded_vcpu[i] != v)
			continue;
		if (i != fake_arch.cpu)
			kpanic("fake: vCPU forgotten while loaded on another CPU");
		fake_arch.loaded_vcpu[i] = NULL;
	}
}

static uint64_t *vreg(struct arch_vcpu *v, struct arch_regs *r, unsigned n)
{
	if (n < FAKE_ARG_REGS)
		return &r->a[n];
	if (n < KEEL_VREG_SP)
		return &r->t[n - FAKE_ARG_REGS];
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
	v->dabts++;
	v->exc_addr = addr;
}

void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r)
{
	(void)r;
	v->undefs++;
}

bool arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio,
			  bool notify_eoi)
{
	(void)notify_eoi; /* the fake has no maintenance interrupt */
	for (unsigned i = 0; i < FAKE_LRS; i++)
		if (v->lr[i] == intid + 1)
			return true; /* already pending */
	for (unsigned i = 0; i < FAKE_LRS; i++) {
		if (v->lr[i])
			continue;
		v->lr[i] = intid + 1;
		v->lr_prio[i] = prio;
		return true;
	}
	return false;
}

bool arch_vcpu_irq_pending(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < FAKE_LRS; i++)
		if (v->lr[i])
			return true;
	return false;
}
