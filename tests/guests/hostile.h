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

/* hostile_soak.c. Accesses no syndrome describes, kind 0..ODD_KINDS-1:
 * exclusive loads and stores, LSE atomics, unaligned (at addr | 1, 4 or
 * 8 bytes); under a probe, true if it raised. */
#define ODD_EXCLUSIVE 0u /* LDXR, LDAXR, STXR, STLXR */
#define ODD_ATOMIC 4u    /* LDADD, SWPAL, CAS */
#define ODD_UNALIGNED 7u /* LDR w, STR x */
#define ODD_KINDS 9u
bool hostile_odd_access(uint64_t addr, unsigned kind, uint64_t v, struct fault *f);

/* The second vCPU's storm (SGI floods, WFI/WFE, PSCI with bad
 * arguments): started by CPU_ON, true once it runs; its counts. */
bool hostile_cpu1_start(void);
extern volatile uint64_t hostile_cpu1_ops, hostile_cpu1_sgis, hostile_cpu1_waits,
	hostile_cpu1_psci;

/* "ops=N" in the VM's command line, or 0. */
uint64_t hostile_soak_ops(const char *args);

#endif
