/* The CPU's random number instruction, aarch64: RNDR (FEAT_RNG). Root
 * builds a virtio-rng only where the boot info says the CPU has it
 * (KEEL_CPU_F_RNG); elsewhere this instruction is undefined. */
#include "../../rndr.h"

bool vrng_rndr(void *ctx, uint64_t *v)
{
	uint64_t x, ok;
	(void)ctx;
	/* RNDR is s3_3_c2_c4_0; it clears NZCV on success and sets Z (x = 0)
	 * when no random number was available in reasonable time */
	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(x), "=r"(ok) : : "cc");
	*v = x;
	return ok != 0;
}
