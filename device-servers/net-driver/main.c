/*
 * The uplink driver server: drives the machine's physical virtio-net
 * device on QEMU virt's virtio-mmio bus (virtio 1.2, modern interface;
 * make run's user-mode network) and is one port of its network's switch
 * (keel/uplink.h, keel/net.h). It holds the device's page, its interrupt,
 * its DMA frame and its port's shared area, nothing else.
 *
 *   device receive queue (0)  -> the port's tx ring  (host side -> switch)
 *   the port's rx ring        -> device transmit queue (1)
 *
 * Only VIRTIO_F_VERSION_1 is negotiated: no offloads, so every frame is a
 * plain Ethernet frame of at most KEEL_NET_FRAME_MAX bytes behind the
 * 12-byte virtio-net header, which is what the switch carries. The switch
 * checks what this server publishes as it checks any port (length,
 * source: keel/net.h), and this server checks the lengths the device and
 * the switch give it.
 *
 * A restart (after a crash) resets the device and sets it up afresh: the
 * frames it held are lost, the ring indices in the shared area stay.
 *
 *   argv: its name
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/net.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/uplink.h>

#include "vdrv.h"

/* The DMA frame: each queue's split ring (spec 2.7) of QSIZE entries in
 * 3 pages, then QSIZE buffers per queue; buffer i belongs to descriptor i. */
#define QSIZE 128u
#define RXQ 0u
#define TXQ 1u
#define Q_OFF(q) ((q) * 0x4000ull)
#define Q_AVAIL 0x1000ull
#define Q_USED 0x2000ull
#define BUF_BYTES 2048u
#define BUF_OFF(q, i) (0x10000ull + ((q) * QSIZE + (i)) * (uint64_t)BUF_BYTES)
#define HDR_BYTES 12u /* struct virtio_net_hdr with num_buffers (VERSION_1) */
_Static_assert(BUF_OFF(2, 0) <= KEEL_UPLINK_DMA_BYTES, "the buffers fit the DMA frame");
_Static_assert(HDR_BYTES + KEEL_NET_FRAME_MAX <= BUF_BYTES, "a frame fits its buffer");

static const struct keel_uplink_info *info;
static struct keel_net_port *port;
static uint8_t *dma;
static const char *self;
static struct vdrv dev;
static struct vdrv_vq vq[2];     /* RXQ, TXQ */
static bool broken;              /* the device refused us: drop everything */
static uint16_t seen[2];         /* used entries taken, per queue */
static uint16_t tx_free[QSIZE];  /* transmit descriptors not on the device */
static unsigned ntx_free;

static uint8_t *up_slot(uint64_t ring_off, uint32_t idx)
{
	return (uint8_t *)(uintptr_t)(KEEL_NET_PORT_VADDR + ring_off +
				      (uint64_t)(idx % KEEL_NET_SLOTS) * KEEL_NET_SLOT_BYTES);
}

/* Queue q in its pages of the DMA frame (spec 4.2.3.2). */
static bool up_queue(unsigned q)
{
	vdrv_vq_place(&vq[q], q, QSIZE, dma + Q_OFF(q), info->dma_pa + Q_OFF(q), Q_AVAIL, Q_USED);
	seen[q] = 0;
	return vdrv_vq_setup(&dev, &vq[q]);
}

/* Reset and set up the device (spec 3.1.1): VERSION_1 only, both queues,
 * every receive buffer given to it. NULL, or why not. */
static const char *up_setup(void)
{
	const char *why = vdrv_start(&dev, VIRTIO_ID_NET, 1ull << VIRTIO_F_VERSION_1, 0, NULL);
	if (why)
		return why;
	if (!up_queue(RXQ) || !up_queue(TXQ))
		return "a queue is in use or too small";
	vdrv_vq_fill_rx(&vq[RXQ], info->dma_pa + BUF_OFF(RXQ, 0), BUF_BYTES, BUF_BYTES);
	for (uint16_t i = 0; i < QSIZE; i++)
		tx_free[i] = i;
	ntx_free = QSIZE;
	vdrv_driver_ok(&dev);
	vdrv_notify(&dev, RXQ);
	return NULL;
}

/* Frames the device received, into the port's tx ring while it has room;
 * each buffer goes back to the device. True if any was published. */
