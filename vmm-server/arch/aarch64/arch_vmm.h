/*
 * The aarch64 VMM's state inside struct vmm (vmm.h includes this file,
 * found through -Ivmm-server/arch/$(ARCH)): the vGICv3. Types and sizes
 * only; the functions are in aarch64_vmm.h (this folder's own) and the
 * generic interface in vmm-server/vmm_arch.h.
 */
#ifndef ARCH_VMM_H
#define ARCH_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/vmm.h>

#define VGIC_NR_IRQS 256u /* INTIDs 0..255: 16 SGIs, 16 PPIs, 224 SPIs */
#define VGIC_WORDS (VGIC_NR_IRQS / 32)

/* Per-interrupt state is a bit in a 32-bit word: word 0 (SGIs and PPIs)
 * lives in each vCPU's redistributor, words 1.. (SPIs) in the
 * distributor. "pend" is a pending edge (or a software set-pending) not
 * yet in a list register; "active" is an interrupt the VMM put in a list
 * register with EOI notification that the guest has not finished yet;
 * "level" is a device line's level (SPIs only). */
struct vgic_cpu {
	uint32_t group, enable, cfg_ppi, pend, active; /* INTIDs 0..31 */
	uint8_t prio[32];
	bool sleep;                      /* GICR_WAKER.ProcessorSleep */
};

struct vgic {
	unsigned ncpus;
	uint32_t ctlr;
	uint32_t group[VGIC_WORDS], enable[VGIC_WORDS], pend[VGIC_WORDS];
	uint32_t active[VGIC_WORDS], level[VGIC_WORDS];
	uint32_t cfg[VGIC_NR_IRQS / 16];
	uint8_t prio[VGIC_NR_IRQS];
	uint64_t router[VGIC_NR_IRQS];
	/* The vCPU an active SPI was injected into (its routing may have
	 * changed since): a reset of that vCPU forgets it (irq.c). */
	uint8_t flight_cpu[VGIC_NR_IRQS];
	struct vgic_cpu cpu[KEEL_VMM_MAX_VCPUS];
};

struct vmm_arch {
	struct vgic gic;
	/* bit n: SPI n is a notification (vmm_arch_irq_edge), injected
	 * without EOI notification (irq.c) */
	uint32_t edge[VGIC_WORDS];
};

#endif /* ARCH_VMM_H */
