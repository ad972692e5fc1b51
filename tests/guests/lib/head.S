/*
 * Entry of every test guest: a Linux arm64 Image header, startup, and the
 * EL1 exception vectors.
 *
 * Image header (Linux Documentation/arch/arm64/booting.rst), 64 bytes:
 *
 *   offset  field        value
 *   0x00    code0        b entry
 *   0x04    code1        0
 *   0x08    text_offset  0x200000   image goes 2 MiB above a 2 MiB-aligned
 *                                   RAM base (QEMU virt and Keel: 0x40200000)
 *   0x10    image_size   0x100000   bytes the loader must provide, bss and
 *                                   stack included (other copy: guest.ld
 *                                   GUEST_IMAGE_SIZE, which asserts the fit)
 *   0x18    flags        0xa        little-endian, 4 KiB pages, base may be
 *                                   anywhere in RAM
 *   0x20    res2-res4    0
 *   0x38    magic        "ARM\x64"
 *   0x3c    res5         0          no PE/COFF header
 *
 * Position: guest.ld links at 0x40200000, but the code does not depend on
 * it. It is built -fno-pie with the small code model, so every address is
 * formed PC-relative (adr/adrp), and guests.mk rejects any absolute
 * relocation in the linked image. That is what makes flag bit 3
 * ("anywhere") honest.
 *
 * Entered at EL1h with the MMU off and x0 = device-tree address.
 */

#define EXC_FRAME_SIZE 288	/* other copy: struct exc_frame, guest.h */

	.section .text.head, "ax"
	.globl	_head
_head:
	b	entry			/* code0 */
	.long	0			/* code1 */
	.quad	0x200000		/* text_offset */
	.quad	0x100000		/* image_size */
	.quad	0xa			/* flags */
	.quad	0, 0, 0			/* res2, res3, res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

entry:
	msr	daifset, #0xf
	msr	spsel, #1
	mov	x19, x0
	adrp	x1, __stack_top
	add	x1, x1, :lo12:__stack_top
	mov	sp, x1
	/* Zero .bss (8-byte aligned by guest.ld); nothing has used it yet. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	mov	x0, x19
	bl	guest_start
3:	wfi
	b	3b

/*
 * Vectors: every entry saves a struct exc_frame and calls
 * exc_dispatch(frame, vector index 0..15). The handler may change
 * frame->elr (to skip a faulting instruction) and frame->x[].
 */
.macro	ventry	index
	.balign	0x80
	sub	sp, sp, #EXC_FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\index
	b	exc_entry
.endm

	.text
	.balign	0x800
	.globl	guest_vectors
guest_vectors:
	ventry	0
	ventry	1
	ventry	2
	ventry	3
	ventry	4
	ventry	5
	ventry	6
	ventry	7
	ventry	8
	ventry	9
	ventry	10
	ventry	11
	ventry	12
	ventry	13
	ventry	14
	ventry	15

/* Frame: x0..x30 at 0..240, elr 248, spsr 256, esr 264, far 272. */
exc_entry:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el1
	stp	x30, x2, [sp, #240]
	mrs	x2, spsr_el1
	mrs	x3, esr_el1
	stp	x2, x3, [sp, #256]
	mrs	x2, far_el1
	str	x2, [sp, #272]
	mov	x0, sp
	bl	exc_dispatch
	ldp	x30, x2, [sp, #240]
	msr	elr_el1, x2
	ldr	x2, [sp, #256]
	msr	spsr_el1, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #EXC_FRAME_SIZE
	eret
