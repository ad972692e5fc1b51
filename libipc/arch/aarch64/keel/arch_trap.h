/*
 * The aarch64 trap into the Keel kernel: `svc #n` where n is the call number
 * (Linux uses `svc #0`, so Keel calls start at 1). Registers as documented in
 * keel/abi.h. Included only by keel/abi.h, found through the include path the
 * build picks for the target architecture.
 */
#ifndef KEEL_ARCH_TRAP_H
#define KEEL_ARCH_TRAP_H

#include <stdint.h>

#define KEEL_TRAP_ASM(n)                                                     \
	__asm__ volatile("svc %[num]"                                        \
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), \
			   "+r"(x5), "+r"(x6), "+r"(x7)                      \
			 : [num] "i"(n)                                      \
			 : "memory")

/* The call number must be a compile-time constant (it is an immediate). */
#define keel_trap(num, cptr, infop, mr)                                      \
	__extension__({                                                      \
		register uint64_t x0 __asm__("x0") = (cptr);                 \
		register uint64_t x1 __asm__("x1") = *(infop);               \
		register uint64_t x2 __asm__("x2") = (mr)[0];                \
		register uint64_t x3 __asm__("x3") = (mr)[1];                \
		register uint64_t x4 __asm__("x4") = (mr)[2];                \
		register uint64_t x5 __asm__("x5") = (mr)[3];                \
		register uint64_t x6 __asm__("x6") = (mr)[4];                \
		register uint64_t x7 __asm__("x7") = (mr)[5];                \
		KEEL_TRAP_ASM(num);                                          \
		*(infop) = x1;                                               \
		(mr)[0] = x2; (mr)[1] = x3; (mr)[2] = x4;                     \
		(mr)[3] = x5; (mr)[4] = x6; (mr)[5] = x7;                     \
		(long)x0;                                                    \
	})

#endif /* KEEL_ARCH_TRAP_H */
