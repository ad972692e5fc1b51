/*
 * What the generic VMM asks of its architecture part,
 * vmm-server/arch/$(ARCH)/ (the Makefile picks the folder, as it does
 * boot/arch). Generic code includes this file and vmm.h, never an arch
 * header: the arch's state is the opaque-to-it struct vmm_arch inside
 * struct vmm. All of these are pure (no system calls: the arch part acts
 * on the vCPUs through vm->ops), so the host unit tests link them.
 *
 *   interrupts   the interrupt controller model: device lines, delivery
 *                into the vCPUs, the guest's end of interrupt
 *   calls        the guest's firmware / hypervisor calls (HVC, SMC exits)
 *   sysregs      trapped system-register accesses (SYSREG exits)
 *   boot         the guest image format and a vCPU's boot registers
 *   dtb          the arch's nodes of the guest's device tree
 */
#ifndef VMM_ARCH_H
#define VMM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

/* ---- set-up ---- */
/* The arch's state for vm->ncpus vCPUs and its emulated regions in
 * vm->map; false if they do not fit. */
bool vmm_arch_init(struct vmm *vm);

/* ---- interrupts ---- */
/* Can a device's line be interrupt intid (0: the device has none)? */
bool vmm_arch_irq_valid(unsigned intid);
/* A device line's level changed. */
void vmm_arch_irq_line(struct vmm *vm, unsigned intid, bool level);
/* A notification on intid (a virtio device's line rose): an edge, not a
 * level to follow; the guest's end of it needs no exit. */
void vmm_arch_irq_edge(struct vmm *vm, unsigned intid);
/* Give cpu every interrupt it can take now, until it has no room (the
 * rest stay pending for the next chance; vm->irq_retry says so). */
void vmm_arch_irq_kick(struct vmm *vm, unsigned cpu);
/* The guest on cpu finished intid (a MAINT exit). */
void vmm_arch_irq_eoi(struct vmm *vm, unsigned cpu, unsigned intid);
/* cpu comes up again from reset (CPU_ON after CPU_OFF): forget the
 * interrupts it had in flight (the kernel reset its interrupt state). */
void vmm_arch_cpu_reset(struct vmm *vm, unsigned cpu);

/* ---- calls ---- */
/* A firmware or hypervisor call (mr = the exit's MR0..MR5); at_call: the
 * pc is at the call (an SMC exit), not past it. Builds the reply; may
 * set vm->power[cpu] or vm->stopped. */
void vmm_arch_call(struct vmm *vm, unsigned cpu, const uint64_t *mr, bool at_call,
		   struct keel_msg *r);

/* ---- system registers ---- */
/* A trapped access to the register with arch id id: a write of *val, or
 * a read that fills *val. */
void vmm_arch_sysreg(struct vmm *vm, unsigned cpu, uint64_t id, bool read, uint64_t *val);

/* ---- boot ---- */
/* NULL if the image can be placed in RAM [ram_base, +ram_size), with
 * where in *out; else why not. */
const char *vmm_arch_image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
				 uint64_t ram_size, struct guest_image *out);
/* The registers a vCPU starts with to run entry with boot argument arg
 * (the device tree, or a CPU_ON's context): up to VMM_BOOT_REGS of them,
 * their number returned. */
#define VMM_BOOT_REGS 8u
struct vmm_reg_value {
	unsigned reg; /* KEEL_VREG_* */
	uint64_t val;
};
unsigned vmm_arch_boot_regs(unsigned cpu, uint64_t entry, uint64_t arg,
			    struct vmm_reg_value *out);

/* ---- dtb (dtb.h's writer) ---- */
struct dtbw;
/* Properties of the root node the arch sets (compatible, interrupt
 * parent). */
void vmm_arch_dtb_root(struct dtbw *f);
/* The arch's nodes: CPUs, firmware, interrupt controller, timer, and
 * the VM's devices (their interrupts are the arch's). */
void vmm_arch_dtb_nodes(struct dtbw *f, const struct keel_vm_info *info, unsigned ncpus);
/* The path of the node of device d (for /chosen's stdout-path); false if
 * the arch makes no node for it. */
bool vmm_arch_dtb_dev_path(const struct keel_vm_dev *d, char *path, size_t size);

#endif /* VMM_ARCH_H */
