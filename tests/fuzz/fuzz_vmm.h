/*
 * The VM the VMM fuzzers (fuzz_exit.c, fuzz_vgic.c) drive: the VMM's pure
 * code (exit.c, mmio.c, vmm-server/arch/$(ARCH)/) with the vmm_ops that
 * main.c implements with system calls replaced by a model of what the
 * kernel does with them: list registers per vCPU (an injection of an
 * INTID already in one is ignored, as arch_vcpu_inject_irq does; a full
 * set refuses with KEEL_E_BUSY), CPU_ON as a reset of the vCPU's list
 * registers followed by vmm_arch_cpu_reset (main.c's vcpu_on), register
 * reads and writes of a vCPU stopped in an exit.
 */
#ifndef FUZZ_VMM_H
#define FUZZ_VMM_H

#include "aarch64_vmm.h"
#include "fuzz_input.h"

#define FZ_DEV_BASE 0x09000000ull /* a device region beside the vGIC's */
#define FZ_DEV_SIZE 0x1000ull
#define FZ_DEV_OK 0x800ull       /* accesses at or above this offset fail */
#define FZ_MAX_LRS 4u            /* QEMU's GICv3 */

struct fz_vm {
	struct vmm vm;
	unsigned lr_max;                                 /* 1..FZ_MAX_LRS */
	unsigned lr_n[KEEL_VMM_MAX_VCPUS];
	uint32_t lr[KEEL_VMM_MAX_VCPUS][VGIC_WORDS];     /* INTIDs in a list register */
	uint64_t regs[KEEL_VMM_MAX_VCPUS][KEEL_VREG_COUNT];
	unsigned cpu_ons;
};
extern struct fz_vm fz;

/* A fresh VM of ncpus vCPUs (vCPU 0 on) with lr_max list registers each. */
void fz_vm_init(unsigned ncpus, unsigned lr_max);
/* One exit of vCPU cpu through exit_handle; checks the reply's shape and
 * returns it. */
struct keel_msg fz_exit(unsigned cpu, uint64_t label, const uint64_t mr[6]);
bool fz_lr_has(unsigned cpu, unsigned intid);
/* The kernel's maintenance exit for intid, which the guest finished: the
 * list register is free again. */
void fz_eoi(unsigned cpu, unsigned intid);
/* What must hold between any two events (see fuzz_vmm.c). */
void fz_vm_check(void);

#endif /* FUZZ_VMM_H */
