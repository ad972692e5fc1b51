/*
 * The host "trap" for unit tests: keel_trap becomes a call to
 * fake_keel_trap, which the test program defines (tests/unit/test_libipc.c)
 * to record the call number and registers, answer canned values, or enter
 * the kernel linked against arch/fake. Same contract as the aarch64 macro:
 * *infop and mr[0..5] are in/out, the result is the status register.
 */
#ifndef KEEL_ARCH_TRAP_H
#define KEEL_ARCH_TRAP_H

#include <stdint.h>

long fake_keel_trap(unsigned num, uint64_t cptr, uint64_t *info, uint64_t *mr);

#define keel_trap(num, cptr, infop, mr) fake_keel_trap((num), (cptr), (infop), (mr))

#endif /* KEEL_ARCH_TRAP_H */
