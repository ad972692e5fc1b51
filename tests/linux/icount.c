/*
 * icount: print the guest's virtual counter as nanoseconds since the
 * machine started, as "[linux] icount <N>".
 *
 * Under QEMU's -icount shift=0 one instruction takes 1 ns of virtual time,
 * so N is the number of instructions executed since reset: the Linux
 * guest's /init runs this first, and tools/bench.sh and
 * tests/linux/run-bare.sh --bench read the line as the boot cost.
 *
 * A normal static Linux program (musl). Linux lets EL0 read CNTVCT_EL0 and
 * CNTFRQ_EL0 (it sets CNTKCTL_EL1.EL0VCTEN for its vDSO), so no system call
 * is needed to read the time.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t icount_read_cntvct(void)
{
	uint64_t v;

	/* The ISB keeps the read from being hoisted before earlier work. */
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t icount_read_cntfrq(void)
{
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

/* ticks * 1e9 / freq without overflow: ticks * 1e9 overflows 64 bits
 * after about 18 s of counting, so the product is taken in 128 bits. */
static uint64_t icount_ticks_to_ns(uint64_t ticks, uint64_t freq)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / freq);
}

int main(void)
{
	uint64_t ticks = icount_read_cntvct();
	uint64_t freq = icount_read_cntfrq();

	if (freq == 0) {
		puts("[linux] icount FAIL: CNTFRQ_EL0 is 0");
		return 1;
	}
	printf("[linux] icount %" PRIu64 "\n", icount_ticks_to_ns(ticks, freq));
	return 0;
}
