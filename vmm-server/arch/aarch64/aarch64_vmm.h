/*
 * The aarch64 VMM's own modules (vmm-server/arch/aarch64/), behind the
 * generic interface vmm-server/vmm_arch.h:
 *
 *   vgic.c     GICv3 distributor and redistributors (pure)
 *   irq.c      the vGIC's regions, interrupt lines -> injections (pure)
 *   psci.c     PSCI / SMCCC firmware calls (pure)
 *   call.c     HVC and SMC exits: PSCI's answer into a reply (pure)
 *   sysreg.c   trapped system registers: the SGI registers (pure)
 *   boot.c     arm64 Image header, a vCPU's boot registers (pure)
 *   dtb.c      the device-tree nodes of an Arm VM (pure)
 *
 * Only files in this folder include this header.
 */
#ifndef AARCH64_VMM_H
#define AARCH64_VMM_H

#include "vmm.h"
#include "vmm_arch.h"

/* ---- vgic.c ---- */
#define VGIC_GICD_BASE 0x08000000ull /* QEMU virt's layout */
#define VGIC_GICD_SIZE 0x10000ull
#define VGIC_GICR_BASE 0x080a0000ull
#define VGIC_GICR_STRIDE 0x20000ull /* RD frame + SGI frame per vCPU */
#define VGIC_VTIMER 27u /* the kernel injects it (hardware-linked), never the VMM */
#define VGIC_NO_CPU (~0u)
#define VGIC_SGIS 16u /* INTIDs 0..15: software-generated, edge only */

/* The INTIDs of one 32-bit word as seen from vCPU cpu. */
enum vgic_bits { VGIC_PEND, VGIC_ACTIVE, VGIC_ENABLE, VGIC_GROUP };

void vgic_init(struct vgic *g, unsigned ncpus);
bool vgic_dist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
		      uint64_t *val);
bool vgic_redist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
			uint64_t *val);
/* Enabled, in group 1 with the group on, and routed to cpu: the guest on
 * cpu may be given intid now. */
bool vgic_irq_enabled(const struct vgic *g, unsigned cpu, unsigned intid);
/* Priority the guest gave intid (for the list register). */
unsigned vgic_irq_priority(const struct vgic *g, unsigned cpu, unsigned intid);
/* Configured level-sensitive (ICFGR)? SGIs never are. */
bool vgic_irq_is_level(const struct vgic *g, unsigned cpu, unsigned intid);
/* The vCPU an SPI is routed to (IROUTER), VGIC_NO_CPU if none. */
unsigned vgic_spi_target(const struct vgic *g, unsigned intid);
/* Word w's bits of kind k for cpu (word 0: cpu's redistributor). */
uint32_t *vgic_word(struct vgic *g, unsigned cpu, unsigned w, enum vgic_bits k);
bool vgic_test(const struct vgic *g, unsigned cpu, unsigned intid, enum vgic_bits k);
void vgic_set(struct vgic *g, unsigned cpu, unsigned intid, enum vgic_bits k, bool on);
/* Interrupts cpu could be given now: pending or high level-sensitive
 * lines, not in flight, enabled and routed there. Word w. */
uint32_t vgic_ready(const struct vgic *g, unsigned cpu, unsigned w);

/* A write to ICC_SGI1R_EL1 (group1 = true), ICC_ASGI1R_EL1 or
 * ICC_SGI0R_EL1 (group1 = false) by vCPU self: the SGI's INTID and the
 * vCPUs it goes to (bit i = vCPU i). IRM = 1 means every vCPU but self;
 * otherwise the target list names Aff0 values within Aff3.Aff2.Aff1 and
 * range RS, which must all be 0 here (vCPU i has Aff0 = i). */
unsigned vgic_sgi_decode(const struct vgic *g, unsigned self, uint64_t v, unsigned *intid);
/* Make the SGI pending on each target whose SGI has the asked-for group
 * (a group-0 SGI is never delivered: list registers carry group 1). The
 * vCPUs it was made pending on. */
unsigned vgic_sgi(struct vgic *g, unsigned self, uint64_t v, bool group1);

/* ---- psci.c ---- */
enum psci_action {
	PSCI_RETURN,       /* x0 = the result, the vCPU goes on */
	PSCI_CPU_OFF,      /* this vCPU stops (until a CPU_ON) */
	PSCI_WAIT,         /* CPU_SUSPEND: x0 = 0, then as WFI */
	PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET,
};
struct vmm;
/* Function ids (SMC32; psci_fn folds SMC64's into these) */
enum {
	PSCI_FN_PSCI_VERSION = 0x84000000, PSCI_FN_CPU_SUSPEND = 0x84000001,
	PSCI_FN_CPU_OFF = 0x84000002, PSCI_FN_CPU_ON = 0x84000003,
	PSCI_FN_AFFINITY_INFO = 0x84000004, PSCI_FN_MIGRATE_INFO_TYPE = 0x84000006,
	PSCI_FN_SYSTEM_OFF = 0x84000008, PSCI_FN_SYSTEM_RESET = 0x84000009,
	PSCI_FN_PSCI_FEATURES = 0x8400000a, PSCI_FN_SMCCC_VERSION = 0x80000000,
};
#define PSCI_SMC64 0x40000000u /* the 64-bit calling convention bit of an id */

/* The PSCI id with the SMC64 bit folded away (PSCI ids only). */
static inline uint32_t psci_fn(uint64_t x0)
{
	uint32_t id = (uint32_t)x0;
	return (id & 0xbfffffe0u) == 0x84000000u ? id & ~PSCI_SMC64 : id;
}

/* fn: as psci_fn gives it */
static inline bool psci_known(uint32_t fn)
{
	switch (fn) {
	case PSCI_FN_PSCI_VERSION: case PSCI_FN_CPU_SUSPEND: case PSCI_FN_CPU_OFF:
	case PSCI_FN_CPU_ON: case PSCI_FN_AFFINITY_INFO: case PSCI_FN_MIGRATE_INFO_TYPE:
	case PSCI_FN_SYSTEM_OFF: case PSCI_FN_SYSTEM_RESET: case PSCI_FN_PSCI_FEATURES:
	case PSCI_FN_SMCCC_VERSION:
		return true;
	default:
		return false;
	}
}
#define PSCI_NOT_SUPPORTED ((uint64_t)-1)

/* What to do, and what goes back in x0 (returned in two registers: the
 * answer needs no memory on the exit path). */
struct psci_answer {
	enum psci_action action;
	uint64_t ret;
};
/* A call psci_known(fn) knows (fn as psci_fn gives it); x[0..5] = its
 * x0..x5. Every other id (vendor and hypervisor calls) is answered
 * PSCI_NOT_SUPPORTED by the caller (call.c), with no call. */
struct psci_answer psci_call(struct vmm *vm, uint32_t fn, const uint64_t *x);

/* ---- irq.c ---- */
void vmm_irq_kick_all(struct vmm *vm);

#endif /* AARCH64_VMM_H */
