/*
 * Root's side of the block driver servers (device-servers/blk-driver/,
 * keel/blk.h): each gets exactly what driving one physical disk needs,
 * and root keeps every original.
 *
 *   driver   an endpoint to wait on (READ: nothing calls it; its bound
 *            notification wakes it), the page of its virtio-mmio transport (a frame of the device
 *            untyped the kernel made of QEMU virt's virtio-mmio window;
 *            a page holds 8 transports, the smallest unit the MMU maps),
 *            the IRQ handler of its interrupt with a notification bound
 *            to its thread, its virtqueue page, a descriptor table page
 *            per ring slot, the shared area, an info page (read-only)
 *            naming their physical addresses and the table of the
 *            client's VM's RAM, and the client's notification (WRITE)
 *   client   the shared area and the driver's notification (WRITE)
 *
 * The physical addresses are the frames' own (KEEL_FRAME_ADDRESS): the
 * device reads and writes that memory, and the client's VM's RAM, which
 * the driver does not map: it only checks that a request's segments lie
 * in the table (keel/blk.h).
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/config.h>
#include <keel/object.h>
#include <keel/print.h>

#include "blkdrv.h"

/* QEMU virt's virtio-mmio window (root's board, boot/arch): at most
 * VIRTIO_MAX_PAGES pages of transports. */
#define VIRTIO_MAX_PAGES 8u
#define VIRTIO_MAGIC 0x74726976u
#define BLK_VIEW 0x3000200000ull    /* root's view of the window ... */
#define BLK_INFO_VIEW 0x3000300000ull /* ... and of each driver's info page */
#define BLK_INFO_VIEWS 256u
#define RW (KEEL_R_READ | KEEL_R_WRITE)

static uint64_t virtio_frame[VIRTIO_MAX_PAGES]; /* root's, from the device untyped */
static bool virtio_mapped;
static unsigned ndrivers;

/* The transports' bytes apart (the arch's profile, keel/config.h). */
static unsigned virtio_stride(void)
{
	return root_arch_cfg()->virtio_stride;
}

static unsigned virtio_pages(void)
{
	const struct cfg_arch *a = root_arch_cfg();
	unsigned n = (unsigned)((a->virtio_count * a->virtio_stride + ROOT_PAGE_SIZE - 1) /
				ROOT_PAGE_SIZE);
	return n < VIRTIO_MAX_PAGES ? n : VIRTIO_MAX_PAGES;
}

/* The window's frames, made once and mapped into root to look at. */
static bool blkdrv_window(void)
{
	uint64_t pa = root_arch_board()->virtio_pa;
	if (virtio_mapped)
		return true;
	for (unsigned p = 0; p < virtio_pages(); p++) {
		uint64_t slot = root_device_frame(pa + p * ROOT_PAGE_SIZE);
		if (!slot || root_frame_map(slot, KEEL_ROOT_VSPACE, BLK_VIEW + p * ROOT_PAGE_SIZE,
					    RW) != KEEL_OK)
			return false;
		virtio_frame[p] = slot;
	}
	virtio_mapped = true;
	return virtio_mapped;
}

/* Transports that fit in the pages root maps. */
static unsigned virtio_transports(void)
{
	unsigned fit = virtio_pages() * ROOT_PAGE_SIZE / virtio_stride();
	return root_arch_cfg()->virtio_count < fit ? root_arch_cfg()->virtio_count : fit;
}

unsigned blkdrv_transport_offset(unsigned t)
{
	return (unsigned)((t * virtio_stride()) % ROOT_PAGE_SIZE);
}

unsigned blkdrv_transport_irq(unsigned t)
{
	return root_arch_board()->virtio_irq0 + t;
}

static uint32_t blkdrv_peek(unsigned t, unsigned off)
{
	return *(volatile uint32_t *)(uintptr_t)(BLK_VIEW + t * virtio_stride() +
						 off);
}

int blkdrv_transport_of(uint32_t device_id, unsigned n)
{
	if (!blkdrv_window())
		return -1;
	/* in make run's order (cfg_virtio_transport), which for devices
	 * QEMU placed itself (from the top down) is their command line's */
	for (unsigned k = 0; k < virtio_transports(); k++) {
		unsigned t = cfg_virtio_transport(root_arch_cfg(), k);
		if (t < virtio_transports() && blkdrv_peek(t, 0) == VIRTIO_MAGIC &&
		    blkdrv_peek(t, 8) == device_id && n-- == 0)
			return (int)t;
	}
	return -1;
}

uint32_t blkdrv_transport_read(unsigned t, unsigned off)
{
	return blkdrv_window() && t < virtio_transports() && off < virtio_stride()
		       ? blkdrv_peek(t, off)
		       : 0;
}

int blkdrv_transport(unsigned n)
{
	return blkdrv_transport_of(2, n); /* virtio-blk's DeviceID */
}

uint64_t blkdrv_transport_page(unsigned t)
{
	return blkdrv_window() && t < virtio_transports()
		       ? virtio_frame[t * virtio_stride() / ROOT_PAGE_SIZE]
		       : 0;
}

/* A new frame of 1 << bits bytes mapped at va in s (and copied for root
 * into *keep, if asked); its physical address, 0 on failure. */
