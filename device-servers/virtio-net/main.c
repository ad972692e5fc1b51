/*
 * The virtio-net device server: one per NIC (boot/vm.c, boot/net.c), on
 * the shared virtio-mmio transport (device-servers/virtio/). It parses
 * what the guest puts in its queues and moves frames between the guest's
 * buffers and its port of the network's switch (keel/net.h); it never
 * sees another VM's memory, and the switch never sees this guest's.
 *
 * Device (spec 5.1): queue 0 receiveq, queue 1 transmitq, no control
 * queue. Features: MAC (from the config, root passes it), STATUS (link
 * always up), MTU (1500, what a frame slot holds), MRG_RXBUF (a frame over
 * several receive chains, rxmerge.c). No checksum or segmentation
 * offload: a transmit header asking for either drops the frame
 * (docs/net.md).
 *
 * Crash safety (docs/net.md): the transport's state and two commit
 * records live in the state page; the ring indices live in the shared
 * area. A restarted server resumes the transport, finishes the frame its
 * record names (a transmit published but not yet given back; a receive
 * given to the guest but not yet taken from the ring), sends again any
 * transmit chain it held, and fills receive buffers it held with the next
 * frames. So a frame is lost or sent twice only in the narrow windows
 * docs/net.md lists, and never cut short.
 *
 *   argv: its name, the VM's name, guest RAM base and size (hex), the MAC
 *         ("02:4b:45:4c:00:01")
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/ctl.h>
#include <keel/net.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/trace.h>
#include <keel/vmm.h>

#include "nethdr.h"
#include "rxmerge.h"
#include "virtio.h"

#define NET_F_MTU 3u
#define NET_F_MAC 5u
#define NET_F_MRG_RXBUF 15u
#define NET_F_STATUS 16u
#define NET_S_LINK_UP 1u
#define NET_QSIZE 256u
#define NET_RXQ 0u
#define NET_TXQ 1u
#define VNET_MAGIC 0x4b45454c564e4554ull /* "KEELVNET" */

/* A step whose effect is in two places: which chain, which ring index. */
struct vnet_commit {
	uint32_t valid;
	uint16_t head, pad;
	uint32_t idx;
};

struct vnet_state {
	struct virtio_mmio_state t; /* the transport, guest-visible */
	uint64_t magic;
	uint8_t mac[6];
	uint16_t pad;
	struct vnet_commit tx;      /* chain head published as tx frame idx */
	struct vnet_commit rx;      /* rx frame idx written into chain head */
	uint64_t tx_frames, rx_frames, tx_dropped, rx_dropped;
};
_Static_assert(sizeof(struct vnet_state) <= 4096, "one state page");

static struct vnet_state *st;
static struct keel_net_port *port;
static struct virtio_dev dev;
static const char *self;
static uint8_t mac_arg[6];

static uint8_t *vnet_slot(uint64_t ring_off, uint32_t idx)
{
	return (uint8_t *)(uintptr_t)(KEEL_NET_PORT_VADDR + ring_off +
				      (uint64_t)(idx % KEEL_NET_SLOTS) * KEEL_NET_SLOT_BYTES);
}

/* ---- config space (spec 5.1.4): mac, status, max_virtqueue_pairs, mtu ---- */
static bool vnet_config_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	uint8_t cfg[12] = { 0 };
	uint16_t status = NET_S_LINK_UP, pairs = 1, mtu = KEEL_NET_MTU;
	(void)ctx;
	memcpy(cfg, st->mac, 6);
	memcpy(cfg + 6, &status, 2);
	memcpy(cfg + 8, &pairs, 2);
	memcpy(cfg + 10, &mtu, 2);
	return virtio_config_window(cfg, sizeof(cfg), off, width, val);
}

static bool vnet_config_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return true; /* the MAC is the config's: writes are ignored (spec 5.1.4.2) */
}

/* keelctl stats: this instance's frames and bytes (root reads them and
 * keeps the totals across restarts, keel/ctl.h). */
static struct keel_ctl_dev_counters counters;
static bool vnet_request(void *ctx, struct keel_msg *m);
/* The line is a notification (.edges): the VMM hears when it rises. */
static struct keel_dev_router router = { .request = vnet_request, .ctx = NULL, .ntfn = KEEL_SRV_NTFN,
					 .told = KEEL_DEV_LINES_UNKNOWN, .edges = true,
					 .accesses = &counters.mmio, .calls = &counters.calls };
