/*
 * Kernel stacks (cpu.c, start.S, mmu.c). Each CPU has a stack with an
 * unmapped guard page under it, so an overflow faults instead of running
 * into the stack below; the fault is reported on a small emergency stack
 * of its own (entry.S kernel_trap).
 *
 *   kernel_stacks:  | guard 0 | stack 0 ... | guard 1 | stack 1 ... | ...
 *                   <- KSTACK_STRIDE ------->
 */
#ifndef RISCV64_KSTACK_H
#define RISCV64_KSTACK_H

#define KSTACK_SIZE 16384
#define KSTACK_GUARD 4096
#define ESTACK_SIZE 2048
#define KSTACK_STRIDE (KSTACK_GUARD + KSTACK_SIZE)
/* All stacks in one 2 MiB block (one page table in mmu.c): 4 CPUs take
 * 80 KiB, aligned to 128 KiB, which divides 2 MiB. */
/* Room in start.S's table of hart ids for a late hart (rv_late_hart) */
#define RV_LATE_HARTS_MAX 8
#define KSTACK_ALIGN (128 * 1024)

#endif
