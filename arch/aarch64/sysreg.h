/*
 * aarch64 system-register access, the names of the register fields the
 * kernel uses, and the EL2 configuration built from them. Every field is
 * named here; arch/aarch64 code writes no bare shifts into a system
 * register. Bit numbers are from the Arm ARM (DDI 0487). Also included by
 * start.S (__ASSEMBLY__): only #defines below the C part, built with U64()
 * so that the assembler sees plain numbers.
 */
#ifndef AARCH64_SYSREG_H
#define AARCH64_SYSREG_H

#ifdef __ASSEMBLY__
#define U64(x) x
#else
#include <stdint.h>
#define U64(x) x##ull
#define sysreg_read(r) sysreg_read_(r)
#define sysreg_write(r, v) sysreg_write_(r, v)
/* Two levels so that a register name below (ICH_HCR_EL2) expands to its
 * encoding before it is pasted into the instruction. */
#define sysreg_read_(r) __extension__({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define sysreg_write_(r, v) __asm__ volatile("msr " #r ", %0" :: "r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#endif

#define BIT64(n) (U64(1) << (n))

/*
 * HCR_EL2, hypervisor configuration (only the bits Keel sets):
 *
 *   bit  name   meaning when 1
 *   ---  -----  ---------------------------------------------------------
 *    0   VM     stage-2 translation on
 *    1   SWIO   set/way invalidate acts as clean+invalidate
 *    3   FMO    FIQs go to EL2 (virtual FIQ for the guest)
 *    4   IMO    IRQs go to EL2 (virtual IRQ for the guest)
 *    5   AMO    SErrors go to EL2
 *    9   FB     broadcast TLB and I-cache maintenance (inner shareable)
 *   10   BSU0   barrier shareability upgrade [11:10] = 01, inner shareable
 *   12   DC     stage 1 off is treated as Normal cacheable
 *   13   TWI    WFI traps to EL2
 *   14   TWE    WFE traps to EL2
 *   19   TSC    SMC traps to EL2
 *   20   TIDCP  implementation-defined system registers trap
 *   27   TGE    EL0 runs as a host application (exceptions go to EL2)
 *   31   RW     EL1 is AArch64
 */
#define HCR_VM BIT64(0)
#define HCR_SWIO BIT64(1)
#define HCR_FMO BIT64(3)
#define HCR_IMO BIT64(4)
#define HCR_AMO BIT64(5)
#define HCR_FB BIT64(9)
#define HCR_BSU_IS BIT64(10)
#define HCR_DC BIT64(12)
#define HCR_TWI BIT64(13)
#define HCR_TWE BIT64(14)
#define HCR_TSC BIT64(19)
#define HCR_TIDCP BIT64(20)
#define HCR_TGE BIT64(27)
#define HCR_RW BIT64(31)
#define HCR_FWB BIT64(46)
/* While a user-level (native) thread runs: EL0 under TGE, stage 1 off,
 * stage 2 = the thread's vspace. Stage 1 off means Device memory unless
 * something makes it Normal: FWB (stage 2 forces write-back, mmu.c) where
 * the CPU has FEAT_S2FWB, else DC. FWB is also set for guests, so the
 * switch between the two changes no bit QEMU flushes its TLB for
 * (VM, DC, FWB, PTW: docs/performance.md); aarch64_hcr picks. */
#define HCR_NATIVE_BASE (HCR_VM | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TSC | HCR_TGE | HCR_RW)
/* While a guest runs: stage 2 on, interrupts to EL2, WFI/WFE/SMC/IMPDEF
 * traps. TWE: a guest's WFE traps and yields the CPU (trap.c), so a vCPU spinning
 * on a lock whose holder waits for this CPU lets it run instead of burning
 * its time slice (docs/performance.md). */
#define HCR_GUEST_BASE (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | \
			HCR_TWI | HCR_TWE | HCR_TSC | HCR_TIDCP | HCR_RW)
/* ID_AA64MMFR2_EL1.FWB [43:40]: 1 = FEAT_S2FWB */
#define ID_MMFR2_FWB_SHIFT 40
#define ID_MMFR2_FWB_MASK U64(0xf)

