/* aarch64 system-register access and the EL2 configuration constants. */
#ifndef AARCH64_SYSREG_H
#define AARCH64_SYSREG_H

#include <stdint.h>

#define sysreg_read(r) __extension__({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define sysreg_write(r, v) __asm__ volatile("msr " #r ", %0" :: "r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* HCR_EL2 while a user-level (native) thread runs: EL0 under TGE, stage 1
 * off but treated as Normal cacheable (DC), stage 2 = the thread's vspace. */
#define HCR_VM (1ull << 0)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_DC (1ull << 12)
#define HCR_TSC (1ull << 19)
#define HCR_TGE (1ull << 27)
#define HCR_RW (1ull << 31)
#define HCR_NATIVE (HCR_VM | HCR_FMO | HCR_IMO | HCR_AMO | HCR_DC | HCR_TSC | HCR_TGE | HCR_RW)

/* VTCR_EL2: 39-bit IPA, start at level 1, 4 KiB granule, WB inner
 * shareable walks, 40-bit PA. Sync with arch_pt_index in mmu.c. */
#define VTCR_VALUE (25ull | 1ull << 6 | 1ull << 8 | 1ull << 10 | 3ull << 12 | \
		    2ull << 16 | 1ull << 31)

#define CPTR_RES1 0x33ffull
#define CPTR_TFP (1ull << 10)

/* SCTLR_EL1 bits that still govern EL0 under TGE: cache-type and cache
 * maintenance access, DC ZVA, WFI/WFE not trapped. */
#define SCTLR_EL1_VALUE (0x30d00800ull | 1ull << 14 | 1ull << 15 | 1ull << 16 | \
			 1ull << 18 | 1ull << 26)

#define ESR_EC(esr) ((esr) >> 26)
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP 0x07
#define EC_SVC64 0x15
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24

#endif
