/*
 * Entry from OpenSBI in S-mode (HS with the H extension) at 0x80200000,
 * a0 = this hart's id, a1 = the device tree, translation off. The kernel is built and linked without relaxation
 * (-mno-relax), so it never uses gp: gp stays the thread's. The boot hart
 * clears the BSS and becomes CPU 0; the others come in at
 * rv_secondary_entry (SBI HSM hart_start) with their CPU index in a1.
 */
#include "kstack.h"

	.section .text.head, "ax"
	.global _start
_start:
	csrw	sie, zero
	csrw	sscratch, zero
	la	t0, rv_booted			/* the first hart here boots; one */
	li	t1, 1				/* coming in later (OpenSBI has sent */
	amoswap.w.aq t1, t1, (t0)		/* a late hart here, not to its */
	bnez	t1, rv_late_hart		/* hart_start entry) must not boot again */
	mv	s0, a0				/* hart id */
	mv	s1, a1				/* device tree */
	la	t0, __bss_start
	la	t1, __bss_end
1:	sd	zero, 0(t0)
	addi	t0, t0, 8
	bltu	t0, t1, 1b
	li	a0, 0
	call	early_stack
	mv	a0, s1
	mv	a1, s0
	call	riscv64_main
2:	wfi
	j	2b

	.global rv_secondary_entry
rv_secondary_entry:
	csrw	sie, zero
	csrw	sscratch, zero
	mv	s1, a1				/* CPU index (hart_start's opaque) */
	mv	a0, a1
	call	early_stack
	mv	a0, s1
	call	riscv64_secondary_main
1:	wfi
	j	1b

/* A hart that came in at _start after the boot hart (a0 = its id): once
 * CPU 0 has published the CPUs' hart ids (arch_boot_secondaries), it
 * comes up as the CPU with its id, as if hart_start had sent it to
 * rv_secondary_entry; a hart the kernel does not use waits forever. */
rv_late_hart:
	la	t0, rv_late_ready
1:	lw	t1, 0(t0)			/* how many CPUs, once published */
	beqz	t1, 1b
	fence	r, r
	la	t0, rv_late_harts
	li	t2, 1
2:	bgeu	t2, t1, 4f
	slli	t3, t2, 3
	add	t3, t0, t3
	ld	t3, 0(t3)
	beq	t3, a0, 3f
	addi	t2, t2, 1
	j	2b
3:	mv	a1, t2
	j	rv_secondary_entry
4:	wfi
	j	4b

	.section .data
	.align	3
	.global	rv_booted, rv_late_ready, rv_late_harts
rv_booted:	.word 0				/* .data, not .bss: read before the */
rv_late_ready:	.word 0				/* boot hart clears the BSS */
rv_late_harts:	.zero 8 * RV_LATE_HARTS_MAX

	.section .text.head, "ax"
/* a0 = CPU index: sp = the top of its kernel stack (cpu.c, kstack.h). */
early_stack:
	la	t0, kernel_stacks
	addi	t1, a0, 1
	li	t2, KSTACK_STRIDE		/* guard + stack (kstack.h) */
	mul	t1, t1, t2
	add	sp, t0, t1
	ret
