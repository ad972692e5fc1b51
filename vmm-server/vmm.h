/*
 * The VMM's generic internals. One VMM serves one VM: it loads the guest,
 * starts its vCPU, and answers every exit (docs/vm.md). The modules:
 *
 *   main.c     entry: read the VM info page, load, start; the server
 *              callbacks that answer exits (keel/server.h)
 *   loader.c   the guest's RAM: image, initrd, device tree placed (pure)
 *   exit.c     exit messages -> replies, through a table (pure)
 *   mmio.c     the guest-physical map of emulated regions (pure)
 *   dtb.c      the guest's device tree: the generic nodes (pure)
 *   device.c   regions served by device servers (IPC)
 *   console.c  console input for the guest's UART (IPC)
 *
 * Everything that depends on the architecture (interrupt controller,
 * firmware calls, image format, CPU boot state, trapped system
 * registers, the arch's device-tree nodes) sits behind vmm_arch.h, in
 * vmm-server/arch/$(ARCH)/; this file sees only the arch's state type
 * (arch_vmm.h, struct vmm_arch).
 *
 * "Pure" modules make no system call; host unit tests (tests/vmm/) link
 * them with fake device and injection hooks.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>
#include <keel/mmio.h>
#include <keel/ctl.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "arch_vmm.h" /* vmm-server/arch/$(ARCH)/: struct vmm_arch */

/* ---- the reply to one exit --------------------------------------------------
 * An exit arrives as the server library's message (keel/server.h) and is
 * edited in place into its reply: label = enum keel_vcpu_action, MR0..MR2
 * (RESUME: flags, register, value; INJECT_DABT: address, write). A
 * handler reads what it needs of the exit before it writes the reply. */
#define VMM_REPLY_LEN 3u

static inline void vmm_reply_resume(struct keel_msg *r, uint64_t flags, uint64_t reg,
				    uint64_t val)
{
	r->label = KEEL_VCPU_RESUME;
	r->mr[0] = flags;
	r->mr[1] = reg;
	r->mr[2] = val;
}

/* ---- mmio.c ---- */
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

/* Add [base, base + size); false if empty, wrapping, overlapping or full. */
bool mmio_map_add(struct mmio_map *m, uint64_t base, uint64_t size, mmio_fn *fn,
		  void *ctx);
/* The region holding all of [gpa, gpa + width), or NULL. */
const struct mmio_region *mmio_find(const struct mmio_map *m, uint64_t gpa,
				    unsigned width);
/* The exit sequence number (MR5) of the access being served. */
uint64_t mmio_seq(void);
/* Serve the access and build the reply (resume, or data abort). */
void mmio_handle(const struct mmio_map *m, const struct keel_mmio_access *a,
		 struct keel_msg *r);

/* ---- loader.c ---- */
struct guest_image {
	uint64_t load_offset; /* from the RAM base */
	uint64_t file_size;   /* bytes copied */
	uint64_t mem_size;    /* bytes the image occupies (bss included) */
	uint64_t entry;       /* guest-physical */
};

/* ---- the VM (exit.c) ---- */
struct vmm;
/* What the pure code asks of the rest of the VMM (main.c makes system
 * calls; the unit tests record). */
struct vmm_ops {
	/* Give cpu interrupt intid (KEEL_VCPU_INJECT_IRQ); false: the
	 * vCPU has no room for another now (try again later). */
	bool (*inject)(struct vmm *vm, unsigned cpu, unsigned intid, unsigned prio,
		       bool notify_eoi);
	/* Start vCPU cpu at entry as the arch's boot protocol has it
	 * (vmm_arch_boot_regs), with context as the boot argument. */
	bool (*cpu_on)(struct vmm *vm, unsigned cpu, uint64_t entry, uint64_t context);
	/* Read / write a register (KEEL_VREG_*) of a vCPU waiting in an exit. */
	bool (*reg_read)(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t *val);
	bool (*reg_write)(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t val);
	/* An UNKNOWN exit came (its MR0..MR5): for the log. */
	void (*unknown)(struct vmm *vm, unsigned cpu, const uint64_t *mr);
	/* The guest wrote n bytes to the firmware's console (riscv64's SBI
	 * DBCN): for the log, a line at a time. */
	void (*console)(struct vmm *vm, const char *s, uint64_t n);
};

enum vmm_power { VMM_CPU_OFF = 0, VMM_CPU_ON = 1 };

struct vmm {
	unsigned ncpus;
	uint64_t ram_base, ram_size;  /* guest-physical RAM (CPU_ON entries) */
	const uint8_t *ram;           /* the VMM's view of it (KEEL_VMM_RAM_VADDR) */
	struct mmio_map map;
	struct vmm_arch arch;         /* interrupt controller, ... */
	const struct vmm_ops *ops;
	enum vmm_power power[KEEL_VMM_MAX_VCPUS];
	unsigned irq_retry;          /* bit c: an injection into vCPU c found no room */
	enum keel_vm_stop stopped;   /* 0 while the VM runs */
	/* statistics, laid out as struct keel_ctl_vmm_counters (root reads them) */
	unsigned exits, aborts, ipis;
	unsigned reason[KEEL_CTL_EXIT_REASONS], irqs, mmio[KEEL_VMM_MAX_DEVICES];
	unsigned calls; /* to the console server and to root */
};

/* Answer one exit of vCPU cpu (m's label and MR0..MR5): m becomes the
 * reply. */
void exit_handle(struct vmm *vm, unsigned cpu, struct keel_msg *m);

#endif /* VMM_H */
