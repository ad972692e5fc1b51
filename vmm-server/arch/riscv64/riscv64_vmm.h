/*
 * The riscv64 VMM's own modules (vmm-server/arch/riscv64/), behind the
 * generic interface vmm-server/vmm_arch.h:
 *
 *   sbi.c      the guest's SBI v2.0 calls: BASE, TIME, IPI, RFENCE, HSM,
 *              SRST, DBCN (pure)
 *   plic.c     the PLIC's registers: priorities, pending, enables,
 *              thresholds, claim and complete (pure)
 *   irq.c      the PLIC's region, device lines -> each vCPU's external
 *              interrupt line (pure)
 *   boot.c     the riscv Linux Image header, a vCPU's boot registers (pure)
 *   dtb.c      the device-tree nodes of a riscv VM (pure)
 *
 * Only files in this folder include this header.
 */
#ifndef RISCV64_VMM_H
#define RISCV64_VMM_H

#include "vmm.h"
#include "vmm_arch.h"

/* keel/abi.h's riscv64 register numbers: x<n> is n - 1. */
#define RV_VREG(x) ((x) - 1u)
#define RV_VREG_A0 RV_VREG(10u)
#define RV_VREG_A1 RV_VREG(11u)
/* The guest's time is the host's time CSR: QEMU virt's timebase
 * (keel/arch_counter.h; the kernel sets htimedelta to 0). */
#define RV_TIMEBASE_HZ 10000000u
/* Guest interrupt numbers (KEEL_VCPU_INJECT_IRQ): the supervisor
 * software interrupt, and the external line (a level:
 * KEEL_VREG_EXT_IRQ lowers it). */
#define RV_IRQ_SOFT 1u
#define RV_IRQ_EXT 9u

/* ---- plic.c: QEMU virt's PLIC window (SiFive PLIC layout) ---- */
#define PLIC_BASE 0x0c000000ull
#define PLIC_CONTEXT_BASE 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_SIZE(ncpus) (PLIC_CONTEXT_BASE + (uint64_t)(ncpus) * PLIC_CONTEXT_STRIDE)
#define PLIC_PRIO_MAX 7u /* 3 priority bits, as QEMU virt's */

void plic_init(struct plic *p, unsigned ncontexts);
/* A device line (source src, 1..PLIC_SOURCES - 1) is now level. */
void plic_line(struct plic *p, unsigned src, bool level);
/* Source src had an edge (a notification): pending until claimed. */
void plic_edge(struct plic *p, unsigned src);
/* A guest access at off in the window: false for a data abort (not a
 * naturally aligned 32-bit access). A read of a claim register claims. */
bool plic_access(struct plic *p, uint64_t off, unsigned width, bool write, uint64_t *val);
/* The source context c would claim now (pending, enabled there, above
 * its threshold, the highest priority, the lowest number among equals);
 * 0: none, so its external line is low. */
unsigned plic_best(const struct plic *p, unsigned c);

#endif