/*
 * VTCR_EL2, stage-2 translation control, and TCR_EL2 (EL2's own stage 1):
 *
 *   bits     VTCR_EL2          TCR_EL2           Keel's value
 *   -------  ----------------  ----------------  ----------------------------
 *   [5:0]    T0SZ              T0SZ              25: 39-bit address space
 *   [7:6]    SL0               -                 1: walks start at level 1
 *   [9:8]    IRGN0             IRGN0             1: inner write-back
 *   [11:10]  ORGN0             ORGN0             1: outer write-back
 *   [13:12]  SH0               SH0               3: inner shareable
 *   [15:14]  TG0               TG0               0: 4 KiB granule
 *   [18:16]  PS                PS                2: 40-bit physical addresses
 *   23       -                 RES1
 *   31       RES1              RES1
 * Sync with arch_pt_index in mmu.c.
 */
#define TCR_T0SZ_39BIT U64(25)
#define VTCR_SL0_L1 (U64(1) << 6)
#define TCR_IRGN0_WB (U64(1) << 8)
#define TCR_ORGN0_WB (U64(1) << 10)
#define TCR_SH0_INNER (U64(3) << 12)
#define TCR_PS_40BIT (U64(2) << 16)
#define TCR_EL2_RES1 (BIT64(23) | BIT64(31))
#define VTCR_RES1 BIT64(31)
#define TCR_COMMON (TCR_T0SZ_39BIT | TCR_IRGN0_WB | TCR_ORGN0_WB | TCR_SH0_INNER | TCR_PS_40BIT)
#define VTCR_VALUE (TCR_COMMON | VTCR_SL0_L1 | VTCR_RES1)
#define TCR_EL2_VALUE (TCR_COMMON | TCR_EL2_RES1)

/* MAIR_EL2: attribute index 0 Device-nGnRnE (0x00), index 1 Normal
 * write-back (0xff); mmu.c's block descriptors pick them by AttrIndx. */
#define MAIR_ATTR_DEVICE_NGNRNE U64(0x00)
#define MAIR_ATTR_NORMAL_WB U64(0xff)
#define MAIR_EL2_VALUE (MAIR_ATTR_DEVICE_NGNRNE | MAIR_ATTR_NORMAL_WB << 8)

/*
 * SCTLR_EL2 (E2H = 0) and SCTLR_EL1, system control:
 *
 *   bit  SCTLR_EL2        SCTLR_EL1
 *   ---  ---------------  -------------------------------------------
 *    0   M  MMU on        M
 *    2   C  data cache    C
 *    3   SA stack align   SA
 *    4,5 RES1             (SA0, CP15BEN: 0)
 *   11   RES1             RES1
 *   12   I  I-cache       I
 *   14   -                DZE   EL0 may use DC ZVA
 *   15   -                UCT   EL0 may read CTR_EL0
 *   16   RES1             nTWI  EL0 WFI does not trap
 *   18   RES1             nTWE  EL0 WFE does not trap
 *   20   -                RES1 (TSCXT)
 *   22   RES1             RES1 (EIS)
 *   23   RES1             RES1 (SPAN)
 *   26   -                UCI   EL0 may do cache maintenance
 *   28   RES1             RES1 (nTLSMD)
 *   29   RES1             RES1 (LSMAOE)
 */
#define SCTLR_M BIT64(0)
#define SCTLR_C BIT64(2)
#define SCTLR_SA BIT64(3)
#define SCTLR_I BIT64(12)
#define SCTLR_EL2_RES1 (BIT64(4) | BIT64(5) | BIT64(11) | BIT64(16) | BIT64(18) | \
			BIT64(22) | BIT64(23) | BIT64(28) | BIT64(29))
