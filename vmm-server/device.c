/*
 * Regions served by device servers: each guest access becomes one call on
 * the device's endpoint (keel/vmm.h, KEEL_DEV_READ/WRITE); the reply
 * carries the value and the device's interrupt lines.
 *
 * A virtio device's line (InterruptStatus != 0) is taken as a
 * notification, not followed as a level: its server signals when the line
 * rises (keel/vmm.h, .edges) and each signal is an edge injected without
 * an EOI request (vmm_arch_irq_edge), so neither the rise (no
 * KEEL_DEV_LINES call), the guest's InterruptACK (no fall to report) nor
 * its EOI (no MAINT exit) costs the VMM anything. Why no notification is
 * lost: docs/blk.md, "Interrupts as edges".
 */
#include <keel/abi.h>

#include "device.h"
#include "vmm_arch.h"

/* A device server that dies while serving a call cancels it; root
 * restarts the server from the same state page, so the call is simply
 * made again (a restarted server sees the same registers), with the
 * same sequence number, the exit's (keel/abi.h, MMIO MR5): one that
 * applied it before dying answers without applying it twice. */
#define DEV_TRIES 3u

/* The line as a reply to the VMM's own call shows it: a level, or for a
 * virtio device an edge when it rose since the VMM's last call (every
 * access of a device without a route is one). */
static void dev_line(struct vmm_dev *d, bool level)
{
	if (!d->intid)
		return;
	if (!d->edges)
		vmm_arch_irq_line(d->vm, d->intid, level);
	else if (level && !d->level)
		vmm_arch_irq_edge(d->vm, d->intid);
	d->level = level;
}

static bool dev_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct vmm_dev *d = ctx;
	uint64_t seq = mmio_seq();
	if (d->hits)
		++*d->hits;
	for (unsigned i = 0; i < DEV_TRIES; i++) {
		uint64_t mr[6] = { off, width, write ? *val : 0, seq, 0, 0 };
		uint64_t info = keel_msginfo(write ? KEEL_DEV_WRITE : KEEL_DEV_READ, 4);
		long err = keel_call(d->ep, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err != KEEL_OK || keel_msg_len(info) < KEEL_DEV_REPLY_LEN)
			return false;
		dev_line(d, mr[2] & 1);
		if (mr[0] != KEEL_DEV_OK)
			return false;
		if (!write)
			*val = mr[1];
		return true;
	}
	return false;
}

/* The device says its lines changed on their own (KEEL_VMM_BADGE_DEV):
 * read them (KEEL_DEV_LINES, retried like an access) and set the line. */
void dev_lines(struct vmm_dev *d)
{
	if (d->edges && d->intid) {
		vmm_arch_irq_edge(d->vm, d->intid);
		d->level = true;
		return;
	}
	for (unsigned i = 0; d->ep && i < DEV_TRIES; i++) {
		uint64_t mr[6] = { 0 };
		uint64_t info = keel_msginfo(KEEL_DEV_LINES, 0);
		long err = keel_call(d->ep, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err == KEEL_OK && keel_msg_len(info) >= KEEL_DEV_REPLY_LEN)
			dev_line(d, mr[2] & 1);
		return;
	}
}

bool dev_add(struct vmm *vm, struct vmm_dev *d, unsigned slot, const struct keel_vm_dev *desc)
{
	d->vm = vm;
	d->ep = slot;
	d->intid = desc->intid;
	d->edges = desc->kind == KEEL_VM_DEV_VIRTIO;
	d->level = false;
	d->hits = slot - KEEL_VMM_SLOT_DEV(0) < KEEL_VMM_MAX_DEVICES
			  ? &vm->mmio[slot - KEEL_VMM_SLOT_DEV(0)] : NULL;
	if (desc->intid != 0 && !vmm_arch_irq_valid(desc->intid))
		return false;
	return mmio_map_add(&vm->map, desc->base, desc->size, dev_mmio, d);
}

/* Device d's window, on vCPU cpu, straight to its server: the kernel
 * sends the guest's accesses there as exits (keel/vmm.h, MMIO routes),
 * or answers two registers from the device's post page where it has one. */
bool dev_route(unsigned cpu, unsigned d, const struct keel_vm_dev *desc)
{
	uint64_t mr[6] = { d, desc->base, desc->size, KEEL_VMM_SLOT_DEV(d),
			   desc->post ? KEEL_VMM_SLOT_DEV_POST(d) : 0,
			   desc->post ? KEEL_VMM_SLOT_DEV_POST_NTFN(d) : 0 };
	return keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_SET_ROUTE, 6, mr) == KEEL_OK;
}
