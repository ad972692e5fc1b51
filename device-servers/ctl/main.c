/*
 * The control server: drives the machine's virtio console (virtio 1.2
 * section 5.3, on QEMU virt's virtio-mmio bus; make run connects it to
 * a UNIX socket) and answers the JSON lines keelctl writes there
 * (req.c, docs/management.md). It holds the device's page, its
 * interrupt, its queue page and buffers, a read-only view of root's
 * status pages and root's endpoint: every action is root's (keel/ctl.h).
 *
 * Port 0 only (MULTIPORT is not negotiated): queue 0 receives, queue 1
 * transmits. Buffers, in the 2 MiB DMA frame:
 *
 *   0                          RX_BUFS receive buffers of RX_BYTES
 *   TX_OFF + i * TX_BYTES      transmit slot i (one reply each)
 *
 * A reply finds no free slot only while the host reads nothing (QEMU
 * holds a buffer it cannot hand to the socket); it is then dropped and
 * counted, rather than the server waiting for a host that may never read.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <keel/abi.h>
#include <keel/ctl.h>
#include <keel/print.h>
#include <keel/server.h>

#include "ctl_req.h"
#include "vdrv.h"

/* The queue page: queue q's ring at q * Q_STRIDE (descriptors, then the
 * available ring at +256, the used ring at +512). */
#define QSIZE 16u
#define Q_STRIDE 2048u
#define Q_AVAIL 256u
#define Q_USED 512u
#define RXQ 0u
#define TXQ 1u
#define RX_BUFS QSIZE
#define RX_BYTES 256u
#define TX_OFF 0x10000u
#define TX_SLOTS 8u
#define TX_BYTES 0x10000u
#define LINE_MAX 32768u /* a request; create carries a config of up to 16 KiB */
#define ARENA_BYTES (128u * 1024u)
_Static_assert(TX_OFF + TX_SLOTS * TX_BYTES <= KEEL_CTL_BUF_BYTES, "slots fit the frame");
_Static_assert(RX_BUFS * RX_BYTES <= TX_OFF, "receive buffers before the slots");

static const struct keel_ctl_info *info;
static uint8_t *queue, *buf;
static struct vdrv dev;
static struct vdrv_vq vq[2]; /* RXQ, TXQ */
static uint16_t used_seen[2];
static bool tx_busy[TX_SLOTS];
static char line[LINE_MAX];
static size_t line_len;
static bool line_long;       /* this line overflowed: answered at its end */
static unsigned dropped;     /* replies with no free slot */

/* cJSON's memory: a bump arena, emptied after each request (no heap:
 * docs/libc.md). */
static _Alignas(16) unsigned char arena[ARENA_BYTES];
static size_t arena_used;

static void *ctl_alloc(size_t n)
{
	size_t need = (n + 15u) & ~(size_t)15u;
	void *p;
	if (!need || need > sizeof(arena) - arena_used)
		return NULL;
	p = arena + arena_used;
	arena_used += need;
	return p;
}

static void ctl_free(void *p)
{
	(void)p; /* the arena empties after the request */
}

/* Hand descriptor d of queue q to the device. */
static void ctl_post(unsigned q, uint16_t d)
{
	vdrv_vq_post(&vq[q], d);
	vdrv_notify(&dev, q);
}

static bool ctl_queue(unsigned q)
{
	vdrv_vq_place(&vq[q], q, QSIZE, queue + q * Q_STRIDE, info->queue_pa + q * Q_STRIDE,
		      Q_AVAIL, Q_USED);
	return vdrv_vq_setup(&dev, &vq[q]);
}

/* Reset and set up the device (spec 3.1.1): VERSION_1 only, port 0's two
 * queues, every receive buffer posted. NULL, or why not. */
static const char *ctl_setup(void)
{
	const char *why = vdrv_start(&dev, VIRTIO_ID_CONSOLE, 1ull << VIRTIO_F_VERSION_1, 0, NULL);
	if (why)
		return why;
	if (!ctl_queue(RXQ) || !ctl_queue(TXQ))
		return "a queue is in use or too small";
	vdrv_vq_fill_rx(&vq[RXQ], info->buf_pa, RX_BYTES, RX_BYTES); /* RX_BUFS == QSIZE */
	vdrv_driver_ok(&dev);
	vdrv_notify(&dev, RXQ);
	return NULL;
}

/* ---- root ---------------------------------------------------------------------- */

static const struct keel_ctl_status *ctl_snapshot(void)
{
	const struct keel_ctl_status *st = (const void *)(uintptr_t)KEEL_CTL_STATUS_VADDR;
	if (keel_report(KEEL_CTL_SNAPSHOT, 0, "%s", "snapshot") < 0)
		return NULL;
	return st->magic == KEEL_CTL_STATUS_MAGIC ? st : NULL;
}

static unsigned ctl_act(unsigned kind, uint64_t value)
{
	long r = keel_report(kind, value, "%s", "keelctl");
	return r < 0 ? KEEL_CTL_E_FAILED : (unsigned)r;
}