/* Frames sent and received, for a trace (keel/trace.h): one request each. */
static struct keel_dev_log vnet_log;
static uint32_t vnet_logged;

/* A frame taken at t0: its request and completion (status 1: dropped). */
static void vnet_log_frame(uint32_t type, uint64_t t0, bool ok, uint32_t len)
{
	uint64_t n = vnet_logged++;
	keel_dev_log_add(&vnet_log, t0, KEEL_TRACE_DEV_REQ, n << 32 | type, 0);
	keel_dev_log_add(&vnet_log, keel_arch_counter(), KEEL_TRACE_DEV_DONE, n << 32 | !ok,
			 ok ? len : 0);
}

/* ---- transmit: guest chain -> tx slot ---- */

/* Frame of chain c into tx slot prod, published; false: dropped. */
static bool vnet_send(const struct virtq_chain *c)
{
	struct keel_net_ring *r = &port->tx;
	struct vnet_hdr h;
	uint32_t prod = r->prod;
	uint64_t t0 = keel_arch_counter();
	int32_t len = -1;
	if (virtq_chain_copy(&dev.mem, c, 0, (uint8_t *)&h, VNET_HDR_BYTES, false))
		len = vnet_tx_check(&h, c->out_len);
	if (len < 0 || !virtq_chain_copy(&dev.mem, c, VNET_HDR_BYTES, vnet_slot(KEEL_NET_TX_OFF, prod),
					     (uint32_t)len, false)) {
		st->tx_dropped++;
		vnet_log_frame(KEEL_TRACE_REQ_SEND, t0, false, 0);
		return false;
	}
	r->len[prod % KEEL_NET_SLOTS] = (uint32_t)len;
	st->tx = (struct vnet_commit){ .head = c->head, .idx = prod };
	__atomic_store_n(&st->tx.valid, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&r->prod, prod + 1, __ATOMIC_RELEASE);
	st->tx_frames++;
	counters.requests++;
	counters.bytes_in += (uint32_t)len;
	vnet_log_frame(KEEL_TRACE_REQ_SEND, t0, true, (uint32_t)len);
	return true;
}

static bool vnet_tx_room(void)
{
	struct keel_net_ring *r = &port->tx;
	return r->prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) < KEEL_NET_SLOTS;
}

/* Every transmit chain the guest made available, while the ring has room. */
static bool vnet_tx(void)
{
	static struct virtq_chain c;
	bool sent = false;
	while (vnet_tx_room() && virtq_pop(&dev, NET_TXQ, &c) == 1) {
		sent |= vnet_send(&c);
		virtq_push(&dev, NET_TXQ, c.head, 0);
		__atomic_store_n(&st->tx.valid, 0, __ATOMIC_RELEASE);
	}
	return sent;
}

/* ---- receive: rx slot -> guest chain ---- */

/* A receive chain: one a crash left in flight first, else a new one. */
static int vnet_rx_chain(struct virtq_chain *c)
{
	int h = virtq_inflight_next(&st->t, NET_RXQ, 0);
	if (h >= 0)
		return virtq_chain_load(&dev, NET_RXQ, (uint16_t)h, c) ? 1 : -1;
	return virtq_pop(&dev, NET_RXQ, c);
}

/* Frame idx into chain c (header first), given back to the guest. */
static void vnet_receive(const struct virtq_chain *c, uint32_t idx)
{
	struct vnet_hdr h = vnet_rx_hdr();
	uint32_t len = port->rx.len[idx % KEEL_NET_SLOTS], written = 0;
	uint64_t t0 = keel_arch_counter();
	if (len >= KEEL_NET_ETH_HDR && len <= KEEL_NET_FRAME_MAX &&
	    c->in_len >= VNET_HDR_BYTES + len &&
	    virtq_chain_copy(&dev.mem, c, 0, (uint8_t *)&h, VNET_HDR_BYTES, true) &&
	    virtq_chain_copy(&dev.mem, c, VNET_HDR_BYTES, vnet_slot(KEEL_NET_RX_OFF, idx), len, true)) {
		written = VNET_HDR_BYTES + len;
		st->rx_frames++;
		counters.requests++;
		counters.bytes_out += len;
	} else {
		st->rx_dropped++; /* the guest sees an empty buffer: a lost frame */
	}
	vnet_log_frame(KEEL_TRACE_REQ_RECEIVE, t0, written != 0, len);
	st->rx = (struct vnet_commit){ .head = c->head, .idx = idx };
	__atomic_store_n(&st->rx.valid, 1, __ATOMIC_RELEASE);
	virtq_push(&dev, NET_RXQ, c->head, written);
	__atomic_store_n(&port->rx.cons, idx + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->rx.valid, 0, __ATOMIC_RELEASE);
}

