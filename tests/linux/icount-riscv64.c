/*
 * icount for the riscv64 guest: print the time CSR as nanoseconds since
 * the machine started, as "[linux] icount <N>" (tests/linux/icount.c is
 * the aarch64 one and says what N is for).
 *
 * A normal static Linux program (musl). Linux lets U-mode read the time
 * CSR (scounteren.TM, for its vDSO); its frequency is the device tree's
 * /cpus/timebase-frequency, which U-mode can only read from
 * /proc/device-tree (mounted by /init before it runs this).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define ICOUNT_TIMEBASE "/proc/device-tree/cpus/timebase-frequency"

static uint64_t icount_read_time(void)
{
	uint64_t v;

	__asm__ volatile("rdtime %0" : "=r"(v) : : "memory");
	return v;
}

/* The property is one big-endian 32-bit cell; 0 if it cannot be read. */
static uint64_t icount_read_timebase(void)
{
	unsigned char b[4];
	FILE *f = fopen(ICOUNT_TIMEBASE, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n != sizeof(b))
		return 0;
	return (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
}

/* ticks * 1e9 / freq in 128 bits, as icount.c does. */
static uint64_t icount_ticks_to_ns(uint64_t ticks, uint64_t freq)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / freq);
}

int main(void)
{
	uint64_t ticks = icount_read_time();
	uint64_t freq = icount_read_timebase();

	if (freq == 0) {
		puts("[linux] icount FAIL: no " ICOUNT_TIMEBASE);
		return 1;
	}
	printf("[linux] icount %" PRIu64 "\n", icount_ticks_to_ns(ticks, freq));
	return 0;
}
