/*
 * The VMM's internals. One VMM serves one VM: it loads the guest, starts
 * its vCPU, and answers every exit (docs/vm.md). The modules:
 *
 *   main.c    entry: read the VM info page, load, start, the exit loop
 *   exit.c    exit messages -> replies, through a table (pure)
 *   mmio.c    the guest-physical map of emulated regions (pure)
 *   vgic.c    GICv3 distributor and redistributors (pure)
 *   psci.c    PSCI / SMCCC firmware calls (pure)
 *   image.c   arm64 Linux Image header and loading (pure)
 *   dtb.c     the guest's device tree, from the VM description (pure)
 *   irq.c     the vGIC's regions, interrupt lines -> injections (pure)
 *   device.c  regions served by device servers (IPC)
 *
 * "Pure" modules make no system call; host unit tests (tests/vmm/) link
 * them with fake device and injection hooks.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>
#include <keel/vmm.h>

/* ---- the reply to one exit (label = enum keel_vcpu_action) ---- */
struct vmm_reply {
	uint64_t label;
	uint64_t mr[3]; /* RESUME: flags, register, value; INJECT_DABT: address */
};

/* ---- mmio.c ---- */
struct mmio_access {
	uint64_t gpa;
	unsigned width;     /* bytes: 1, 2, 4, 8 */
	bool write;
	bool sign_extend;
	bool reg64;         /* destination is an X register */
	unsigned reg;       /* 0..30, 31 = zero register */
	uint64_t value;     /* what a write stores (low width bytes) */
};

/* Serve one access at offset off from the region's base: fill *val on a
 * read, take *val on a write. false: the guest gets a data abort. */
typedef bool mmio_fn(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val);

#define MMIO_MAX_REGIONS 16u

struct mmio_region {
	uint64_t base, size;
	mmio_fn *fn;
	void *ctx;
};

struct mmio_map {
	unsigned n;
	struct mmio_region r[MMIO_MAX_REGIONS];
};

/* Decode MR0..MR4 of a KEEL_EXIT_MMIO message; false if malformed. */
bool mmio_decode(const uint64_t *mr, struct mmio_access *a);
/* Add [base, base + size); false if empty, wrapping, overlapping or full. */
bool mmio_map_add(struct mmio_map *m, uint64_t base, uint64_t size, mmio_fn *fn,
		  void *ctx);
/* The region holding all of [gpa, gpa + width), or NULL. */
const struct mmio_region *mmio_find(const struct mmio_map *m, uint64_t gpa,
				    unsigned width);
/* The value a load leaves in its register: raw cut to width, then sign-
 * or zero-extended to the register's size (a W register's top is 0). */
uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw);
/* Serve the access and build the reply (resume, or data abort). */
void mmio_handle(const struct mmio_map *m, const struct mmio_access *a,
		 struct vmm_reply *r);

/* ---- vgic.c ---- */
#define VGIC_NR_IRQS 256u /* INTIDs 0..255: 16 SGIs, 16 PPIs, 224 SPIs */
#define VGIC_GICD_BASE 0x08000000ull /* QEMU virt's layout */
#define VGIC_GICD_SIZE 0x10000ull
#define VGIC_GICR_BASE 0x080a0000ull
#define VGIC_GICR_STRIDE 0x20000ull /* RD frame + SGI frame per vCPU */

struct vgic_cpu {
	uint32_t group, enable, cfg_ppi; /* SGIs and PPIs (INTIDs 0..31) */
	uint8_t prio[32];
	bool sleep;                      /* GICR_WAKER.ProcessorSleep */
};

struct vgic {
	unsigned ncpus;
	uint32_t ctlr;
	uint32_t group[VGIC_NR_IRQS / 32], enable[VGIC_NR_IRQS / 32];
	uint32_t cfg[VGIC_NR_IRQS / 16];
	uint8_t prio[VGIC_NR_IRQS];
	uint64_t router[VGIC_NR_IRQS];
	struct vgic_cpu cpu[KEEL_VMM_MAX_VCPUS];
};

void vgic_init(struct vgic *g, unsigned ncpus);
bool vgic_dist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
		      uint64_t *val);
bool vgic_redist_access(struct vgic *g, uint64_t off, unsigned width, bool write,
			uint64_t *val);
/* Would the guest take intid on cpu now (distributor and interrupt on)? */
bool vgic_irq_enabled(const struct vgic *g, unsigned cpu, unsigned intid);
/* Priority the guest gave intid (for the list register). */
unsigned vgic_irq_priority(const struct vgic *g, unsigned cpu, unsigned intid);

/* ---- psci.c ---- */
enum psci_action { PSCI_RETURN, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET };
/* x[0..5] = the call's x0..x5; *ret = what goes back in x0. */
enum psci_action psci_call(const uint64_t *x, uint64_t *ret);

/* ---- image.c ---- */
struct guest_image {
	uint64_t load_offset; /* from the RAM base */
	uint64_t file_size;   /* bytes copied */
	uint64_t mem_size;    /* bytes the image occupies (bss included) */
	uint64_t entry;       /* guest-physical */
};
/* NULL if img can be placed in RAM [ram_base, +ram_size), else why not. */
const char *image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
			uint64_t ram_size, struct guest_image *out);
/* Copy the image to ram (the VMM's view of RAM base) and zero its bss. */
void image_load(const uint8_t *img, const struct guest_image *g, uint8_t *ram);

/* ---- the VM (exit.c) ---- */
struct vmm;
typedef void vmm_inject_fn(struct vmm *vm, unsigned cpu, unsigned intid, unsigned prio);

struct vmm {
	unsigned ncpus;
	struct mmio_map map;
	struct vgic gic;
	vmm_inject_fn *inject;       /* puts an interrupt in a vCPU */
	uint32_t line[VGIC_NR_IRQS / 32]; /* device interrupt lines: high */
	enum keel_vm_stop stopped;   /* 0 while the VM runs */
	unsigned exits, aborts;      /* statistics */
};

/* Regions for the distributor and redistributors. */
bool vmm_add_vgic(struct vmm *vm);
/* An interrupt line's level changed (or its enable may have). */
void vmm_irq_line(struct vmm *vm, unsigned intid, bool level);
/* Answer one exit of vCPU cpu (label and MR0..MR5). */
void exit_handle(struct vmm *vm, unsigned cpu, uint64_t label, const uint64_t *mr,
		 struct vmm_reply *r);

#endif /* VMM_H */
