/* riscv64 exit decoding: a VS-mode trap (scause, stval, htval, htinst,
 * the trapping instruction) into one keel/abi.h exit message. Pure: no
 * CSRs, so host-testable (tests/unit/riscv64/test_exit.c). */
#ifndef RISCV64_EXIT_H
#define RISCV64_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/machine.h>
#include <keel/abi.h>

struct exit_msg {
	uint64_t label;
	uint64_t mr[6];
	unsigned len;
	unsigned ilen; /* the trapped instruction's length (a SKIP steps it) */
};

/* What the trap left: insn is the instruction at the pc as read through
 * the guest's translation (0: not read, or the read faulted). */
struct rv_trap {
	uint64_t cause, stval, htval, htinst;
	uint32_t insn;
};

/* A load or store, decoded: 1 << width_log2 bytes, register x<reg>. */
struct rv_access {
	unsigned width_log2, reg, len;
	bool write, sign;
};

/* An integer load or store, 32-bit or compressed (C.LW, C.LD, C.SW,
 * C.SD and their SP forms); false for anything else (FP, atomics). */
bool rv_decode_access(uint32_t insn, struct rv_access *a);
/* Register x<n> of a guest's struct arch_regs (x0 reads 0). */
uint64_t rv_reg_get(const struct arch_regs *r, unsigned n);
unsigned rv_reg_slot(unsigned n);
void rv_exit_decode(const struct rv_trap *tr, const struct arch_regs *r, struct exit_msg *m);

#endif
