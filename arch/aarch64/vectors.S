/*
 * Exception vectors, trap entry and exit, FPU save/restore, idle loop.
 *
 * While a thread (or the idle loop) runs, SP_EL2 points at its saved
 * register frame (struct arch_regs, first member of struct tcb), so the
 * entry saves straight into the TCB and then switches to the CPU's kernel
 * stack (struct percpu.kstack_top, found through TPIDR_EL2).
 *
 * struct arch_regs (machine.h):  0 x0..x30 | 248 sp | 256 pc | 264 spsr
 *                               | 272 tpidr | 280 esr
 */
#include "sysreg.h"

#define REGS_SP 248
#define REGS_SPSR 264
#define REGS_ESR 280
#define PERCPU_KSTACK 8
#define PERCPU_ESTACK 16

.macro save_regs
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x21, sp_el0
	mrs	x22, elr_el2
	stp	x30, x21, [sp, #16 * 15]
	mrs	x23, spsr_el2
	mrs	x24, tpidr_el0
	stp	x22, x23, [sp, #REGS_SP + 8]
	mrs	x25, esr_el2
	stp	x24, x25, [sp, #REGS_SPSR + 8]
	mov	x0, sp				/* the trapped thread */
	mrs	x2, tpidr_el2			/* this CPU's struct percpu */
	ldr	x1, [x2, #PERCPU_KSTACK]
	mov	sp, x1
.endm

.macro ventry label
	.balign 0x80
	b	\label
.endm

	.arch armv8.1-a+fp+simd
	.text
	.balign 0x800
	.global vectors
vectors:
	ventry	bad_exception		/* current EL, SP_EL0 */
	ventry	bad_exception
	ventry	bad_exception
	ventry	bad_exception
	ventry	el2_sync		/* current EL, SP_EL2 */
	ventry	irq_entry		/* only the idle loop runs with IRQs on */
	ventry	bad_exception
	ventry	bad_exception
	ventry	lower_sync		/* lower EL, AArch64 (+0x400: arch_trace_entry) */
	ventry	irq_entry		/* (+0x480: arch_trace_entry) */
	ventry	bad_exception
	ventry	serror_entry
	ventry	bad_exception		/* lower EL, AArch32: never enabled */
	ventry	bad_exception
	ventry	bad_exception
	ventry	bad_exception

/* While a trace runs, the two lower-EL entries above branch here instead
 * (arch_trace_entry, cpu.c, rewrites their one instruction each): to the
 * traced general paths (trap.c: no fastpath, each event recorded), so no
 * path of the untraced kernel tests for a trace. */
	.global lower_sync_traced, lower_irq_traced, lower_sync, irq_entry
lower_sync_traced:
	save_regs
	bl	aarch64_sync_traced
	b	.

lower_irq_traced:
	save_regs
	bl	aarch64_irq_traced
	b	.

lower_sync:
	save_regs
	lsr	x3, x25, #ESR_EC_SHIFT		/* x25 = ESR_EL2 (save_regs) */
	cmp	x3, #EC_SVC64
	b.ne	1f
	and	x1, x25, #0xffff		/* call number; x2: percpu */
	bl	aarch64_svc_entry		/* x0: the thread to run (trap.c) */
	tbz	x0, #0, arch_return_to
	bl	aarch64_svc_switch		/* bit 0: its switch is not done */
	b	arch_return_to
1:	bl	aarch64_sync_entry
	b	.

irq_entry:
	save_regs
	bl	aarch64_irq_entry
	b	.

serror_entry:
	save_regs
	bl	aarch64_serror_entry
	b	.

/* An exception in the kernel: report it on this CPU's emergency stack,
 * since the kernel stack may be what overflowed into its guard page. */
el2_sync:
bad_exception:
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #PERCPU_ESTACK]
	mov	sp, x0
	mrs	x0, esr_el2
	mrs	x1, elr_el2
	mrs	x2, far_el2
	b	aarch64_kernel_fault

/* arch_return_to(struct tcb *t): load t's frame and eret. */
	.global arch_return_to
arch_return_to:
	mov	sp, x0
	ldp	x21, x22, [sp, #REGS_SP]
	ldp	x23, x24, [sp, #REGS_SPSR]
	msr	sp_el0, x21
	msr	elr_el2, x22
	msr	spsr_el2, x23
	msr	tpidr_el0, x24
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #16 * 15]
	eret

/* The idle loop runs at EL2 with IRQs unmasked and never uses the stack. */
	.global aarch64_idle_loop
aarch64_idle_loop:
	wfi
	b	aarch64_idle_loop

/* aarch64_fpu_save(struct arch_fpu *), aarch64_fpu_load(const struct arch_fpu *) */
	.global aarch64_fpu_save
aarch64_fpu_save:
	stp	q0, q1, [x0, #32 * 0]
	stp	q2, q3, [x0, #32 * 1]
	stp	q4, q5, [x0, #32 * 2]
	stp	q6, q7, [x0, #32 * 3]
	stp	q8, q9, [x0, #32 * 4]
	stp	q10, q11, [x0, #32 * 5]
	stp	q12, q13, [x0, #32 * 6]
	stp	q14, q15, [x0, #32 * 7]
	stp	q16, q17, [x0, #32 * 8]
	stp	q18, q19, [x0, #32 * 9]
	stp	q20, q21, [x0, #32 * 10]
	stp	q22, q23, [x0, #32 * 11]
	stp	q24, q25, [x0, #32 * 12]
	stp	q26, q27, [x0, #32 * 13]
	stp	q28, q29, [x0, #32 * 14]
	stp	q30, q31, [x0, #32 * 15]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #512
	stp	x1, x2, [x0]
	ret

	.global aarch64_fpu_load
aarch64_fpu_load:
	ldp	q0, q1, [x0, #32 * 0]
	ldp	q2, q3, [x0, #32 * 1]
	ldp	q4, q5, [x0, #32 * 2]
	ldp	q6, q7, [x0, #32 * 3]
	ldp	q8, q9, [x0, #32 * 4]
	ldp	q10, q11, [x0, #32 * 5]
	ldp	q12, q13, [x0, #32 * 6]
	ldp	q14, q15, [x0, #32 * 7]
	ldp	q16, q17, [x0, #32 * 8]
	ldp	q18, q19, [x0, #32 * 9]
	ldp	q20, q21, [x0, #32 * 10]
	ldp	q22, q23, [x0, #32 * 11]
	ldp	q24, q25, [x0, #32 * 12]
	ldp	q26, q27, [x0, #32 * 13]
	ldp	q28, q29, [x0, #32 * 14]
	ldp	q30, q31, [x0, #32 * 15]
	add	x0, x0, #512
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
