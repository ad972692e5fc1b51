/*
 * Trap decoding: exception class -> kernel event. Every class has a
 * defined outcome; anything a thread can cause that is not a Keel call
 * becomes a fault message to its handler (never a kernel panic).
 */
#include "aarch64.h"
#include "fastpath.h"

/* traced, here and below, is a constant: each entry has two copies, the
 * traced one reached only while a trace has the vector table's lower-EL
 * entries patched to it (arch_trace_entry, cpu.c), so the other has no
 * hook to test (TRACED_INLINE, kernel.h). */
TRACED_INLINE void trap_fault(uint64_t label, const uint64_t *msg, unsigned len, bool traced)
{
	(traced ? kernel_fault_traced : kernel_fault)(label, msg, len);
}

TRACED_INLINE void trap_abort(struct tcb *t, uint64_t esr, bool exec, bool traced)
{
	uint64_t far = sysreg_read(far_el2);
	uint64_t acc = exec ? KEEL_ACC_EXEC : (esr & ESR_DABT_WNR) ? KEEL_ACC_WRITE
								 : KEEL_ACC_READ;
	if (esr & ESR_DABT_FNV) /* FAR not valid, take the IPA page */
		far = (sysreg_read(hpfar_el2) & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT;
	uint64_t msg[3] = { far, t->regs.pc, acc };
	trap_fault(KEEL_FAULT_VM, msg, 3, traced);
}

TRACED_INLINE void trap_user(struct tcb *t, uint64_t esr, bool traced)
{
	uint64_t msg[2] = { t->regs.pc, esr };
	trap_fault(KEEL_FAULT_USER, msg, 2, traced);
}


/*
 * System calls come here straight from the vector (vectors.S), which
 * returns to the thread this gives back. The fastpath's common case (an
 * IPC between two threads without FPU or vCPU state to move) is a leaf
 * with no stack frame. If the switch has its heavy part still to do, the
 * thread comes back with bit 0 set (TCBs are aligned), the lock still
 * held and the caller still current, for aarch64_svc_switch; everything
 * else continues in aarch64_svc_slow*. A lock taken at the first try
 * means no other CPU stalled this one since t trapped (a remote stall
 * needs this CPU's acknowledgement while it waits for the lock:
 * kernel_enter_contended), so t is still current.
 */
uintptr_t aarch64_svc_entry(struct tcb *t, unsigned num, struct percpu *c);
uintptr_t aarch64_svc_entry(struct tcb *t, unsigned num, struct percpu *c)
{
	struct tcb *next;
	if (__builtin_expect(!ARCH_LOCK_TRY(), 0))
		return aarch64_svc_slow(t, num);
	next = kernel_fastpath_decide(c, num, t);
	if (__builtin_expect(!next, 0))
		return aarch64_svc_slow_locked();
	if (fast_switch_heavy(t, next))
		return (uintptr_t)next | 1;
	fast_switch_light(c, next);
	arch_lock_release();
	return (uintptr_t)next;
}

/* The heavy switch aarch64_svc_entry left to do (vectors.S). */
struct tcb *aarch64_svc_switch(uintptr_t tagged);
struct tcb *aarch64_svc_switch(uintptr_t tagged)
{
	struct percpu *c = this_cpu();
	struct tcb *to = (struct tcb *)(tagged & ~(uintptr_t)1);
	fast_switch_state(c->current, to); /* heavy: aarch64_svc_entry knew */
	fast_switch_light(c, to);
	arch_lock_release();
	return to;
}

TRACED_INLINE void fpu_trap(struct tcb *t);

TRACED_INLINE void trap_sync(struct tcb *t, bool traced)
{
	uint64_t esr = t->regs.esr;
	unsigned ec = (unsigned)ESR_EC(esr);
	/* Like an SVC, a trapped HVC returns past itself: if a remote stall
	 * takes t away before the exit is raised, it must run again. Only a
	 * lock that had to be waited for can have let that happen
	 * (aarch64_svc_entry). */
	if (__builtin_expect(!ARCH_LOCK_TRY(), 0)) {
		kernel_enter_contended(t, ec == EC_SVC64 || ec == EC_HVC64);
		if (!kernel_trapped_is_current(t))
			kernel_exit(); /* another CPU took t away while we waited */
	}
	if (traced && ec == EC_SVC64) {
		kernel_syscall_traced((unsigned)(esr & ESR_ISS_IMM16));
		kernel_exit();
	}
	/* A guest's WFE (ESR TI = 1) is a spin-wait hint: yield here, as for
	 * a native thread, without an exit to the VMM; its WFI parks it here
	 * (vcpu_wfi). */
	if (t->vcpu && ec == EC_WFX && !(esr & 1) && vcpu_wfi(t))
		kernel_exit();
	if (t->vcpu && ec != EC_FP && !(ec == EC_WFX && (esr & 1))) {
		struct tcb *next = (traced ? aarch64_vcpu_exit_traced : aarch64_vcpu_exit)(t, esr);
		if (next) { /* fastpath: straight to the VMM */
			arch_lock_release();
			arch_return_to(next);
		}
		kernel_exit();
	}
	switch (ec) {
	case EC_DABT_LOW: trap_abort(t, esr, false, traced); break;
	case EC_IABT_LOW: trap_abort(t, esr, true, traced); break;
	case EC_FP: fpu_trap(t); break;
	case EC_WFX: t->regs.pc += 4; sched_yield(); break;
	default: trap_user(t, esr, traced); break;
	}
	kernel_exit();
}

/* Every trap from a lower EL but a system call (vectors.S, lower_sync). */
void aarch64_sync_entry(struct tcb *t);
void aarch64_sync_entry(struct tcb *t) { trap_sync(t, false); }

/* Every trap from a lower EL while a trace runs (vectors.S,
 * lower_sync_traced), system calls too: no fastpath, so each call is
 * recorded (kernel_syscall_traced). */
void aarch64_sync_traced(struct tcb *t);
void aarch64_sync_traced(struct tcb *t) { trap_sync(t, true); }

TRACED_INLINE void trap_irq(struct tcb *t, bool traced)
{
	unsigned intid;
	kernel_enter(t, false);
	intid = gic_ack();
	if (intid >= 1020) /* spurious */
		kernel_exit();
	gic_eoi(intid); /* priority drop; deactivation below or at user ack */
	if (intid == TIMER_HYP_PPI) {
		kernel_timer_tick();
		arch_irq_deactivate(intid);
	} else if (intid == VTIMER_PPI_ID) {
		aarch64_vtimer_irq(this_cpu()->current);
	} else if (intid == MAINT_PPI_ID) {
		(traced ? aarch64_maintenance_irq_traced : aarch64_maintenance_irq)(this_cpu()->current);
		arch_irq_deactivate(intid);
	} else if (intid == IPI_RESCHED) {
		kernel_resched_ipi();
		arch_irq_deactivate(intid);
	} else {
		kernel_irq(intid);
	}
	kernel_exit();
}

void aarch64_irq_entry(struct tcb *t);
void aarch64_irq_entry(struct tcb *t) { trap_irq(t, false); }
void aarch64_irq_traced(struct tcb *t);
void aarch64_irq_traced(struct tcb *t) { trap_irq(t, true); }

/* An SError from a lower EL is charged to the running thread as a fault. */
void aarch64_serror_entry(struct tcb *t);
void aarch64_serror_entry(struct tcb *t)
{
	kernel_enter(t, false);
	if (kernel_trapped_is_current(t) && t->state != TS_IDLE)
		trap_user(t, t->regs.esr, false);
	kernel_exit();
}

/* ---- registers ---- */

void arch_regs_init_user(struct arch_regs *r, uint64_t pc, uint64_t sp)
{
	for (unsigned i = 0; i < 31; i++)
		r->x[i] = 0;
	r->pc = pc;
	r->sp = sp;
	r->spsr = SPSR_EL0;
	r->tpidr = 0;
}

void arch_regs_set_pc(struct arch_regs *r, uint64_t pc) { r->pc = pc; }
uint64_t arch_regs_pc(const struct arch_regs *r) { return r->pc; }
uint64_t arch_regs_sp(const struct arch_regs *r) { return r->sp; }
void arch_regs_set_sp(struct arch_regs *r, uint64_t sp) { r->sp = sp; }
uint64_t arch_regs_get(const struct arch_regs *r, unsigned n) { return n < 31 ? r->x[n] : 0; }
void arch_regs_set(struct arch_regs *r, unsigned n, uint64_t v)
{
	if (n < 31)
		r->x[n] = v;
}
uint64_t arch_regs_tls(const struct arch_regs *r) { return r->tpidr; }
void arch_regs_set_tls(struct arch_regs *r, uint64_t v) { r->tpidr = v; }
void arch_regs_restart_syscall(struct arch_regs *r) { r->pc -= 4; }

/* ---- lazy FPU: a thread's FP/SIMD registers are loaded on its first use
 * after it is switched in (trap), and saved when it is switched out. ---- */

static void fpu_trap_set(bool trap)
{
	sysreg_write(cptr_el2, CPTR_RES1 | (trap ? CPTR_TFP : 0));
	isb();
}

TRACED_INLINE void fpu_trap(struct tcb *t)
{
	fpu_trap_set(false);
	aarch64_fpu_load(&t->fpu);
	t->fpu_live = 1;
}

void arch_fpu_save_if_owner(struct tcb *t)
{
	if (!t->fpu_live)
		return;
	fpu_trap_set(false);
	aarch64_fpu_save(&t->fpu);
	t->fpu_live = 0;
	fpu_trap_set(true);
}

void arch_fpu_switch(struct tcb *from, struct tcb *to)
{
	(void)to;
	if (from != to)
		arch_fpu_save_if_owner(from);
}
