/*
 * SMC Calling Convention calls from the test guests (Arm DEN 0028).
 *
 *   function id (w0):  bit 31 fast call, bit 30 SMC64, bits 29:24 owner,
 *                      bits 15:0 function number
 *   owners used here:  0 Arm architecture, 4 standard secure (PSCI at
 *                      0x00-0x1f, SDEI at 0x20-0x3f), 5 standard
 *                      hypervisor, 6 vendor-specific hypervisor
 *
 * The callee may clobber x0-x17 (SMCCC 1.0); results come back in x0-x3.
 * If the call is UNDEFINED at EL1 (no EL2, or SMC without EL3), the
 * exception comes back to the guest; probe it (guest.h) where that can
 * happen.
 */
#ifndef GUEST_SMCCC_H
#define GUEST_SMCCC_H

#include <stdint.h>

#define PSCI_VERSION 0x84000000u
#define SMCCC_NOT_SUPPORTED (-1)
/* A vendor-specific hypervisor service nobody implements. */
#define HVC_UNKNOWN_FID (0xc6000000u | 0x1234u)

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

#define SMCCC_CLOBBERS "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", \
	"x12", "x13", "x14", "x15", "x16", "x17", "memory"

static inline struct smccc_res hvc_call(uint64_t a0, uint64_t a1, uint64_t a2,
					uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 : : SMCCC_CLOBBERS);
	return (struct smccc_res){ x0, x1, x2, x3 };
}

static inline struct smccc_res smc_call(uint64_t a0, uint64_t a1, uint64_t a2,
					uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 : : SMCCC_CLOBBERS);
	return (struct smccc_res){ x0, x1, x2, x3 };
}

#endif
