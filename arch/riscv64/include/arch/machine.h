/*
 * riscv64 machine types used by the generic kernel by value (style practice
 * 2: arch state embedded, fields touched only under arch/riscv64/).
 *
 * struct arch_regs is shared with arch/riscv64/entry.S (REGS_* offsets
 * there). Its x[] array holds the registers by number, with two
 * exceptions that make the message registers contiguous (keel/abi.h and
 * libipc/arch/riscv64/keel/arch_trap.h):
 *   x[0]  the pc (x0 itself is always zero)
 *   x[5]  a7, the call number register (Keel calls: KEEL_RV_SYS_BASE + n)
 *   x[17] t0, MR5
 * so x[10..17] are the message registers a0..a6, t0.
 */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include <stdint.h>

#include "lock_word.h" /* the big kernel lock's word and take */

#define PAGE_BITS 12u
#define PAGE_SIZE (1ull << PAGE_BITS)
#define PT_ENTRIES 512u
#define MAX_CPUS 4u
#define CACHE_LINE 64u
/* A guest's interrupts are its three supervisor lines, by their cause
 * numbers: 1 software, 5 timer, 9 external (vcpu.c). */
#define ARCH_VIRQ_LIMIT 10u
/* A vspace object is 16 KiB: a VM's is the root of its Sv48x4 G-stage
 * table, which is that size and alignment (mmu.c). */
#define ARCH_VSPACE_BITS 14u

typedef uint64_t arch_pte_t;
#define ARCH_ELF_MACHINE 243u /* EM_RISCV */

#define RV_REG_PC 0u
#define RV_REG_SP 2u
#define RV_REG_TP 4u
#define RV_REG_A7_SLOT 5u  /* a7 is kept in t0's slot ... */
#define RV_REG_T0_SLOT 17u /* ... and t0 in a7's */
#define RV_REG_A0 10u

struct arch_regs {
	union {
		uint64_t x[32]; /* by register number, but see above */
		uint64_t pc;    /* x[0] */
	};
	uint64_t sstatus; /* SPP, SPIE, FS of the thread */
	uint64_t scause;  /* of the last trap */
	uint64_t stval;
	uint64_t ilen; /* a vCPU's trapped instruction: its length (2 or 4) */
};
_Static_assert(sizeof(struct arch_regs) == 36 * 8, "entry.S REGS_SIZE");

struct arch_fpu {
	uint64_t f[32];
	uint64_t fcsr;
};

/* A vCPU: the VS-mode CSRs the hardware does not swap (vcpu.c); the
 * general registers and the guest's sstatus.SPP are its thread's. */
struct arch_vcpu {
	uint64_t vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
	uint64_t hvip;      /* injected lines (VSSIP, VSTIP, VSEIP) */
	uint64_t vstimecmp; /* Sstc: the guest's timer */
};

/* Message registers as the ABI numbers them: [0] cptr/status, [1] info,
 * [2..7] MR0..MR5: a0..a6 and t0. */
static inline uint64_t *arch_msg_regs(struct arch_regs *r) { return &r->x[RV_REG_A0]; }
/* MR0..MR5 (six words) from s to d, for the fastpaths, a word at a time:
 * GCC 12 makes a __builtin_memcpy on rv64 a call of memcpy (49
 * instructions for these six words). */
__attribute__((always_inline)) static inline void arch_copy_mrs(uint64_t *d, const uint64_t *s)
{
	for (unsigned i = 0; i < 6; i++)
		d[i] = s[i];
}
/* Linux system-call number register (a7) and its arguments (a0..a5). */
static inline uint64_t arch_linux_nr(const struct arch_regs *r) { return r->x[RV_REG_A7_SLOT]; }

/* This CPU's struct percpu: tp holds it in the kernel (entry.S sets it). */
static inline void *arch_percpu(void)
{
	void *p;
	__asm__("mv %0, tp" : "=r"(p));
	return p;
}

/* The big kernel lock: the word and its take are lock_word.h's. */
/* Out of line here (aarch64 inlines them for its fastpath: arch.h). */
void arch_lock_release(void);
void arch_vspace_activate(uint64_t root_paddr, unsigned vmid);

#endif /* ARCH_MACHINE_H */
