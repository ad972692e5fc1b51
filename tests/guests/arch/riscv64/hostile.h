/*
 * The riscv64 hostile guest (hostile.c drives the storm, hostile_ops.c
 * makes its operations).
 */
#ifndef TESTS_GUESTS_RISCV64_HOSTILE_H
#define TESTS_GUESTS_RISCV64_HOSTILE_H

#include "rv.h"

/* Where things are (tests/root/scn_rvhostile.c gives the VM these). */
#define UART 0x10000000ul /* the 16550 server, PLIC source 10 */
#define UART_SIZE 0x1000ul
#define UART_SOURCE 10u
#define PLIC 0x0c000000ul /* the VMM's PLIC model */
#define PLIC_SIZE 0x4000000ul /* QEMU virt's window; the model's registers are the
			       * first 0x200000 + 0x1000 per context */
#define PLIC_CLAIM(ctx) (PLIC + 0x200004 + 0x1000ul * (ctx))

/* The operations, each counted (struct storm_counts.ops[]) */
enum op_kind {
	OP_LOAD, OP_STORE, OP_CLOAD, OP_CSTORE, OP_FP, OP_AMO, OP_UART, OP_CSR, OP_PRIV,
	OP_SBI, OP_WFI, OP_IPI, OP_HSM, OP_KINDS
};

/* Traps by scause (0..23; anything higher counts in 23), interrupts. */
#define TRAP_CAUSES 24
struct storm_counts {
	unsigned long ops[OP_KINDS];
	unsigned long traps[TRAP_CAUSES];
	unsigned long soft, timer, ext, ext_claimed, ext_masked;
	unsigned long sbi_err, sbi_ok;
};

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static inline uint64_t rng_below(struct rng *r, uint64_t n) { return rng_next(r) % n; }

/* The guest's RAM (from the command line): accesses there are left out. */
struct guest_ram {
	unsigned long base, size;
};

/* hostile_ops.c: one operation of the given kind on hart h's counts;
 * each may trap, and the trap handler (hostile.c) counts and steps over
 * the instruction. */
void storm_op(unsigned h, enum op_kind k, struct rng *r, const struct guest_ram *ram);
/* A random SBI call that cannot end this hart or the VM (no hart_stop,
 * no valid SRST type); DBCN only with output that is harmless. */
void storm_sbi(unsigned h, struct rng *r, const struct guest_ram *ram, bool print);
/* An IPI or RFENCE, to the other hart or with garbage masks and bases. */
void storm_ipi(unsigned h, struct rng *r);
/* HSM with bad arguments (never hart_stop). */
void storm_hsm(struct rng *r, const struct guest_ram *ram);

extern struct storm_counts counts[2];
extern volatile unsigned long trap_last_cause[2];

#endif
