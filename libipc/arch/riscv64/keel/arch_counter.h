/*
 * The CPU's free-running counter, readable by user programs on riscv64:
 * the time CSR (the kernel sets scounteren.TM). Its frequency is the
 * device tree's timebase-frequency, which the kernel passes in the boot
 * info (timer_hz); QEMU virt's is 10 MHz, the value returned here.
 */
#ifndef KEEL_ARCH_COUNTER_H
#define KEEL_ARCH_COUNTER_H

#include <stdint.h>

static inline uint64_t keel_arch_counter(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v) : : "memory");
	return v;
}

/* Counts per second (QEMU virt's timebase; the boot info has the
 * machine's own). */
static inline uint64_t keel_arch_counter_freq(void)
{
	return 10000000;
}

#endif /* KEEL_ARCH_COUNTER_H */
