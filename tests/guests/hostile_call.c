/*
 * The hypercall half of the hostile guest: HVC and SMC with random
 * function ids and arguments (SMCCC layout: lib/smccc.h).
 */
#include "hostile.h"
#include "lib/smccc.h"

#define OWNER(fid) (((fid) >> 24) & 0x3f)
#define FAST(fid) ((fid) >> 31)
#define OWNER_STD_SECURE 4 /* PSCI, SDEI */
#define OWNER_STD_HYP 5    /* paravirtualised time */

/*
 * Refused calls, by function number, all fast calls:
 *   owner 4  PSCI 0x01 CPU_SUSPEND, 0x02 CPU_OFF, 0x03 CPU_ON, 0x05 MIGRATE,
 *            0x08 SYSTEM_OFF, 0x09 SYSTEM_RESET, 0x0b CPU_FREEZE,
 *            0x0c CPU_DEFAULT_SUSPEND, 0x0e SYSTEM_SUSPEND,
 *            0x12 SYSTEM_RESET2, 0x15 SYSTEM_OFF2;
 *            SDEI 0x20-0x3f (registers handlers at random addresses)
 *   owner 5  0x21 PV_TIME_ST (the hypervisor writes to a random address)
 * A hypervisor reads only w0, so the check is on the low 32 bits.
 */
static bool refused(uint32_t fid)
{
	uint32_t num = fid & 0xffff;
	const uint32_t psci_stop = 1u << 0x01 | 1u << 0x02 | 1u << 0x03 |
				   1u << 0x05 | 1u << 0x08 | 1u << 0x09 |
				   1u << 0x0b | 1u << 0x0c | 1u << 0x0e |
				   1u << 0x12 | 1u << 0x15;

	if (!FAST(fid))
		return false;
	if (OWNER(fid) == OWNER_STD_SECURE)
		return (num < 32 && (psci_stop >> num & 1)) ||
		       (num >= 0x20 && num <= 0x3f);
	return OWNER(fid) == OWNER_STD_HYP && num == 0x21;
}

/* A quarter each: anything, PSCI, Arm architecture calls, vendor hyp. */
uint32_t hostile_fid(uint64_t r)
{
	uint32_t fid, smc64 = (uint32_t)(r >> 8 & 1) << 30;

	switch (r & 3) {
	case 0:
		fid = (uint32_t)(r >> 32);
		break;
	case 1:
		fid = 0x84000000u | smc64 | (uint32_t)(r >> 16 & 0x1f);
		break;
	case 2:
		fid = 0x80000000u | (uint32_t)(r >> 16 & 0xffff);
		break;
	default:
		fid = 0x86000000u | smc64 | (uint32_t)(r >> 16 & 0xffff);
		break;
	}
	return refused(fid) ? PSCI_VERSION : fid;
}

/* The SMCCC immediate should be 0; try 1 and 0xffff as well. */
static void hvc_imm(unsigned which, uint64_t x0, uint64_t x1)
{
	register uint64_t r0 __asm__("x0") = x0;
	register uint64_t r1 __asm__("x1") = x1;

	switch (which) {
	case 0:
		__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1) : : SMCCC_CLOBBERS,
				 "x2", "x3");
		break;
	case 1:
		__asm__ volatile("hvc #1" : "+r"(r0), "+r"(r1) : : SMCCC_CLOBBERS,
				 "x2", "x3");
		break;
	default:
		__asm__ volatile("hvc #0xffff" : "+r"(r0), "+r"(r1) : :
				 SMCCC_CLOBBERS, "x2", "x3");
		break;
	}
}

static void smc_imm(unsigned which, uint64_t x0, uint64_t x1)
{
	register uint64_t r0 __asm__("x0") = x0;
	register uint64_t r1 __asm__("x1") = x1;

	if (which == 0)
		__asm__ volatile("smc #0" : "+r"(r0), "+r"(r1) : : SMCCC_CLOBBERS,
				 "x2", "x3");
	else
		__asm__ volatile("smc #0xffff" : "+r"(r0), "+r"(r1) : :
				 SMCCC_CLOBBERS, "x2", "x3");
}

bool hostile_call(bool smc, uint64_t r, uint64_t x0, uint64_t x1,
		  struct fault *f)
{
	unsigned which = (r >> 40 & 7) < 6 ? 0 : 1 + (unsigned)(r >> 43 & 1);

	probe_begin();
	if (smc)
		smc_imm(which, x0, x1);
	else
		hvc_imm(which, x0, x1);
	return probe_end(f);
}