#define SCTLR_EL2_VALUE (SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I)
#define SCTLR_EL1_DZE BIT64(14)
#define SCTLR_EL1_UCT BIT64(15)
#define SCTLR_EL1_NTWI BIT64(16)
#define SCTLR_EL1_NTWE BIT64(18)
#define SCTLR_EL1_UCI BIT64(26)
#define SCTLR_EL1_A BIT64(1)
#define SCTLR_EL1_E0E BIT64(24)
/* RES1 bits only: the architectural reset value as Keel gives a vCPU
 * (MMU and caches off). */
#define SCTLR_EL1_RES1 (BIT64(11) | BIT64(20) | BIT64(22) | BIT64(23) | BIT64(28) | BIT64(29))
/* The bits that still govern EL0 under TGE: cache-type and cache
 * maintenance access, DC ZVA, WFI/WFE not trapped. */
#define SCTLR_EL1_VALUE (SCTLR_EL1_RES1 | SCTLR_EL1_DZE | SCTLR_EL1_UCT | SCTLR_EL1_NTWI | \
			 SCTLR_EL1_NTWE | SCTLR_EL1_UCI)

/*
 * CPTR_EL2 (E2H = 0), trap FP/SIMD:  [9:0] RES1, 10 TFP (trap FP/SIMD),
 * [13:12] RES1.   CPACR_EL1:  [21:20] FPEN, 3 = EL0/EL1 FP/SIMD untrapped.
 */
#define CPTR_RES1 (U64(0x3ff) | BIT64(12) | BIT64(13))
#define CPTR_TFP BIT64(10)
#define CPACR_FPEN_NONE (U64(3) << 20)

/*
 * MDCR_EL2, debug and PMU traps:
 *  [4:0] HPMN   event counters EL1/EL0 may use (the rest are EL2's)
 *    5 TPMCR  PMCR_EL0 traps          9 TDA    debug registers trap
 *    6 TPM    PMU registers trap     10 TDOSA  OS lock/power registers trap
 *                                    11 TDRA   debug ROM address traps
 *   17 HPMD   the guest's event counters do not count at EL2
 *   23 HCCD   nor does the cycle counter (FEAT_PMUv3p5; RES0 before)
 * PMCR_EL0: [15:11] N, the number of event counters.
 * ID_AA64DFR0_EL1: [11:8] PMUVer, 6 or more (but 0xf): FEAT_PMUv3p5.
 */
#define MDCR_HPMN_MASK U64(0x1f)
#define MDCR_TPMCR BIT64(5)
#define MDCR_TPM BIT64(6)
#define MDCR_TDA BIT64(9)
#define MDCR_TDOSA BIT64(10)
#define MDCR_TDRA BIT64(11)
#define MDCR_HPMD BIT64(17)
#define MDCR_HCCD BIT64(23)
#define ID_DFR0_PMUVER(v) ((v) >> 8 & 0xf)
#define ID_DFR0_PMUV3P5 6u
#define MDCR_DEBUG_TRAPS (MDCR_TDRA | MDCR_TDOSA | MDCR_TDA)
#define PMCR_N_SHIFT 11
#define PMCR_N_MASK U64(0x1f)

/*
 * Generic timer controls:
 *   CNTHCTL_EL2 (E2H = 0): 0 EL1PCTEN  EL1/EL0 may read CNTPCT_EL0
 *                          1 EL1PCEN   EL1/EL0 may use the physical timer
 *   CNTKCTL_EL1:           0 EL0PCTEN  EL0 may read CNTPCT_EL0
 *                          1 EL0VCTEN  EL0 may read CNTVCT_EL0
 *   CNTx_CTL_EL0:          0 ENABLE    1 IMASK    2 ISTATUS
 */
#define CNTHCTL_EL1PCTEN BIT64(0)
#define CNTHCTL_EL1PCEN BIT64(1)
#define CNTKCTL_EL0PCTEN BIT64(0)
#define CNTKCTL_EL0VCTEN BIT64(1)
#define CNT_CTL_ENABLE BIT64(0)
#define CNT_CTL_IMASK BIT64(1)

/*
 * SPSR_ELx, the saved PSTATE:
 *   [3:0] M  mode: 0 EL0t, 4 EL1t, 5 EL1h, 8 EL2t, 9 EL2h
 *   4     M[4]: 1 = AArch32       6 F   7 I   8 A   9 D  (masks)
 *   [63:32] RES0
 */