static bool up_from_host(bool *kick)
{
	struct keel_net_ring *r = &port->tx;
	bool published = false;
	while (vdrv_vq_used_idx(&vq[RXQ]) != seen[RXQ]) {
		struct vdrv_used_elem e = vdrv_vq_used_at(&vq[RXQ], seen[RXQ]);
		uint32_t prod = r->prod, id = e.id;
		uint32_t len = e.len - HDR_BYTES; /* wraps if short */
		if (prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) >= KEEL_NET_SLOTS)
			break; /* full: the switch signals when it took frames */
		seen[RXQ]++;
		if (id >= QSIZE)
			continue; /* not ours: nothing to give back */
		if (len >= KEEL_NET_ETH_HDR && len <= KEEL_NET_FRAME_MAX) {
			memcpy(up_slot(KEEL_NET_TX_OFF, prod), dma + BUF_OFF(RXQ, id) + HDR_BYTES, len);
			r->len[prod % KEEL_NET_SLOTS] = len;
			__atomic_store_n(&r->prod, prod + 1, __ATOMIC_RELEASE);
			published = true;
		}
		vdrv_vq_post(&vq[RXQ], (uint16_t)id);
		*kick = true;
	}
	return published;
}

/* Frames the switch delivered, onto the device's transmit queue while
 * it has free descriptors. True if any slot was taken. */
static bool up_to_host(bool *kick)
{
	struct keel_net_ring *r = &port->rx;
	uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE), cons = r->cons;
	bool took = false;
	while (vdrv_vq_used_idx(&vq[TXQ]) != seen[TXQ]) {
		uint32_t id = vdrv_vq_used_at(&vq[TXQ], seen[TXQ]++).id;
		if (id < QSIZE && ntx_free < QSIZE)
			tx_free[ntx_free++] = (uint16_t)id;
	}
	if (prod - cons > KEEL_NET_SLOTS) /* the switch's indices make no sense */
		cons = prod;
	for (; cons != prod && ntx_free > 0; cons++, took = true) {
		uint32_t len = r->len[cons % KEEL_NET_SLOTS];
		uint16_t id;
		if (len < KEEL_NET_ETH_HDR || len > KEEL_NET_FRAME_MAX)
			continue; /* nonsense from the switch: skipped */
		id = tx_free[--ntx_free];
		memset(dma + BUF_OFF(TXQ, id), 0, HDR_BYTES);
		memcpy(dma + BUF_OFF(TXQ, id) + HDR_BYTES, up_slot(KEEL_NET_RX_OFF, cons), len);
		vdrv_vq_desc_set(&vq[TXQ], id, info->dma_pa + BUF_OFF(TXQ, id), HDR_BYTES + len, 0, 0);
		vdrv_vq_post(&vq[TXQ], id);
		*kick = true;
	}
	__atomic_store_n(&r->cons, cons, __ATOMIC_RELEASE);
	return took;
}

static void up_progress(void)
{
	bool kick_rx = false, kick_tx = false, tell;
	if (broken) { /* take the switch's frames, so it does not fill up */
		__atomic_store_n(&port->rx.cons, port->rx.prod, __ATOMIC_RELEASE);
		return;
	}
	tell = up_from_host(&kick_rx);
	tell |= up_to_host(&kick_tx);
	if (kick_rx)
		vdrv_notify(&dev, RXQ);
	if (kick_tx)
		vdrv_notify(&dev, TXQ);
	if (tell)
		keel_signal(KEEL_NET_SLOT_SWITCH);
}

static void up_notified(void *ctx, uint64_t bits)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	if (bits & KEEL_UPLINK_BIT_IRQ) {
		vdrv_irq_ack(&dev);
		keel_invoke(KEEL_UPLINK_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	}
	up_progress();
}

/* Set the device up afresh: at boot, and after a crash. */
static void up_init(void *ctx)
{
	uint64_t mr[6] = { 0 };
	const char *why = up_setup();
	(void)ctx;
	keel_invoke(KEEL_UPLINK_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	if (why) {
		broken = true;
		vdrv_fail(&dev);
		kprintf("[%s] %s: frames for the host are dropped\n", self, why);
	}
	up_progress();
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .init = up_init, .notified = up_notified };
	long err;
	self = argc > 0 ? argv[0] : "uplink";
	info = (const struct keel_uplink_info *)(uintptr_t)KEEL_UPLINK_INFO_VADDR;
	port = (struct keel_net_port *)(uintptr_t)KEEL_NET_PORT_VADDR;
	dma = (uint8_t *)(uintptr_t)KEEL_UPLINK_DMA_VADDR;
	if (info->magic != KEEL_UPLINK_INFO_MAGIC) {
		kprintf("[%s] no uplink description from root\n", self);
		return 1;
	}
	dev.base = (uintptr_t)KEEL_UPLINK_MMIO_VADDR + info->mmio_off;
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
