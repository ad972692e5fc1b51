/* Guest "hostile": the parts of its storm (hostile.c drives them). */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdint.h>

#include "lib/guest.h"

/* Number of distinct trapped system-register operations. */
#define SYSREG_OPS 54

/* Runs system-register operation `op` (0 .. SYSREG_OPS-1) with value v
 * (for writes); true if it raised an exception, recorded in *f. */
bool sysreg_poke(unsigned op, uint64_t v, struct fault *f);

/* A random SMCCC function id, minus the calls that would stop, reset or
 * suspend this VM or start a CPU at a random address. */
uint32_t hostile_fid(uint64_t r);

/* One HVC or SMC (imm chosen by r) under a probe; true if it raised. */
bool hostile_call(bool smc, uint64_t r, uint64_t x0, uint64_t x1,
		  struct fault *f);

#endif
