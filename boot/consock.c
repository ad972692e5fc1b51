/*
 * Root's side of the per-VM console sockets (device-servers/console/
 * consock.h, docs/console.md): the console server, which owns every VM's
 * console streams, also gets the one virtio-serial device whose ports
 * make run connects to build/keel-console-vm<N>.sock:
 *
 *   console server   the page of the device's virtio-mmio transport, its
 *                    queue page and CON_SOCK_BUF_PAGES buffer pages (DMA),
 *                    the IRQ handler of its interrupt (CON_SLOT_SOCK_IRQ),
 *                    its interrupt on the console's bound notification
 *                    (bit CON_SOCK_IRQ_BIT); their physical addresses in
 *                    the config page (struct con_sock_info)
 *
 * The device is found by what it is: DeviceID 3 (a console) with
 * max_nr_ports == CON_SOCK_PORTS in its config; the control channel's
 * console (boot/ctl.c) has QEMU's default of 31 ports and is skipped.
 */
#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>

#include "../device-servers/console/console_srv.h"
#include "blkdrv.h"
#include "consock.h"

#define CONSOCK_DEVICE_ID 3u
#define CONSOCK_MAX_PORTS_REG 0x104u /* config: cols, rows, then max_nr_ports */
#define RW (KEEL_R_READ | KEEL_R_WRITE)

int consock_transport(void)
{
	int t;
	for (unsigned n = 0; (t = blkdrv_transport_of(CONSOCK_DEVICE_ID, n)) >= 0; n++)
		if (blkdrv_transport_read((unsigned)t, CONSOCK_MAX_PORTS_REG) == CON_SOCK_PORTS)
			return t;
	return -1;
}

static uint64_t consock_dma(struct server *s, uint64_t va)
{
	uint64_t f = root_alloc(KEEL_OBJ_FRAME, 0), pa;
	if (!f || root_frame_map(f, s->vspace, va, RW) != KEEL_OK ||
	    keel_frame_address(f, &pa) != KEEL_OK)
		return 0;
	return pa;
}

static bool consock_irq(struct server *s, unsigned intid, uint64_t ntfn)
{
	uint64_t irq = root_alloc_slot(), badged = root_alloc_slot();
	uint64_t mr[6] = { intid, KEEL_ROOT_CNODE, irq, 0, 0, 0 };
	if (!irq || !badged || keel_invoke(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 3, mr) != KEEL_OK ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, ntfn, KEEL_R_WRITE,
			    CON_SOCK_IRQ_BIT) != KEEL_OK)
		return false;
	mr[0] = badged;
	return keel_invoke(irq, KEEL_IRQ_SET_NOTIFICATION, 1, mr) == KEEL_OK &&
	       srv_grant_move(s, CON_SLOT_SOCK_IRQ, irq);
}

static const char *consock_build(struct server *s, unsigned t, uint64_t ntfn,
				 struct con_sock_info *info)
{
	uint64_t page = blkdrv_transport_page(t), mmio = root_alloc_slot();
	if (!page || !mmio ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, mmio, KEEL_ROOT_CNODE, page, RW) != KEEL_OK ||
	    root_frame_map(mmio, s->vspace, CON_SOCK_MMIO_VADDR, RW) != KEEL_OK)
		return "cannot map its transport";
	info->mmio_off = blkdrv_transport_offset((unsigned)t);
	if (!(info->queue_pa = consock_dma(s, CON_SOCK_QUEUE_VADDR)))
		return "no memory for its queue page";
	for (unsigned p = 0; p < CON_SOCK_BUF_PAGES; p++)
		if (!(info->buf_pa[p] = consock_dma(s, CON_SOCK_BUF_VADDR + p * ROOT_PAGE_SIZE)))
			return "no memory for its buffers";
	if (!consock_irq(s, blkdrv_transport_irq((unsigned)t), ntfn))
		return "cannot route its interrupt";
	return NULL;
}

void consock_attach(struct server *s, uint64_t ntfn, struct con_sock_info *info)
{
	int t = consock_transport();
	const char *why;
	if (t < 0) {
		kprintf("[root] console sockets: no virtio-serial device of %u ports (make run "
			"gives one; docs/console.md)\n", CON_SOCK_PORTS);
		return;
	}
	if ((why = consock_build(s, (unsigned)t, ntfn, info))) {
		kprintf("[root] console sockets: %s\n", why);
		return;
	}
	info->present = 1;
	kprintf("[root] console sockets: on virtio-mmio transport %d\n", t);
}