#define SPSR_MODE_MASK U64(0xf)
#define SPSR_MODE_AARCH32 BIT64(4)
#define SPSR_MODE_EL0T U64(0)
#define SPSR_MODE_EL1T U64(4)
#define SPSR_MODE_EL1H U64(5)
#define SPSR_MODE_EL2H U64(9)
#define SPSR_F BIT64(6)
#define SPSR_I BIT64(7)
#define SPSR_A BIT64(8)
#define SPSR_D BIT64(9)
#define SPSR_EL2H_IRQ_ON (SPSR_D | SPSR_A | SPSR_F | SPSR_MODE_EL2H) /* IRQ unmasked */
#define SPSR_EL0 SPSR_MODE_EL0T
#define SPSR_EL1H_MASKED (SPSR_D | SPSR_A | SPSR_I | SPSR_F | SPSR_MODE_EL1H)

/* VBAR_EL1 vector offsets of a synchronous exception, by where it came
 * from: the current EL with SP_EL0, with SP_ELx, or a lower AArch64 EL. */
#define VBAR_SYNC_CUR_SP0 U64(0x000)
#define VBAR_SYNC_CUR_SPX U64(0x200)
#define VBAR_SYNC_LOWER_A64 U64(0x400)

/*
 * ESR_ELx, exception syndrome:
 *
 *   31     26 25 24                                                     0
 *  +---------+--+--------------------------------------------------------+
 *  |   EC    |IL|                         ISS                            |
 *  +---------+--+--------------------------------------------------------+
 *
 * ISS of a data abort (EC 0x24 lower EL, 0x25 current EL):
 *   24 ISV  [23:22] SAS (log2 width)  21 SSE  [20:16] SRT  15 SF (64-bit
 *   register)  10 FnV (FAR not valid)  6 WnR  [5:0] DFSC (0x10: synchronous
 *   external abort)
 * ISS of WFx (EC 0x01): 0 TI (1 = WFE).
 * ISS of SVC and HVC (EC 0x15, 0x16): [15:0] the immediate (Keel's call
 *   number).
 * ISS of a trapped MSR/MRS (EC 0x18): [9:5] Rt, 0 direction (1 = read).
 * HPFAR_EL2: [43:4] FIPA, bits [51:12] of the faulting IPA.
 */
#define ESR_EC_SHIFT 26
#define ESR_EC(esr) ((esr) >> ESR_EC_SHIFT)
#define ESR_IL BIT64(25)
#define ESR_ISS_MASK U64(0x1ffffff)
#define ESR_ISS_IMM16 U64(0xffff)
#define ESR_DABT_ISV BIT64(24)
#define ESR_DABT_SAS_SHIFT 22
#define ESR_DABT_SAS_MASK U64(3)
#define ESR_DABT_SSE BIT64(21)
#define ESR_DABT_SRT_SHIFT 16
#define ESR_DABT_SF BIT64(15)
#define ESR_DABT_FNV BIT64(10)
#define ESR_DABT_WNR BIT64(6)
#define ESR_DFSC_SYNC_EXT U64(0x10)
#define ESR_WFX_TI_WFE BIT64(0)
#define ESR_SYSREG_RT_SHIFT 5
#define ESR_SYSREG_READ BIT64(0)
#define ESR_REG_MASK U64(0x1f)
#define HPFAR_FIPA_MASK U64(0xfffffffff0)
#define HPFAR_FIPA_SHIFT 8 /* (HPFAR & FIPA_MASK) << 8 = IPA page */
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP 0x07
#define EC_SVC64 0x15
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25

/* VTTBR_EL2: [55:48] VMID, [47:1] BADDR (the stage-2 root table).
 * DCZID_EL0: [3:0] BS, log2 of the DC ZVA block size in words. */
#define VTTBR_VMID_SHIFT 48
#define DCZID_BS_MASK U64(0xf)

