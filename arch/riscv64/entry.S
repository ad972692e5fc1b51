/*
 * Trap entry and exit, FPU save/restore, idle loop.
 *
 * A thread runs with its own satp (user address spaces hold no kernel
 * mapping except the upper-half alias of physical memory, root entry 511:
 * mmu.c), so the trap vector runs at its alias address and reaches this
 * CPU's struct rv_tramp through sscratch, also an alias address. It
 * switches to the kernel's satp, saves the registers into the running
 * thread's struct arch_regs (first member of its TCB) and jumps to C at the
 * identity address. sscratch is 0 while the kernel runs, so a trap taken
 * in the kernel is told apart.
 *
 * struct arch_regs (machine.h): x[0] pc | x[1..31] registers, with a7 in
 * slot 5 and t0 in slot 17 | 256 sstatus | 264 scause | 272 stval
 */
#define TR_T1 0
#define TR_KSATP 8
#define TR_REGS 16
#define TR_KSTACK 24
#define TR_PERCPU 32
#define PERCPU_ESTACK 16
#define REGS_SSTATUS 256
#define REGS_SCAUSE 264
#define REGS_STVAL 272

	.text
	.balign 4
	.global rv_trap_vector
rv_trap_vector:
	csrrw	t0, sscratch, t0	/* t0 = this CPU's rv_tramp, or 0 */
	beqz	t0, kernel_trap
	sd	t1, TR_T1(t0)
	ld	t1, TR_KSATP(t0)
	csrw	satp, t1		/* the kernel's map (it has the alias too) */
	ld	t1, TR_REGS(t0)
	sd	ra, 8 * 1(t1)
	sd	sp, 8 * 2(t1)
	sd	gp, 8 * 3(t1)
	sd	tp, 8 * 4(t1)
	sd	a7, 8 * 5(t1)		/* a7 in t0's slot */
	sd	t2, 8 * 7(t1)
	sd	s0, 8 * 8(t1)
	sd	s1, 8 * 9(t1)
	sd	a0, 8 * 10(t1)
	sd	a1, 8 * 11(t1)
	sd	a2, 8 * 12(t1)
	sd	a3, 8 * 13(t1)
	sd	a4, 8 * 14(t1)
	sd	a5, 8 * 15(t1)
	sd	a6, 8 * 16(t1)
	sd	s2, 8 * 18(t1)
	sd	s3, 8 * 19(t1)
	sd	s4, 8 * 20(t1)
	sd	s5, 8 * 21(t1)
	sd	s6, 8 * 22(t1)
	sd	s7, 8 * 23(t1)
	sd	s8, 8 * 24(t1)
	sd	s9, 8 * 25(t1)
	sd	s10, 8 * 26(t1)
	sd	s11, 8 * 27(t1)
	sd	t3, 8 * 28(t1)
	sd	t4, 8 * 29(t1)
	sd	t5, 8 * 30(t1)
	sd	t6, 8 * 31(t1)
	ld	t2, TR_T1(t0)
	sd	t2, 8 * 6(t1)
	csrr	t2, sscratch
	sd	t2, 8 * 17(t1)		/* t0 in a7's slot */
	csrw	sscratch, zero
	csrr	t2, sepc
	sd	t2, 0(t1)
	csrr	t2, sstatus
	sd	t2, REGS_SSTATUS(t1)
	csrr	t2, scause
	sd	t2, REGS_SCAUSE(t1)
	csrr	t2, stval
	sd	t2, REGS_STVAL(t1)
	ld	sp, TR_KSTACK(t0)
	ld	tp, TR_PERCPU(t0)
	mv	a0, t1
	ld	t2, rv_trap_c_entry	/* an absolute (identity) address */
	jr	t2

/* A trap in the kernel: put t0 back and report it (cpu.c) on this CPU's
 * emergency stack (tp is struct percpu in the kernel), since the kernel
 * stack may be what overflowed into its guard page. */
kernel_trap:
	csrrw	t0, sscratch, t0
	ld	sp, PERCPU_ESTACK(tp)
	csrr	a0, scause
	csrr	a1, sepc
	csrr	a2, stval
	ld	t0, kernel_fault_entry
	jr	t0

	.balign 8
kernel_fault_entry:
	.dword	rv_kernel_fault

/* rv_return(regs alias, satp, tramp alias): leave the kernel into the thread
 * whose registers are at `regs` (its alias address: the identity map is gone
 * once satp is the thread's). */
	.global rv_return
rv_return:
	ld	t0, REGS_SSTATUS(a0)
	csrw	sstatus, t0
	ld	t0, 0(a0)
	csrw	sepc, t0
	csrw	sscratch, a2
	la	t0, 1f
	li	t1, 0xffffff8000000000	/* RV_ALIAS_OFFSET */
	add	t0, t0, t1
	jr	t0
