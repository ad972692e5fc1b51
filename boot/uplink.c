/*
 * Root's side of the uplink driver (device-servers/net-driver/,
 * keel/uplink.h, docs/net.md): the port of the uplink network's switch
 * that leads to the machine's physical virtio-net device (make run gives
 * QEMU one, after the disks; found here by its DeviceID). The driver gets
 * what driving that device and being a port takes, and root keeps every
 * original:
 *
 *   driver   an endpoint (READ: nothing calls it), its port's notification
 *            bound to its thread (the switch's signal, and its interrupt
 *            badged KEEL_UPLINK_BIT_IRQ), the page of its virtio-mmio
 *            transport, the IRQ handler, a 2 MiB DMA frame and an info page
 *            (read-only) naming its physical address, the port's shared
 *            area, and the switch's notification (WRITE, the port's bit)
 *
 * It is made once, with the switch, and like the switch outlives every VM.
 */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/net.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/uplink.h>

#include "blkdrv.h"
#include "uplink.h"

#define UPLINK_VIEW 0x3000900000ull /* root's view of the info page */
#define VIRTIO_ID_NET 1u
#define RW (KEEL_R_READ | KEEL_R_WRITE)

/* A copy of root's frame mapped at va in s. */
static bool uplink_map(struct server *s, uint64_t frame, uint64_t va, unsigned rights)
{
	uint64_t copy = root_alloc_slot();
	return copy && frame &&
	       keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, frame, rights) == KEEL_OK &&
	       root_frame_map(copy, s->vspace, va, rights) == KEEL_OK;
}

/* The transport's interrupt signals ntfn with KEEL_UPLINK_BIT_IRQ. */
static bool uplink_irq(struct server *s, unsigned intid, uint64_t ntfn)
{
	uint64_t irq = root_alloc_slot(), badged = root_alloc_slot();
	uint64_t mr[6] = { intid, KEEL_ROOT_CNODE, irq, 0, 0, 0 };
	if (!irq || !badged || keel_invoke(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 3, mr) != KEEL_OK ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, ntfn, KEEL_R_WRITE,
			    KEEL_UPLINK_BIT_IRQ) != KEEL_OK)
		return false;
	mr[0] = badged;
	return keel_invoke(irq, KEEL_IRQ_SET_NOTIFICATION, 1, mr) == KEEL_OK &&
	       srv_grant_move(s, KEEL_UPLINK_SLOT_IRQ, irq);
}

static const char *uplink_build(struct server *s, unsigned t, const struct uplink_port *port)
{
	struct keel_uplink_info *in = (struct keel_uplink_info *)(uintptr_t)UPLINK_VIEW;
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0), info = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t dma = root_alloc(KEEL_OBJ_FRAME, KEEL_LARGE_PAGE_BITS), pa = 0;
	if (!ep || !info || !dma || !srv_grant_report(s) ||
	    !srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    keel_tcb_bind_notification(s->tcb, port->ntfn) != KEEL_OK)
		return "no memory for its objects";
	if (!uplink_map(s, blkdrv_transport_page(t), KEEL_UPLINK_MMIO_VADDR, RW))
		return "cannot map its transport";
	if (root_frame_map(info, KEEL_ROOT_VSPACE, UPLINK_VIEW, RW) != KEEL_OK ||
	    !uplink_map(s, info, KEEL_UPLINK_INFO_VADDR, KEEL_R_READ) ||
	    root_frame_map(dma, s->vspace, KEEL_UPLINK_DMA_VADDR, RW) != KEEL_OK ||
	    keel_frame_address(dma, &pa) != KEEL_OK)
		return "cannot map its info page and DMA frame";
	*in = (struct keel_uplink_info){ .magic = KEEL_UPLINK_INFO_MAGIC,
		.mmio_off = blkdrv_transport_offset((unsigned)t), .dma_pa = pa };
	if (!uplink_irq(s, blkdrv_transport_irq((unsigned)t), port->ntfn))
		return "cannot route its interrupt to it";
	if (!uplink_map(s, port->area, KEEL_NET_PORT_VADDR, RW) ||
	    !srv_grant_mint(s, KEEL_NET_SLOT_SWITCH, port->switch_ntfn, KEEL_R_WRITE, port->bit))
		return "cannot connect it to its switch";
	return srv_start(s) ? NULL : "cannot start it";
}

struct server *uplink_create(const char *net, const struct uplink_port *port, unsigned cpu,
			     unsigned prio)
{
	char name[24];
	int t = blkdrv_transport_of(VIRTIO_ID_NET, 0);
	struct server *s = NULL;
	const char *why;
	snprintf(name, sizeof(name), "%.15s-uplink", net);
	if (t < 0)
		why = "the machine has no virtio-net device (make run gives QEMU one)";
	else if (!(s = srv_create("netdrv", name, NULL, cpu, prio)))
		why = "cannot create its server";
	else if (!(why = uplink_build(s, (unsigned)t, port))) {
		kprintf("[root] network %s: uplink %s started on virtio-mmio transport %d\n", net,
			name, t);
		return s;
	}
	kprintf("[root] network %s: no uplink: %s\n", net, why);
	return NULL;
}
