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

/* a0 = CPU index: sp = the top of its kernel stack (cpu.c, kstack.h). */
early_stack:
	la	t0, kernel_stacks
	addi	t1, a0, 1
	li	t2, KSTACK_STRIDE		/* guard + stack (kstack.h) */
	mul	t1, t1, t2
	add	sp, t0, t1
	ret
