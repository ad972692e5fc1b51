/* Regions served by device servers (device.c). */
#ifndef VMM_DEVICE_H
#define VMM_DEVICE_H

#include "vmm.h"

struct vmm_dev {
	struct vmm *vm;
	uint64_t ep;     /* the device server's endpoint (a VMM slot) */
	unsigned intid;  /* guest interrupt of its line 0; 0: none */
	unsigned *hits;  /* its MMIO accesses (struct vmm mmio[]) */
	bool edges;      /* a virtio device: its line is a notification, each
			  * rise an edge (device.c) */
	bool level;      /* its line as the VMM's own calls last saw it */
};

/* Map desc's window to the server at slot; false if it overlaps another
 * region or its interrupt cannot be a device's line
 * (vmm_arch_irq_valid). */
bool dev_add(struct vmm *vm, struct vmm_dev *d, unsigned slot, const struct keel_vm_dev *desc);
/* Route desc's window (device d) on vCPU cpu to its server's endpoint. */
bool dev_route(unsigned cpu, unsigned d, const struct keel_vm_dev *desc);
/* The device signalled that its lines changed: read them, set the line
 * (a virtio device's signal is an edge: injected, nothing read). */
void dev_lines(struct vmm_dev *d);

#endif /* VMM_DEVICE_H */
