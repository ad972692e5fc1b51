/*
 * Kernel stacks (cpu.c, start.S, vectors.S, mmu.c). Each CPU has a stack
 * with an unmapped guard page under it, so an overflow faults instead of
 * running into whatever lies below; the fault is reported on a small
 * emergency stack of its own. tools/stack-depth.sh reads these numbers
 * (plain, one a line) and checks the deepest call chain against them.
 *
 *   kernel_stacks:  | guard 0 | stack 0 ... | guard 1 | stack 1 ... | ...
 *                   <- KSTACK_STRIDE ------->
 */
#ifndef AARCH64_KSTACK_H
#define AARCH64_KSTACK_H

#define KSTACK_SIZE 16384
#define KSTACK_GUARD 4096
#define ESTACK_SIZE 2048
#define KSTACK_STRIDE (KSTACK_GUARD + KSTACK_SIZE)
/* All stacks in one 2 MiB block (one page table in mmu.c): 4 CPUs take
 * 80 KiB, aligned to 128 KiB, which divides 2 MiB. */
#define KSTACK_ALIGN (128 * 1024)

#endif
