/*
 * vCPUs on riscv64 are stage 2 of the port (VS-mode guests, G-stage
 * translation: docs/riscv64.md). Until then a vCPU object can be made and
 * bound, but it has no registers (every VCPU register call fails as an
 * invalid argument) and a thread bound to one does not run: each time it
 * would, it faults to its handler instead, as KEEL_FAULT_USER with cause
 * RV_CAUSE_NO_VCPU.
 */
#include "riscv64.h"

void arch_vcpu_init(struct arch_vcpu *v) { v->unused = 0; }
void arch_regs_init_guest(struct arch_regs *r) { arch_regs_init_user(r, 0, 0); }
void arch_vcpu_activate(struct arch_vcpu *v) { (void)v; }
void arch_vcpu_flush(void) {}
int arch_vcpu_holder(const struct arch_vcpu *v) { (void)v; return -1; }
void arch_vcpu_forget(struct arch_vcpu *v) { (void)v; }

bool arch_vcpu_reg_valid(unsigned n, uint64_t val, bool write)
{
	(void)n; (void)val; (void)write;
	return false;
}

bool arch_vcpu_reg_read(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t *val)
{
	(void)v; (void)r; (void)n;
	*val = 0;
	return false;
}

bool arch_vcpu_reg_write(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t val)
{
	(void)v; (void)r; (void)n; (void)val;
	return false;
}

void arch_vcpu_skip(struct arch_regs *r) { (void)r; }
void arch_vcpu_inject_dabt(struct arch_vcpu *v, struct arch_regs *r, uint64_t addr, bool write)
{
	(void)v; (void)r; (void)addr; (void)write;
}
void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r) { (void)v; (void)r; }
bool arch_vcpu_irq_room(const struct arch_vcpu *v, unsigned intid)
{
	(void)v; (void)intid;
	return false;
}
void arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio, bool notify_eoi)
{
	(void)v; (void)intid; (void)prio; (void)notify_eoi;
}
uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v) { (void)v; return UINT64_MAX; }
bool arch_vcpu_irq_pending(const struct arch_vcpu *v) { (void)v; return false; }

/* arch_return_to was asked to run a thread bound to a vCPU: fault instead. */
_Noreturn void rv_vcpu_refuse(struct tcb *t)
{
	uint64_t msg[2] = { t->regs.x[RV_REG_PC], RV_CAUSE_NO_VCPU };
	kernel_enter(t, false);
	if (kernel_trapped_is_current(t))
		kernel_fault(KEEL_FAULT_USER, msg, 2);
	kernel_exit();
}
