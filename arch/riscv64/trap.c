/*
 * Trap decoding: scause -> kernel event, the registers of a thread, and the
 * lazy FPU. Every cause has a defined outcome; anything a thread can cause
 * that is not a Keel call becomes a fault message to its handler.
 *
 * Keel calls are `ecall` with a7 = KEEL_RV_SYS_BASE + call number
 * (libipc/arch/riscv64/keel/arch_trap.h); any other a7 is a Linux system
 * call (KEEL_SYS_LINUX), forwarded as a fault like aarch64's `svc #0`.
 */
#include "riscv64.h"
#include "fastpath.h"

static unsigned trap_call_number(const struct arch_regs *r)
{
	uint64_t n = r->x[RV_REG_A7_SLOT] - KEEL_RV_SYS_BASE;
	if (r->x[RV_REG_A7_SLOT] < KEEL_RV_SYS_BASE)
		return KEEL_SYS_LINUX;
	return n < KEEL_SYS_COUNT ? (unsigned)n : KEEL_SYS_COUNT;
}

/* traced, here and below, is a constant: each trap has two copies, the
 * traced one reached only while a trace runs (arch_trace_entry), so the
 * other has no hook to test. */
TRACED_INLINE void trap_fault(uint64_t label, const uint64_t *msg, unsigned len, bool traced)
{
	(traced ? kernel_fault_traced : kernel_fault)(label, msg, len);
}

TRACED_INLINE void trap_page_fault(struct tcb *t, unsigned code, bool traced)
{
	uint64_t acc = code == EXC_INST_PAGE || code == EXC_INST_ACCESS ? KEEL_ACC_EXEC
		       : code == EXC_STORE_PAGE || code == EXC_STORE_ACCESS ? KEEL_ACC_WRITE
									      : KEEL_ACC_READ;
	uint64_t msg[3] = { t->regs.stval, t->regs.x[RV_REG_PC], acc };
	trap_fault(KEEL_FAULT_VM, msg, 3, traced);
}

TRACED_INLINE void trap_user(struct tcb *t, uint64_t cause, bool traced)
{
	uint64_t msg[2] = { t->regs.x[RV_REG_PC], cause };
	trap_fault(KEEL_FAULT_USER, msg, 2, traced);
}

/* The first FP instruction after a switch traps as illegal with FS off:
 * load the thread's registers and run it again. With FS on, the
 * instruction really is illegal. */
bool rv_fpu_trap(struct tcb *t)
{
	if ((t->regs.sstatus & SSTATUS_FS_MASK) != SSTATUS_FS_OFF)
		return false;
	csr_set(sstatus, SSTATUS_FS_CLEAN);
	rv_fpu_load(&t->fpu);
	csr_clear(sstatus, SSTATUS_FS_MASK);
	t->fpu_live = 1;
	t->regs.sstatus |= SSTATUS_FS_CLEAN;
	return true;
}

/* Traced: no fastpath, so each call is recorded (kernel_syscall_traced). */
TRACED_INLINE __attribute__((noreturn)) void trap_ecall(struct tcb *t, bool traced)
{
	struct tcb *next;
	unsigned num;
	t->regs.x[RV_REG_PC] += 4; /* past the ecall, as aarch64's ELR is past svc */
	num = trap_call_number(&t->regs);
	kernel_enter(t, true);
	if (!kernel_trapped_is_current(t))
		kernel_exit(); /* another CPU took t away while we waited */
	if (traced) {
		kernel_syscall_traced(num);
		kernel_exit();
	}
	next = kernel_fastpath_inline(num, t);
	if (next) {
		arch_lock_release();
		arch_return_to(next);
	}
	kernel_syscall(num);
	kernel_exit();
}

static void trap_interrupt(unsigned code)
{
	unsigned irq;
	switch (code) {
	case IRQ_S_TIMER: kernel_timer_tick(); break;
	case IRQ_S_SOFT:
		csr_clear(sip, 1ull << IRQ_S_SOFT);
		kernel_resched_ipi();
		break;
	case IRQ_S_EXT:
		irq = rv_plic_claim();
		if (irq) /* completed when the driver acknowledges (arch_irq_deactivate) */
			kernel_irq(irq);
		break;
	default: break;
	}
}

