/*
 * The system-register half of the hostile guest: accesses a hypervisor
 * traps (HCR_EL2.TSW/TACR/TIDCP/TID1-3/TVM/TTLB/TLOR, MDCR_EL2.TPM/TDA/
 * TDOSA, CNTHCTL_EL2 for the physical timer, the GICv3 SGI registers) or
 * that are UNDEFINED at EL1 (EL2/EL3 registers, unallocated encodings).
 * Each is one instruction, so a probe can skip it (guest.h).
 *
 * MDSCR_EL1 is written only with SS and MDE (software step, breakpoints):
 * left to the hardware, they would single-step or break the EL0 threads
 * that run after the guest on that CPU (its VMM), not the guest itself.
 * Likewise SCTLR_EL1.E0E (EL0 big-endian), set on top of the guest's own
 * SCTLR_EL1 (a read, then a write): the guest has no EL0, but its VMM
 * would load and store byte-reversed if the hypervisor left it in place.
 *
 * Left out on purpose, because they would break the guest rather than
 * test the hypervisor: other SCTLR_EL1 bits, VBAR_EL1, SP/ELR/SPSR, other
 * MDSCR_EL1 bits, CPACR_EL1, OSDLR_EL1 writes, CNTFRQ_EL0 writes (the heartbeat uses it).
 */
#include "hostile.h"

#define RD(reg) __asm__ volatile("mrs %0, " reg : "=r"(v) : : "memory")
#define WR(reg) __asm__ volatile("msr " reg ", %0" : : "r"(v) : "memory")
#define SYS(insn) __asm__ volatile(insn : : "r"(v) : "memory")

static void poke(unsigned op, uint64_t v)
{
	switch (op) {
	/* GICv3 SGI generation (always trapped under virtualisation) */
	case 0: WR("icc_sgi1r_el1"); break;
	case 1: WR("icc_sgi0r_el1"); break;
	case 2: WR("icc_asgi1r_el1"); break;
	/* GICv3 CPU interface (virtual one under a hypervisor) */
	case 3: RD("icc_iar1_el1"); break;
	case 4: WR("icc_eoir1_el1"); break;
	case 5: WR("icc_dir_el1"); break;
	case 6: RD("icc_hppir1_el1"); break;
	case 7: WR("icc_sre_el1"); break;
	case 8: RD("icc_ctlr_el1"); break;
	/* EL1 physical timer */
	case 9: RD("cntp_ctl_el0"); break;
	case 10: WR("cntp_ctl_el0"); break;
	case 11: RD("cntp_cval_el0"); break;
	case 12: WR("cntp_cval_el0"); break;
	case 13: RD("cntp_tval_el0"); break;
	case 14: WR("cntp_tval_el0"); break;
	case 15: RD("cntpct_el0"); break;
	case 16: WR("cntkctl_el1"); break;
	/* implementation defined (HCR_EL2.TIDCP) */
	case 17: RD("s3_1_c15_c2_0"); break; /* CPUACTLR_EL1 on A57/A72 */
	case 18: WR("s3_1_c15_c2_0"); break;
	case 19: RD("s3_1_c15_c2_1"); break; /* CPUECTLR_EL1 */
	case 20: RD("s3_1_c11_c0_2"); break; /* L2CTLR_EL1 */
	case 21: WR("s3_1_c11_c0_2"); break;
	case 22: RD("s3_0_c15_c0_0"); break;
	case 23: WR("s3_3_c15_c15_7"); break;
	case 24: RD("s3_7_c15_c1_0"); break;
	/* auxiliary control, ID and cache-geometry registers */
	case 25: RD("actlr_el1"); break;
	case 26: WR("actlr_el1"); break;
	case 27: RD("id_aa64pfr0_el1"); break;
	case 28: RD("s3_0_c0_c7_7"); break; /* reserved ID space */
	case 29: RD("aidr_el1"); break;
	case 30: RD("revidr_el1"); break;
	case 31: WR("csselr_el1"); break;
	case 32: RD("ccsidr_el1"); break;
	case 33: RD("s3_0_c10_c4_7"); break; /* LORID_EL1 */
	/* performance monitors and debug */
	case 34: RD("pmcr_el0"); break;
	case 35: WR("pmcr_el0"); break;
	case 36: RD("pmccntr_el0"); break;
	case 37: WR("pmselr_el0"); break;
	case 38: RD("pmxevtyper_el0"); break;
	case 39: WR("oslar_el1"); break;
	case 40: RD("osdlr_el1"); break;
	case 41: WR("dbgbvr0_el1"); break;
	case 42: WR("dbgbcr0_el1"); break;
	case 43: RD("mdccsr_el0"); break;
	case 51: v = 1u | 1u << 15; WR("mdscr_el1"); break; /* SS | MDE */
	case 52: RD("sctlr_el1"); v |= 1u << 24; WR("sctlr_el1"); break; /* E0E */
	/* set/way maintenance and TLB invalidation */
	case 44: SYS("dc cisw, %0"); break;
	case 45: SYS("dc isw, %0"); break;
	case 46: __asm__ volatile("tlbi vmalle1is" ::: "memory"); break;
	/* virtual-memory controls (HCR_EL2.TVM; the MMU stays off) */
	case 47: WR("contextidr_el1"); break;
	case 48: WR("mair_el1"); break;
	case 49: WR("ttbr0_el1"); break;
	/* EL2 and EL3 registers: UNDEFINED at EL1 */
	case 50: RD("s3_4_c1_c1_0"); break;  /* HCR_EL2 */
	default: WR("s3_4_c14_c0_3"); break; /* CNTVOFF_EL2 */
	}
}

bool sysreg_poke(unsigned op, uint64_t v, struct fault *f)
{
	probe_begin();
	poke(op % SYSREG_OPS, v);
	return probe_end(f);
}
