/*
 * riscv64 test guest start: the riscv Linux Image header
 * (Documentation/riscv/boot-image-header.rst), then the boot hart's entry
 * (a0 hart id, a1 device tree) and a second hart's (HSM hart_start's
 * entry, a0 hart id, a1 opaque). Both run in VS-mode with translation
 * off; traps go to guest_trap (sbi.c).
 */
	.section .text.head, "ax"
	.option push
	.option norvc
	.global _head
_head:
	j	start			/* code0 */
	.word	0			/* code1 */
	.dword	0x200000		/* text_offset */
	.dword	0x100000		/* image_size (guest.ld checks it) */
	.dword	0			/* flags: little-endian */
	.word	2			/* version 0.2 */
	.word	0
	.dword	0
	.ascii	"RISCV\0\0\0"		/* magic (deprecated) */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0
	.option pop

start:
	la	sp, __stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, guest_trap
	csrw	stvec, t0
	call	rv_main
3:	wfi
	j	3b

	.global guest_hart1_entry
guest_hart1_entry:
	la	sp, __stack1_top
	la	t0, guest_trap
	csrw	stvec, t0
	call	guest_hart1
4:	wfi
	j	4b