/* Every trap from a thread or the idle loop (entry.S), on the kernel stack. */
TRACED_INLINE __attribute__((noreturn)) void trap_from_thread(struct tcb *t, bool traced)
{
	uint64_t cause = t->regs.scause;
	unsigned code = (unsigned)(cause & ~SCAUSE_IRQ);
	if (cause & SCAUSE_IRQ) {
		kernel_enter(t, false);
		trap_interrupt(code);
		kernel_exit();
	}
	if (t->vcpu && rv_board.guests && (csrn_read(CSR_HSTATUS) & HSTATUS_SPV))
		(traced ? rv_vcpu_trap_traced : rv_vcpu_trap)(t); /* from the guest (V=1) */
	if (code == EXC_ECALL_U)
		trap_ecall(t, traced);
	kernel_enter(t, false);
	if (!kernel_trapped_is_current(t))
		kernel_exit();
	switch (code) {
	case EXC_INST_PAGE: case EXC_LOAD_PAGE: case EXC_STORE_PAGE:
	case EXC_INST_ACCESS: case EXC_LOAD_ACCESS: case EXC_STORE_ACCESS:
		trap_page_fault(t, code, traced);
		break;
	case EXC_ILLEGAL:
		if (!rv_fpu_trap(t))
			trap_user(t, EXC_ILLEGAL, traced);
		break;
	default: trap_user(t, code, traced); break;
	}
	kernel_exit();
}

_Noreturn void rv_trap_from_thread(struct tcb *t);
_Noreturn void rv_trap_from_thread(struct tcb *t) { trap_from_thread(t, false); }
_Noreturn void rv_trap_from_thread_traced(struct tcb *t);
_Noreturn void rv_trap_from_thread_traced(struct tcb *t) { trap_from_thread(t, true); }

/* A trace swaps the trap's C entry (entry.S, rv_trap_c_entry): one word,
 * which every hart reads at its next trap. */
extern uint64_t rv_trap_c_entry;
void arch_trace_entry(bool on)
{
	__atomic_store_n(&rv_trap_c_entry,
			 (uint64_t)(uintptr_t)(on ? rv_trap_from_thread_traced : rv_trap_from_thread),
			 __ATOMIC_RELEASE);
}

/* ---- registers ---- */

void arch_regs_init_user(struct arch_regs *r, uint64_t pc, uint64_t sp)
{
	for (unsigned i = 0; i < 32; i++)
		r->x[i] = 0;
	r->x[RV_REG_PC] = pc;
	r->x[RV_REG_SP] = sp;
	r->sstatus = SSTATUS_SPIE; /* U-mode, interrupts on, FP off (lazy) */
}

void arch_regs_set_pc(struct arch_regs *r, uint64_t pc) { r->x[RV_REG_PC] = pc; }
uint64_t arch_regs_pc(const struct arch_regs *r) { return r->x[RV_REG_PC]; }
uint64_t arch_regs_sp(const struct arch_regs *r) { return r->x[RV_REG_SP]; }
void arch_regs_set_sp(struct arch_regs *r, uint64_t sp) { r->x[RV_REG_SP] = sp; }
/* Register n as the ABI numbers arguments: a0..a6, then t0 (n < 8). */
uint64_t arch_regs_get(const struct arch_regs *r, unsigned n)
{
	return n < 8 ? r->x[RV_REG_A0 + n] : 0;
}
void arch_regs_set(struct arch_regs *r, unsigned n, uint64_t v)
{
	if (n < 8)
		r->x[RV_REG_A0 + n] = v;
}
uint64_t arch_regs_tls(const struct arch_regs *r) { return r->x[RV_REG_TP]; }
void arch_regs_set_tls(struct arch_regs *r, uint64_t v) { r->x[RV_REG_TP] = v; }
void arch_regs_restart_syscall(struct arch_regs *r) { r->x[RV_REG_PC] -= 4; }

/* Leave the kernel into t: U-mode threads on their own map, the idle loop
 * (S-mode) on the kernel's. */
_Noreturn void rv_return(uint64_t regs_alias, uint64_t satp, uint64_t tramp_alias);
_Noreturn void arch_return_to(struct tcb *t)
{
	struct rv_tramp *tr = &rv_tramp[this_cpu()->id];
	uint64_t satp = t->regs.sstatus & SSTATUS_SPP || t->vcpu ? tr->kernel_satp
								  : tr->user_satp;
	if (t->vcpu && !rv_board.guests)
		rv_vcpu_refuse(t);
	if (rv_board.guests)
		rv_vcpu_enter(t);
	tr->regs = (uint64_t)&t->regs;
	rv_return((uint64_t)&t->regs + RV_ALIAS_OFFSET, satp, (uint64_t)tr + RV_ALIAS_OFFSET);
}

/* ---- lazy FPU: loaded on a thread's first FP instruction after it is
 * switched in (trap_illegal), saved when it is switched out. ---- */

void arch_fpu_save_if_owner(struct tcb *t)
{
	if (!t->fpu_live)
		return;
	csr_set(sstatus, SSTATUS_FS_CLEAN);
	rv_fpu_save(&t->fpu);
	csr_clear(sstatus, SSTATUS_FS_MASK);
	t->fpu_live = 0;
	t->regs.sstatus &= ~SSTATUS_FS_MASK;
}

void arch_fpu_switch(struct tcb *from, struct tcb *to)
{
	(void)to;
	if (from != to)
		arch_fpu_save_if_owner(from);
}

uint64_t arch_cpu_features(void) { return 0; }