1:	csrw	satp, a1
	ld	ra, 8 * 1(a0)
	ld	sp, 8 * 2(a0)
	ld	gp, 8 * 3(a0)
	ld	tp, 8 * 4(a0)
	ld	a7, 8 * 5(a0)
	ld	t1, 8 * 6(a0)
	ld	t2, 8 * 7(a0)
	ld	s0, 8 * 8(a0)
	ld	s1, 8 * 9(a0)
	ld	a1, 8 * 11(a0)
	ld	a2, 8 * 12(a0)
	ld	a3, 8 * 13(a0)
	ld	a4, 8 * 14(a0)
	ld	a5, 8 * 15(a0)
	ld	a6, 8 * 16(a0)
	ld	t0, 8 * 17(a0)
	ld	s2, 8 * 18(a0)
	ld	s3, 8 * 19(a0)
	ld	s4, 8 * 20(a0)
	ld	s5, 8 * 21(a0)
	ld	s6, 8 * 22(a0)
	ld	s7, 8 * 23(a0)
	ld	s8, 8 * 24(a0)
	ld	s9, 8 * 25(a0)
	ld	s10, 8 * 26(a0)
	ld	s11, 8 * 27(a0)
	ld	t3, 8 * 28(a0)
	ld	t4, 8 * 29(a0)
	ld	t5, 8 * 30(a0)
	ld	t6, 8 * 31(a0)
	ld	a0, 8 * 10(a0)
	sret

/* rv_guest_fetch16(gva): the halfword of guest code at gva, read through
 * the guest's VS-stage and G-stage translation as its fetch would be
 * (hlvx.hu, at the privilege hstatus.SPVP has from the guest's trap), or
 * -1 if that faults: for the read, stvec points at the instruction after
 * it, so a fault lands there with a0 still -1 (the kernel runs with
 * interrupts off: nothing else can trap). The trap's own CSRs were read
 * already; this one's overwrite them. */
	.global rv_guest_fetch16
rv_guest_fetch16:
	csrr	t2, stvec
	la	t0, 1f
	csrw	stvec, t0
	mv	t1, a0
	li	a0, -1
	.insn r 0x73, 4, 0x32, a0, t1, x3	/* hlvx.hu a0, (t1) */
	.balign 4
1:	csrw	stvec, t2
	ret

/* The idle loop runs in S-mode with interrupts on and never uses the stack. */
	.global rv_idle_loop
rv_idle_loop:
	wfi
	j	rv_idle_loop

/* rv_fpu_save(struct arch_fpu *), rv_fpu_load(const struct arch_fpu *):
 * the caller has turned sstatus.FS on. The kernel itself is built without
 * floating point; only these two use it. */
	.option push
	.option arch, +d
	.global rv_fpu_save
rv_fpu_save:
	fsd	f0, 8 * 0(a0)
	fsd	f1, 8 * 1(a0)
	fsd	f2, 8 * 2(a0)
	fsd	f3, 8 * 3(a0)
	fsd	f4, 8 * 4(a0)
	fsd	f5, 8 * 5(a0)
	fsd	f6, 8 * 6(a0)
	fsd	f7, 8 * 7(a0)
	fsd	f8, 8 * 8(a0)
	fsd	f9, 8 * 9(a0)
	fsd	f10, 8 * 10(a0)
	fsd	f11, 8 * 11(a0)
	fsd	f12, 8 * 12(a0)
	fsd	f13, 8 * 13(a0)
	fsd	f14, 8 * 14(a0)
	fsd	f15, 8 * 15(a0)
	fsd	f16, 8 * 16(a0)
	fsd	f17, 8 * 17(a0)
	fsd	f18, 8 * 18(a0)
	fsd	f19, 8 * 19(a0)
	fsd	f20, 8 * 20(a0)
	fsd	f21, 8 * 21(a0)
	fsd	f22, 8 * 22(a0)
	fsd	f23, 8 * 23(a0)
	fsd	f24, 8 * 24(a0)
	fsd	f25, 8 * 25(a0)
	fsd	f26, 8 * 26(a0)
	fsd	f27, 8 * 27(a0)
	fsd	f28, 8 * 28(a0)
	fsd	f29, 8 * 29(a0)
	fsd	f30, 8 * 30(a0)
	fsd	f31, 8 * 31(a0)
	frcsr	t0
	sd	t0, 8 * 32(a0)
	ret

	.global rv_fpu_load
rv_fpu_load:
	fld	f0, 8 * 0(a0)
	fld	f1, 8 * 1(a0)
	fld	f2, 8 * 2(a0)
	fld	f3, 8 * 3(a0)
	fld	f4, 8 * 4(a0)
	fld	f5, 8 * 5(a0)
	fld	f6, 8 * 6(a0)
	fld	f7, 8 * 7(a0)
	fld	f8, 8 * 8(a0)
	fld	f9, 8 * 9(a0)
	fld	f10, 8 * 10(a0)
	fld	f11, 8 * 11(a0)
	fld	f12, 8 * 12(a0)
	fld	f13, 8 * 13(a0)
	fld	f14, 8 * 14(a0)
	fld	f15, 8 * 15(a0)
	fld	f16, 8 * 16(a0)
	fld	f17, 8 * 17(a0)
	fld	f18, 8 * 18(a0)
	fld	f19, 8 * 19(a0)
	fld	f20, 8 * 20(a0)
	fld	f21, 8 * 21(a0)
	fld	f22, 8 * 22(a0)
	fld	f23, 8 * 23(a0)
	fld	f24, 8 * 24(a0)
	fld	f25, 8 * 25(a0)
	fld	f26, 8 * 26(a0)
	fld	f27, 8 * 27(a0)
	fld	f28, 8 * 28(a0)
	fld	f29, 8 * 29(a0)
	fld	f30, 8 * 30(a0)
	fld	f31, 8 * 31(a0)
	ld	t0, 8 * 32(a0)
	fscsr	t0
	ret
	.option pop

/* The C entry of a trap from a thread: rv_trap_from_thread, or its traced
 * copy while a trace runs (arch_trace_entry, trap.c). */
	.data
	.balign 8
	.global rv_trap_c_entry
rv_trap_c_entry:
	.dword	rv_trap_from_thread
