/* aarch64 exit decoding: ESR_EL2 (+ FAR/HPFAR, guest registers) into one
 * keel/abi.h exit message. Pure: no system registers, so host-testable. */
#ifndef AARCH64_EXIT_H
#define AARCH64_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/machine.h>
#include <keel/abi.h>

struct exit_msg {
	uint64_t label;
	uint64_t mr[6];
	unsigned len;
};

void aarch64_exit_decode(uint64_t esr, uint64_t far, uint64_t hpfar,
			 const struct arch_regs *r, struct exit_msg *m);

/* An HVC or SMC (call true): its function id and arguments in x0..x5.
 * Inline: the exit path decodes the most common exit itself, without
 * reading the abort registers it does not need. */
static inline void aarch64_exit_call(bool hvc, const struct arch_regs *r, struct exit_msg *m)
{
	m->label = hvc ? KEEL_EXIT_HVC : KEEL_EXIT_SMC;
	m->len = 6;
	/* paired loads and stores (the kernel has -fno-builtin, so a loop
	 * would stay a loop) */
	__builtin_memcpy(m->mr, r->x, sizeof m->mr);
}

/* A list register is taken while its interrupt is pending or active, and
 * also after the guest's EOI of one injected with an EOI request (HW = 0,
 * EOI = 1) until the maintenance interrupt has reported it: ICH_ELRSR
 * does not count it empty either. Reusing it would lose that report, and
 * the VMM would wait for it forever. (Here because it is pure.) */
bool aarch64_lr_taken(uint64_t lr);

#endif