/* Frame idx into as many chains as it takes (MRG_RXBUF), given back in
 * one step; false while the guest has not given enough buffers. */
static bool vnet_receive_merged(uint32_t idx)
{
	static struct virtq_chain c;
	static struct vnet_rx_set set;
	uint32_t len = port->rx.len[idx % KEEL_NET_SLOTS];
	bool ok = len >= KEEL_NET_ETH_HDR && len <= KEEL_NET_FRAME_MAX;
	uint64_t t0 = keel_arch_counter();
	/* a frame the switch should not have published: one empty chain */
	if (vnet_rx_gather(&dev, NET_RXQ, VNET_HDR_BYTES + (ok ? len : 0), &set, &c) != 1)
		return false;
	ok = ok && !set.bad && vnet_rx_fill(&dev, NET_RXQ, &set, vnet_slot(KEEL_NET_RX_OFF, idx), len, &c);
	if (ok) {
		st->rx_frames++;
		counters.requests++;
		counters.bytes_out += len;
	} else {
		memset(set.len, 0, sizeof(set.len)); /* the guest sees empty buffers: a lost frame */
		st->rx_dropped++;
	}
	vnet_log_frame(KEEL_TRACE_REQ_RECEIVE, t0, ok, len);
	st->rx = (struct vnet_commit){ .head = set.head[0], .idx = idx };
	__atomic_store_n(&st->rx.valid, 1, __ATOMIC_RELEASE);
	virtq_push_group(&dev, NET_RXQ, set.head, set.len, set.n);
	__atomic_store_n(&port->rx.cons, idx + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->rx.valid, 0, __ATOMIC_RELEASE);
	return true;
}

/* Every frame the switch published, while the guest has buffers. */
static bool vnet_rx(void)
{
	static struct virtq_chain c;
	struct keel_net_ring *r = &port->rx;
	bool took = false;
	for (;;) {
		uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE), cons = r->cons;
		if (prod == cons)
			break;
		if (prod - cons > KEEL_NET_SLOTS) { /* the switch's indices make no sense */
			__atomic_store_n(&r->cons, prod, __ATOMIC_RELEASE);
			break;
		}
		if (virtio_mmio_has_feature(&st->t, NET_F_MRG_RXBUF)) {
			if (!vnet_receive_merged(cons))
				break;
		} else {
			if (vnet_rx_chain(&c) != 1)
				break;
			vnet_receive(&c, cons);
		}
		took = true;
	}
	return took;
}

/* Everything that can move; the switch told when there is news for it. */
static void vnet_progress(void)
{
	bool news;
	if (!(st->t.status & VIRTIO_S_DRIVER_OK))
		return;
	news = vnet_tx();
	news |= vnet_rx(); /* rx ring room */
	if (news)
		keel_signal(KEEL_NET_SLOT_SWITCH);
	keel_dev_route_lines(&router, virtio_mmio_irq_level(&st->t) ? 1 : 0);
}

static void vnet_notify(void *ctx, unsigned q)
{
	(void)ctx, (void)q;
	vnet_progress();
}

static void vnet_reset(void *ctx)
{
	(void)ctx;
	st->tx.valid = st->rx.valid = 0;
}

static const struct virtio_dev_ops vnet_ops = {
	.config_read = vnet_config_read, .config_write = vnet_config_write,
	.notify = vnet_notify, .reset = vnet_reset,
};