static uint64_t blkdrv_dma(struct server *s, unsigned bits, uint64_t va, uint64_t *frame)
{
	uint64_t f = root_alloc(KEEL_OBJ_FRAME, bits), pa;
	if (!f || root_frame_map(f, s->vspace, va, RW) != KEEL_OK ||
	    keel_frame_address(f, &pa) != KEEL_OK)
		return 0;
	if (frame)
		*frame = f;
	return pa;
}

static bool blkdrv_irq(struct server *s, unsigned intid, uint64_t ntfn)
{
	uint64_t irq = root_alloc_slot(), badged = root_alloc_slot();
	uint64_t mr[6] = { intid, KEEL_ROOT_CNODE, irq, 0, 0, 0 };
	if (!irq || !badged || keel_invoke(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 3, mr) != KEEL_OK ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, ntfn, KEEL_R_WRITE,
			    KEEL_BLK_BIT_IRQ) != KEEL_OK)
		return false;
	mr[0] = badged;
	return keel_invoke(irq, KEEL_IRQ_SET_NOTIFICATION, 1, mr) == KEEL_OK &&
	       srv_grant_move(s, KEEL_BLK_SLOT_IRQ, irq);
}

/* Its descriptor table pages, one per ring slot, their addresses in in. */
static bool blkdrv_tables(struct server *s, struct keel_blkdrv_info *in)
{
	for (unsigned i = 0; i < KEEL_BLK_SLOTS; i++)
		if (!(in->table_pa[i] =
			      blkdrv_dma(s, 0, KEEL_BLKDRV_TABLE_VADDR + i * ROOT_PAGE_SIZE, NULL)))
			return false;
	return true;
}

static const char *blkdrv_build(struct server *s, unsigned t, const struct blkdrv_client *c)
{
	struct server *client = c->s;
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0), shared = 0, copy = root_alloc_slot();
	uint64_t info = root_alloc(KEEL_OBJ_FRAME, 0), info_ro = root_alloc_slot(), mmio = root_alloc_slot();
	/* a driver's info page is freed with its VM; the views are reused */
	uint64_t view = BLK_INFO_VIEW + (ndrivers % BLK_INFO_VIEWS) * ROOT_PAGE_SIZE;
	struct keel_blkdrv_info *in = (struct keel_blkdrv_info *)(uintptr_t)view;
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	if (!ntfn || !copy || !info || !info_ro || !mmio || !ep || !srv_grant_report(s) ||
	    !srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    keel_tcb_bind_notification(s->tcb, ntfn) != KEEL_OK)
		return "no memory for its objects";
	if (keel_cnode_copy(KEEL_ROOT_CNODE, mmio, KEEL_ROOT_CNODE, blkdrv_transport_page(t),
			    RW) != KEEL_OK ||
	    root_frame_map(mmio, s->vspace, KEEL_BLKDRV_MMIO_VADDR, RW) != KEEL_OK)
		return "cannot map its transport";
	if (root_frame_map(info, KEEL_ROOT_VSPACE, view, RW) != KEEL_OK ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, info_ro, KEEL_ROOT_CNODE, info, KEEL_R_READ) != KEEL_OK ||
	    root_frame_map(info_ro, s->vspace, KEEL_BLKDRV_INFO_VADDR, KEEL_R_READ) != KEEL_OK)
		return "cannot map its info page";
	*in = (struct keel_blkdrv_info){ .magic = KEEL_BLKDRV_INFO_MAGIC,
		.mmio_off = blkdrv_transport_offset(t) };
	if (c->ram)
		in->ram = *c->ram;
	in->queue_pa = blkdrv_dma(s, 0, KEEL_BLKDRV_QUEUE_VADDR, NULL);
	in->shared_pa = blkdrv_dma(s, KEEL_LARGE_PAGE_BITS, KEEL_BLK_SHARED_VADDR, &shared);
	if (!in->queue_pa || !in->shared_pa || !blkdrv_tables(s, in) ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, shared, RW) != KEEL_OK ||
	    root_frame_map(copy, client->vspace, KEEL_BLK_SHARED_VADDR, RW) != KEEL_OK)
		return "no memory for its DMA pages";
	if (!blkdrv_irq(s, blkdrv_transport_irq(t), ntfn))
		return "cannot route its interrupt to it";
	if (!srv_grant_mint(s, KEEL_SRV_PEER, c->ntfn, KEEL_R_WRITE, KEEL_BLK_BIT_DONE) ||
	    !srv_grant_mint(client, c->slot, ntfn, KEEL_R_WRITE, KEEL_BLK_BIT_REQ))
		return "cannot connect it to its client";
	ndrivers++;
	return NULL;
}

struct server *blkdrv_create(const char *name, unsigned t, unsigned cpu, unsigned prio,
			     const struct blkdrv_client *client)
{
	struct server *s;
	const char *why;
	if (!blkdrv_window() || t >= virtio_transports())
		why = "no such virtio-mmio transport";
	else if (!(s = srv_create("blkdrv", name, NULL, cpu, prio)))
		why = "cannot create the server";
	else if (!(why = blkdrv_build(s, t, client))) {
		kprintf("[root] block driver %s: on virtio-mmio transport %u\n", name, t);
		return s;
	}
	kprintf("[root] block driver %s: %s\n", name, why);
	return NULL;
}
