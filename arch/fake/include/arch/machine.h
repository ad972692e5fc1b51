/*
 * Machine types of the fake arch: a host implementation of the arch_*
 * interface for unit tests (style practice 4). It provides the same names
 * as arch/aarch64/include/arch/machine.h, but deliberately not the same
 * layout: generic code that reached into a field instead of going through
 * arch_* would not compile here, and code that assumed aarch64 bit layouts
 * would fail the tests.
 *
 * Fake register file (struct arch_regs):
 *
 *   a[0..7]   argument / message registers: [0] cptr/status, [1] message
 *             info, [2..7] MR0..MR5 (keel/abi.h), also Linux args 0..5
 *   nr        Linux system-call number
 *   t[0..22]  other general registers (arch_regs_get(r, 8..30))
 *   pc, sp, tls, cause, flags (a guest's PSTATE)
 *
 * A fake vCPU (struct arch_vcpu) has two system registers and FAKE_LRS
 * list registers, each holding a pending virtual INTID + 1 (0: free).
 */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include <stdint.h>

#define PAGE_BITS 12u
#define PAGE_SIZE (1ull << PAGE_BITS)
#define PT_ENTRIES 512u
#define MAX_CPUS 4u
#define CACHE_LINE 64u
/* Virtual INTIDs a vCPU can be given (as aarch64's GICv3). */
#define ARCH_VIRQ_LIMIT 1020u
#define ARCH_VSPACE_BITS 12u /* a vspace object: one page */

typedef uint64_t arch_pte_t;
#define ARCH_ELF_MACHINE 0u /* EM_NONE: the fake arch loads no ELF */

#define FAKE_ARG_REGS 8u
#define FAKE_TEMP_REGS 23u
#define FAKE_LRS 4u

struct arch_regs {
	uint64_t pc, sp, tls, cause, flags;
	uint64_t a[FAKE_ARG_REGS];
	uint64_t nr;
	uint64_t t[FAKE_TEMP_REGS];
};

struct arch_fpu {
	uint64_t v[64];
	uint64_t status;
};

struct arch_vcpu {
	uint64_t sp_el1, mpidr;
	uint32_t lr[FAKE_LRS];
	uint32_t lr_prio[FAKE_LRS];
	uint64_t init;          /* FAKE_VCPU_INIT once arch_vcpu_init ran */
	uint64_t exc_addr;      /* address of the last injected abort */
	uint32_t dabts, undefs; /* exceptions injected */
	uint64_t timer_deadline; /* virtual timer due (counter value; 0: off) */
};

static inline uint64_t *arch_msg_regs(struct arch_regs *r) { return r->a; }
static inline void arch_copy_mrs(uint64_t *d, const uint64_t *s)
{
	__builtin_memcpy(d, s, 6 * sizeof *d);
}
static inline uint64_t arch_linux_nr(const struct arch_regs *r) { return r->nr; }

/* This CPU's struct percpu: &kernel_cpu[fake_arch.cpu] (arch/fake/cpu.c). */
void *arch_percpu(void);

/* The big kernel lock's fast entry: the fake's out-of-line arch_lock_try. */
#define ARCH_LOCK_TRY() arch_lock_try()
void arch_lock_release(void);
void arch_vspace_activate(uint64_t root_paddr, unsigned vmid);

#endif /* ARCH_MACHINE_H */
