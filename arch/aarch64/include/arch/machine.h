/*
 * aarch64 machine types used by the generic kernel by value (style practice
 * 2: arch state embedded, fields touched only under arch/aarch64/).
 *
 * struct arch_regs layout is shared with arch/aarch64/vectors.S (REGS_*
 * offsets there); the _Static_asserts pin it.
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
/* Virtual INTIDs a vCPU can be given: GICv3 INTIDs 1020..1023 are special. */
#define ARCH_VIRQ_LIMIT 1020u
/* A vspace object (its root table): one page. */
#define ARCH_VSPACE_BITS 12u

typedef uint64_t arch_pte_t;
#define ARCH_ELF_MACHINE 183u /* EM_AARCH64 */

struct arch_regs {
	uint64_t x[31];    /* x0..x30 */
	uint64_t sp;       /* SP_EL0 */
	uint64_t pc;       /* ELR_EL2 */
	uint64_t spsr;     /* SPSR_EL2 */
	uint64_t tpidr;    /* TPIDR_EL0 (user TLS) */
	uint64_t esr;      /* ESR_EL2 of the last trap */
};
_Static_assert(sizeof(struct arch_regs) == 36 * 8, "vectors.S REGS_SIZE");

struct arch_fpu {
	__uint128_t q[32];
	uint64_t fpsr, fpcr;
};
_Static_assert(sizeof(struct arch_fpu) == 528, "fpu.S layout");

#define ARCH_MAX_LRS 16u
#define ARCH_PMU_COUNTERS 8u /* event counters a guest gets, at most */

/* A guest CPU's state beyond the general registers (those are in the TCB's
 * struct arch_regs: x0..x30, SP_EL0, PC, PSTATE, TPIDR_EL0). Saved while the
 * vCPU is not running; see arch/aarch64/vcpu.c. */
struct arch_vcpu {
	uint64_t el1[20];             /* EL1 system registers, vcpu.c order */
	uint64_t cntv_ctl, cntv_cval;
	uint64_t vmpidr;
	uint64_t lr[ARCH_MAX_LRS];    /* ICH_LR<n>_EL2 */
	uint64_t vmcr, ap0r, ap1r;
	/* The guest's PMU (vcpu.c): PMCR, PMSELR, PMCCNTR, PMCCFILTR,
	 * PMCNTENSET, PMINTENSET, PMOVSSET, PMUSERENR, then the event
	 * counters and their types. */
	uint64_t pmu[8], pmevcnt[ARCH_PMU_COUNTERS], pmevtyper[ARCH_PMU_COUNTERS];
};

/*
 * Message registers as the ABI numbers them (keel/abi.h): [0] cptr/status,
 * [1] message info, [2..7] MR0..MR5. On aarch64 they are x0..x7.
 */
static inline uint64_t *arch_msg_regs(struct arch_regs *r) { return r->x; }
/* MR0..MR5 (six words) from s to d, for the fastpaths: paired loads
 * and stores. */
__attribute__((always_inline)) static inline void arch_copy_mrs(uint64_t *d, const uint64_t *s)
{
	__builtin_memcpy(d, s, 6 * sizeof *d);
}
/* Linux system-call number register (x8) and its arguments (x0..x5). */
static inline uint64_t arch_linux_nr(const struct arch_regs *r) { return r->x[8]; }

/* This CPU's struct percpu (TPIDR_EL2 holds its address; cpu.c). */
static inline void *arch_percpu(void)
{
	void *p;
	__asm__("mrs %0, tpidr_el2" : "=r"(p));
	return p;
}

/* The big kernel lock: the word and its take are lock_word.h's. Free
 * the lock: CPUs waiting for it in WFE watch the word with their
 * exclusive monitor (arch_cpu_relax, cpu.c), so the store wakes them. */
__attribute__((always_inline)) static inline void arch_lock_release(void)
{
	__atomic_store_n(&arch_kernel_lock, 0, __ATOMIC_RELEASE);
}

/* VTTBR_EL2 = root | VMID << 48; QEMU flushes its TLB on every write, so
 * it is written only when it changes. Inline: every IPC switch asks. No
 * ISB: nothing at EL2 translates through stage 2 (arch_tlb_flush_vmid
 * synchronizes for itself), and the ERET to the thread is a context
 * synchronization event. */
__attribute__((always_inline)) static inline void arch_vspace_activate(uint64_t root_paddr, unsigned vmid)
{
	uint64_t v = root_paddr | (uint64_t)vmid << 48, cur;
	__asm__ volatile("mrs %0, vttbr_el2" : "=r"(cur));
	if (cur != v)
		__asm__ volatile("msr vttbr_el2, %0" : : "r"(v) : "memory");
}

#endif /* ARCH_MACHINE_H */
