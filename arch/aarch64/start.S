/*
 * Entry from QEMU at EL2 (virt, virtualization=on): a Linux arm64 Image
 * header, so QEMU passes the device tree in x0 and loads us at RAM base +
 * text_offset. Then: EL2 stage-1 MMU on (identity map, mmu.c), vectors,
 * stack, into C. Secondary CPUs come in at secondary_entry (PSCI CPU_ON)
 * with their CPU index in x0.
 */
#include "kstack.h"
#include "sysreg.h"

	.section .text.head, "ax"
	.global _start
_start:
	b	primary_entry			/* code0/code1 */
	.long	0
	.quad	0x200000			/* text_offset */
	.quad	__kernel_end - _start		/* image_size */
	.quad	0xa				/* flags: LE, 4K, anywhere */
	.quad	0, 0, 0
	.ascii	"ARM\x64"			/* magic */
	.long	0

primary_entry:
	mov	x19, x0				/* device tree */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	.				/* not at EL2: nothing we can do */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	1b
	mov	x0, #0
	bl	cpu_early_setup			/* x0 = cpu index: sets sp, MMU */
	mov	x0, x19
	bl	aarch64_main
	b	.

	.global secondary_entry
secondary_entry:
	mov	x19, x0
	bl	cpu_early_setup
	mov	x0, x19
	bl	aarch64_secondary_main
	b	.

/* x0 = cpu index. Stack, per-CPU pointer, EL2 translation, vectors. */
cpu_early_setup:
	adrp	x1, kernel_stacks
	add	x1, x1, :lo12:kernel_stacks
	add	x2, x0, #1
	mov	x3, #KSTACK_STRIDE		/* guard + stack (kstack.h) */
	madd	x1, x2, x3, x1			/* top of stack x0 */
	mov	sp, x1
	mov	x20, x30
	mov	x21, x0
	adrp	x0, mmu_el2_l1			/* static identity map, mmu.c */
	add	x0, x0, :lo12:mmu_el2_l1
	msr	ttbr0_el2, x0
	ldr	x0, =MAIR_EL2_VALUE
	msr	mair_el2, x0
	ldr	x0, =TCR_EL2_VALUE
	msr	tcr_el2, x0
	isb
	tlbi	alle2
	dsb	ish
	ldr	x0, =SCTLR_EL2_VALUE		/* MMU, caches, stack alignment check */
	msr	sctlr_el2, x0
	isb
	adrp	x0, vectors
	add	x0, x0, :lo12:vectors
	msr	vbar_el2, x0
	mov	x0, x21
	bl	cpu_percpu_setup
	ret	x20