/* Root reads the text where it is, through its view of our pages. */
static unsigned ctl_create(const char *text, size_t len, const char *file)
{
	long r = keel_report(KEEL_CTL_CREATE, (uint64_t)(uintptr_t)text, "%zu %s", len, file);
	return r < 0 ? KEEL_CTL_E_FAILED : (unsigned)r;
}

static const struct keel_ctl_trace *ctl_trace(void)
{
	const struct keel_ctl_trace *t = (const void *)(uintptr_t)KEEL_CTL_TRACE_VADDR;
	return t->magic == KEEL_CTL_TRACE_MAGIC ? t : NULL;
}

static const struct ctl_ops ctl_root = { .snapshot = ctl_snapshot, .act = ctl_act,
					 .create = ctl_create, .trace = ctl_trace };

/* ---- lines in, replies out --------------------------------------------------------- */

static void ctl_tx_reclaim(void)
{
	while (vdrv_vq_used_idx(&vq[TXQ]) != used_seen[TXQ]) {
		uint32_t id = vdrv_vq_used_at(&vq[TXQ], used_seen[TXQ]++).id;
		if (id < TX_SLOTS)
			tx_busy[id] = false;
	}
}

/* A free transmit slot (the reply is written straight into it), or -1. */
static int ctl_tx_slot(void)
{
	ctl_tx_reclaim();
	for (unsigned s = 0; s < TX_SLOTS; s++)
		if (!tx_busy[s])
			return (int)s;
	if (++dropped == 1)
		kprintf("[ctl] the host reads no replies: dropping them\n");
	return -1;
}

static void ctl_send(unsigned s, size_t len)
{
	vdrv_vq_desc_set(&vq[TXQ], (uint16_t)s, info->buf_pa + TX_OFF + s * TX_BYTES,
			 (uint32_t)len, 0, 0);
	tx_busy[s] = true;
	ctl_post(TXQ, (uint16_t)s);
}

static void ctl_line(void)
{
	static const char too_long[] = "{\"error\":\"request longer than 32768 bytes\","
				       "\"line\":1,\"column\":32769}\n";
	int s = line_len || line_long ? ctl_tx_slot() : -1;
	char *out = s < 0 ? NULL : (char *)buf + TX_OFF + (unsigned)s * TX_BYTES;
	if (line_len && line[line_len - 1] == '\r')
		line_len--;
	if (out && line_long) {
		memcpy(out, too_long, sizeof(too_long) - 1);
		ctl_send((unsigned)s, sizeof(too_long) - 1);
	} else if (out && line_len) {
		arena_used = 0;
		ctl_send((unsigned)s, ctl_request(&ctl_root, line, line_len, out, TX_BYTES));
	}
	line_len = 0;
	line_long = false;
}

static void ctl_bytes(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			ctl_line();
		else if (line_len < sizeof(line))
			line[line_len++] = p[i];
		else
			line_long = true;
	}
}

static void ctl_rx(void)
{
	while (vdrv_vq_used_idx(&vq[RXQ]) != used_seen[RXQ]) {
		struct vdrv_used_elem e = vdrv_vq_used_at(&vq[RXQ], used_seen[RXQ]++);
		uint32_t id = e.id, len = e.len;
		if (id >= RX_BUFS)
			continue;
		ctl_bytes((const char *)buf + id * RX_BYTES, len < RX_BYTES ? len : RX_BYTES);
		ctl_post(RXQ, (uint16_t)id);
	}
}

static void ctl_notified(void *ctx, uint64_t bits)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	(void)bits;
	vdrv_irq_ack(&dev);
	keel_invoke(KEEL_CTL_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	ctl_tx_reclaim();
	ctl_rx();
}

static void ctl_init(void *ctx)
{
	uint64_t mr[6] = { 0 };
	const char *why = ctl_setup();
	(void)ctx;
	keel_invoke(KEEL_CTL_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	if (why) {
		vdrv_fail(&dev);
		kprintf("[ctl] %s\n", why);
		return;
	}
	kprintf("[ctl] control channel ready (JSON lines, docs/management.md)\n");
	ctl_rx(); /* anything the host wrote before */
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .init = ctl_init,
				    .notified = ctl_notified };
	cJSON_Hooks hooks = { .malloc_fn = ctl_alloc, .free_fn = ctl_free };
	long err;
	(void)argc;
	info = (const struct keel_ctl_info *)(uintptr_t)KEEL_CTL_INFO_VADDR;
	queue = (uint8_t *)(uintptr_t)KEEL_CTL_QUEUE_VADDR;
	buf = (uint8_t *)(uintptr_t)KEEL_CTL_BUF_VADDR;
	if (info->magic != KEEL_CTL_INFO_MAGIC)
		return 1;
	dev.base = (uintptr_t)KEEL_CTL_MMIO_VADDR + info->mmio_off;
	cJSON_InitHooks(&hooks);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", argv[0], err);
	return 1;
}