/* MPIDR_EL1 / VMPIDR_EL2: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0
 * [7:0]; bit 31 RES1. */
#define MPIDR_AFF_MASK U64(0xff00ffffff)
#define MPIDR_AFF0_2_MASK U64(0xffffff)
#define MPIDR_RES1 BIT64(31)
#define MPIDR_AFF1_SHIFT 8
#define MPIDR_AFF2_SHIFT 16
#define MPIDR_AFF3_SHIFT 32

/*
 * GICv3 CPU interface (ICC_*) and virtualisation (ICH_*) registers, by
 * their encodings (op0_op1_CRn_CRm_op2) since the assembler may not know
 * the names without the GIC extension.
 */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICH_AP0R0_EL2 S3_4_C12_C8_0
#define ICH_AP1R0_EL2 S3_4_C12_C9_0
#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_EISR_EL2 S3_4_C12_C11_3
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7
/* ICH_LR<n>_EL2: S3_4_C12_C12_<n> for n < 8, S3_4_C12_C13_<n-8> above
 * (vcpu.c's lr_access pastes them). */

/* ICC_SRE_EL2: 0 SRE (system-register interface), 1 DFB, 2 DIB, 3 Enable
 * (EL1 may use its own SRE). ICC_CTLR_EL1: 1 EOImode (EOIR drops the
 * priority only, DIR deactivates). ICC_IGRPEN1_EL1: 0 Enable. ICC_PMR_EL1:
 * [7:0] priority mask. ICC_IAR1_EL1: [23:0] INTID. */
#define ICC_SRE_SRE BIT64(0)
#define ICC_SRE_DFB BIT64(1)
#define ICC_SRE_DIB BIT64(2)
#define ICC_SRE_ENABLE BIT64(3)
#define ICC_CTLR_EOIMODE BIT64(1)
#define ICC_IGRPEN_ENABLE BIT64(0)
#define ICC_PMR_ALL U64(0xff)
#define ICC_IAR_INTID_MASK U64(0xffffff)
/*
 * ICC_SGI1R_EL1, send a group-1 SGI:
 *   [55:48] Aff3  [39:32] Aff2  [27:24] INTID  [23:16] Aff1
 *   [15:0] TargetList (one bit per Aff0 value 0..15)
 */
#define SGI1R_AFF3_SHIFT 48
#define SGI1R_AFF2_SHIFT 32
#define SGI1R_INTID_SHIFT 24
#define SGI1R_AFF1_SHIFT 16
#define SGI1R_TARGET_MASK U64(0xf)

/* ICH_HCR_EL2: 0 En (virtual CPU interface on; EOI maintenance interrupts
 * come from each list register's EOI bit). ICH_VTR_EL2: [4:0] ListRegs
 * (number of list registers - 1). */
#define ICH_HCR_EN BIT64(0)
#define ICH_VTR_LISTREGS_MASK U64(0x1f)
/*
 * ICH_LR<n>_EL2, one virtual interrupt:
 *
 *   63 62 61 60 59  56 55    48 47   42 41  32 31                      0
 *  +-----+--+--+------+--------+-------+------+-------------------------+
 *  |State|HW|G1| RES0 |Priority| RES0  |pINTID|         vINTID          |
 *  +-----+--+--+------+--------+-------+------+-------------------------+
 *   State: 01 pending, 10 active, 11 both.   HW: deactivation also
 *   deactivates physical pINTID [41:32]. With HW = 0, bit 41 is EOI: the
 *   guest's deactivation raises a maintenance interrupt.
 */
#define ICH_LR_STATE_SHIFT 62
#define ICH_LR_PENDING BIT64(62)
#define ICH_LR_HW BIT64(61)
#define ICH_LR_GROUP1 BIT64(60)
#define ICH_LR_PRIO_SHIFT 48
#define ICH_LR_PRIO_MASK U64(0xff)
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_PINTID_MASK (U64(0x3ff) << ICH_LR_PINTID_SHIFT)
#define ICH_LR_EOI BIT64(41)
#define ICH_LR_VINTID_MASK U64(0xffffffff)

#endif
