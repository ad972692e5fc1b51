/*
 * The big kernel lock as aarch64 and riscv64 both keep it: one word, 0
 * when free, taken by a single CAS from 0 to 0x10000 (inline: the kernel
 * entry path is short). Not a ticket lock: see arch_lock_is_mine in
 * either cpu.c, which defines the word. Included by their arch/machine.h.
 */
#ifndef KEEL_LOCK_WORD_H
#define KEEL_LOCK_WORD_H

#include <stdint.h>

extern uint32_t arch_kernel_lock;

static inline _Bool arch_lock_try_inline(void)
{
	uint32_t free_word = 0;
	return __atomic_compare_exchange_n(&arch_kernel_lock, &free_word, 0x10000, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
#define ARCH_LOCK_TRY() arch_lock_try_inline()

#endif /* KEEL_LOCK_WORD_H */
