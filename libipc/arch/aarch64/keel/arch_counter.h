/*
 * The CPU's free-running counter, readable by user programs on aarch64
 * (the generic timer's virtual count: CNTKCTL_EL1 lets EL0 read it).
 * Servers that measure time or back off use these, not inline assembly,
 * so that their source builds for every architecture (each has its own
 * libipc/arch/<arch>/keel/arch_counter.h).
 */
#ifndef KEEL_ARCH_COUNTER_H
#define KEEL_ARCH_COUNTER_H

#include <stdint.h>

/* The count now; the isb keeps it from being read early. */
static inline uint64_t keel_arch_counter(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

/* Counts per second. */
static inline uint64_t keel_arch_counter_freq(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

#endif /* KEEL_ARCH_COUNTER_H */
