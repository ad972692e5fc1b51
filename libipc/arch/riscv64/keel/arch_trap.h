/*
 * The riscv64 trap into the Keel kernel: `ecall` with a7 = KEEL_RV_SYS_BASE
 * + the call number. Any other a7 is a Linux system call (a7 = its number,
 * all below 0x1000), which the kernel forwards as a fault (KEEL_SYS_LINUX).
 * The registers of keel/abi.h map as: x0..x1 -> a0..a1, MR0..MR4 -> a2..a6,
 * MR5 -> t0. Included only by keel/abi.h, found through the include path the
 * build picks for the target architecture.
 */
#ifndef KEEL_ARCH_TRAP_H
#define KEEL_ARCH_TRAP_H

#include <stdint.h>

#define KEEL_RV_SYS_BASE 0x4b450000ull /* "KE": far above Linux's numbers */

#define KEEL_TRAP_ASM(n)                                                     \
	__asm__ volatile("ecall"                                             \
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), \
			   "+r"(x5), "+r"(x6), "+r"(x7)                      \
			 : "r"(nr)                                           \
			 : "memory")

/* The call number must be a compile-time constant, as on aarch64. */
#define keel_trap(num, cptr, infop, mr)                                      \
	__extension__({                                                      \
		register uint64_t x0 __asm__("a0") = (cptr);                 \
		register uint64_t x1 __asm__("a1") = *(infop);               \
		register uint64_t x2 __asm__("a2") = (mr)[0];                \
		register uint64_t x3 __asm__("a3") = (mr)[1];                \
		register uint64_t x4 __asm__("a4") = (mr)[2];                \
		register uint64_t x5 __asm__("a5") = (mr)[3];                \
		register uint64_t x6 __asm__("a6") = (mr)[4];                \
		register uint64_t x7 __asm__("t0") = (mr)[5];                \
		register uint64_t nr __asm__("a7") = KEEL_RV_SYS_BASE + (num); \
		KEEL_TRAP_ASM(num);                                          \
		*(infop) = x1;                                               \
		(mr)[0] = x2; (mr)[1] = x3; (mr)[2] = x4;                     \
		(mr)[3] = x5; (mr)[4] = x6; (mr)[5] = x7;                     \
		(long)x0;                                                    \
	})

#endif /* KEEL_ARCH_TRAP_H */