static bool vnet_request(void *ctx, struct keel_msg *m)
{
	uint64_t val;
	bool was_ok = st->t.status & VIRTIO_S_DRIVER_OK, ok = virtio_dev_call(&dev, m, &val);
	(void)ctx;
	if (!was_ok && (st->t.status & VIRTIO_S_DRIVER_OK))
		vnet_progress(); /* frames may wait already */
	virtio_dev_reply(&dev, m, ok, val);
	return true;
}

static void vnet_notified(void *ctx, uint64_t bits)
{
	(void)ctx, (void)bits;
	vnet_progress();
}

/* A crash between the two halves of a step: finish it. */
static void vnet_resume_commits(void)
{
	static struct virtq_chain c;
	struct vnet_commit tx = st->tx, rx = st->rx;
	bool tx_held = tx.valid && virtq_inflight_next(&st->t, NET_TXQ, tx.head) == tx.head;
	bool rx_held = rx.valid && virtq_inflight_next(&st->t, NET_RXQ, rx.head) == rx.head;
	/* published (prod passed idx): only the give-back is missing */
	if (tx_held && port->tx.prod - tx.idx - 1 < KEEL_NET_SLOTS)
		virtq_push(&dev, NET_TXQ, tx.head, 0);
	/* given to the guest: only the ring's cons is missing */
	if (rx.valid && !rx_held && port->rx.cons == rx.idx)
		__atomic_store_n(&port->rx.cons, rx.idx + 1, __ATOMIC_RELEASE);
	st->tx.valid = st->rx.valid = 0;
	/* transmit chains still held: send them now (receive ones wait for frames) */
	for (int h = virtq_inflight_next(&st->t, NET_TXQ, 0); h >= 0;
	     h = virtq_inflight_next(&st->t, NET_TXQ, (unsigned)h + 1)) {
		if (!virtq_chain_load(&dev, NET_TXQ, (uint16_t)h, &c))
			break;
		if (vnet_tx_room())
			vnet_send(&c);
		virtq_push(&dev, NET_TXQ, c.head, 0);
		st->tx.valid = 0;
	}
}

static void vnet_init(void *ctx)
{
	const struct virtio_mmio_id id = {
		.device_id = VIRTIO_ID_NET, .num_queues = 2, .queue_num_max = NET_QSIZE,
		.features = 1u << NET_F_MAC | 1u << NET_F_STATUS | 1u << NET_F_MTU |
			    1u << NET_F_MRG_RXBUF,
	};
	bool fresh = st->magic != VNET_MAGIC;
	(void)ctx;
	if (fresh) {
		memset(st, 0, sizeof(*st));
		/* a new instance of a VM: frames for the old one are not its */
		port->rx.cons = __atomic_load_n(&port->rx.prod, __ATOMIC_ACQUIRE);
	}
	memcpy(st->mac, mac_arg, 6);
	virtio_mmio_resume(&dev, &id);
	st->magic = VNET_MAGIC;
	vnet_resume_commits();
	if (!fresh)
		kprintf("[%s] resuming: %lu frames sent, %lu received\n", self,
			(unsigned long)st->tx_frames, (unsigned long)st->rx_frames);
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&counters, "counters");
	vnet_log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&vnet_log, "trace log");
	vnet_progress();
	keel_signal(KEEL_NET_SLOT_SWITCH); /* whatever it waited for, look again */
}

static bool vnet_parse_mac(const char *s, uint8_t mac[6])
{
	char *end;
	for (int i = 0; i < 6; i++) {
		unsigned long v = strtoul(s, &end, 16);
		if (end == s || v > 0xff || (i < 5 && *end != ':') || (i == 5 && *end))
			return false;
		mac[i] = (uint8_t)v;
		s = end + 1;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .init = vnet_init, .notified = vnet_notified,
				    .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	if (argc < 5 || !vnet_parse_mac(argv[4], mac_arg))
		return 1;
	self = argv[0];
	st = (struct vnet_state *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	port = (struct keel_net_port *)(uintptr_t)KEEL_NET_PORT_VADDR;
	dev = (struct virtio_dev){ .s = &st->t, .ops = &vnet_ops,
		.mem = { .base = (uint8_t *)(uintptr_t)KEEL_DEV_RAM_VADDR,
			 .gpa = strtoull(argv[2], NULL, 16), .size = strtoull(argv[3], NULL, 16) } };
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
