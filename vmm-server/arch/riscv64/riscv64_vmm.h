/*
 * The riscv64 VMM's own modules (vmm-server/arch/riscv64/), behind the
 * generic interface vmm-server/vmm_arch.h:
 *
 *   sbi.c      the guest's SBI v2.0 calls: BASE, TIME, IPI, RFENCE, HSM,
 *              SRST, DBCN (pure)
 *   irq.c      interrupts: no controller model yet (pure)
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
 * software interrupt is the only one the kernel injects yet. */
#define RV_IRQ_SOFT 1u

#endif
