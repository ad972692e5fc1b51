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
#define VGIC_WORDS (VGIC_NR_IRQS / 32)
#define VGIC_GICD_BASE 0x08000000ull /* QEMU virt's layout */
#define VGIC_GICD_SIZE 0x10000ull
#define VGIC_GICR_BASE 0x080a0000ull
#define VGIC_GICR_STRIDE 0x20000ull /* RD frame + SGI frame per vCPU */
#define VGIC_VTIMER 27u /* the kernel injects it (hardware-linked), never the VMM */
#define VGIC_NO_CPU (~0u)

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
	struct vgic_cpu cpu[KEEL_VMM_MAX_VCPUS];
};

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
/* x[0..5] = the call's x0..x5 from vCPU cpu; *ret = what goes back in x0. */
enum psci_action psci_call(struct vmm *vm, unsigned cpu, const uint64_t *x, uint64_t *ret);

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
/* What the pure code asks of the rest of the VMM (main.c makes system
 * calls; the unit tests record). */
struct vmm_ops {
	/* Put intid in a list register of cpu; false: all are in use. */
	bool (*inject)(struct vmm *vm, unsigned cpu, unsigned intid, unsigned prio,
		       bool notify_eoi);
	/* Start vCPU cpu at entry (EL1h, DAIF masked) with x0 = context. */
	bool (*cpu_on)(struct vmm *vm, unsigned cpu, uint64_t entry, uint64_t context);
	/* Read / write a register (KEEL_VREG_*) of a vCPU waiting in an exit. */
	bool (*reg_read)(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t *val);
	bool (*reg_write)(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t val);
};

enum vmm_power { VMM_CPU_OFF = 0, VMM_CPU_ON = 1 };

struct vmm {
	unsigned ncpus;
	uint64_t ram_base, ram_size;  /* guest-physical RAM (CPU_ON entries) */
	struct mmio_map map;
	struct vgic gic;
	const struct vmm_ops *ops;
	enum vmm_power power[KEEL_VMM_MAX_VCPUS];
	unsigned irq_retry;          /* bit c: vCPU c's list registers were full */
	enum keel_vm_stop stopped;   /* 0 while the VM runs */
	unsigned exits, aborts, sgis; /* statistics */
};

/* Regions for the distributor and redistributors. */
bool vmm_add_vgic(struct vmm *vm);
/* A device line's level changed (SPIs only). */
void vmm_irq_line(struct vmm *vm, unsigned intid, bool level);
/* Put every interrupt cpu can take now into its list registers, until
 * they are full (the rest stay pending for the next chance). */
void vmm_irq_kick(struct vmm *vm, unsigned cpu);
void vmm_irq_kick_all(struct vmm *vm);
/* The guest on cpu finished intid (a MAINT exit): a line still high is
 * injected again. */
void vmm_irq_eoi(struct vmm *vm, unsigned cpu, unsigned intid);
/* Answer one exit of vCPU cpu (label and MR0..MR5). */
void exit_handle(struct vmm *vm, unsigned cpu, uint64_t label, const uint64_t *mr,
		 struct vmm_reply *r);

#endif /* VMM_H */
