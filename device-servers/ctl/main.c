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

/* virtio-mmio registers (spec 4.2.2) */
#define VM_MAGIC 0x000u
#define VM_VERSION 0x004u
#define VM_DEVICE_ID 0x008u
#define VM_DEV_FEATURES 0x010u
#define VM_DEV_FEATURES_SEL 0x014u
#define VM_DRV_FEATURES 0x020u
#define VM_DRV_FEATURES_SEL 0x024u
#define VM_QUEUE_SEL 0x030u
#define VM_QUEUE_NUM_MAX 0x034u
#define VM_QUEUE_NUM 0x038u
#define VM_QUEUE_READY 0x044u
#define VM_QUEUE_NOTIFY 0x050u
#define VM_INT_STATUS 0x060u
#define VM_INT_ACK 0x064u
#define VM_STATUS 0x070u
#define VM_QUEUE_DESC 0x080u
#define VM_QUEUE_DRIVER 0x090u
#define VM_QUEUE_DEVICE 0x0a0u
#define VIRTIO_MAGIC 0x74726976u
#define VIRTIO_ID_CONSOLE 3u
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define ST_FAILED 128u
#define F_VERSION_1 32u
#define D_WRITE 2u

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

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vq_avail {
	uint16_t flags, idx, ring[QSIZE];
};
struct vq_used {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QSIZE];
};

static const struct keel_ctl_info *info;
static uint8_t *queue, *buf;
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

static volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(KEEL_CTL_MMIO_VADDR + info->mmio_off + off);
}

static void reg_write64(unsigned off, uint64_t v)
{
	*reg(off) = (uint32_t)v;
	*reg(off + 4) = (uint32_t)(v >> 32);
}

static struct vq_desc *q_desc(unsigned q, unsigned i)
{
	return (struct vq_desc *)(queue + q * Q_STRIDE) + i;
}

static struct vq_avail *q_avail(unsigned q)
{
	return (struct vq_avail *)(queue + q * Q_STRIDE + Q_AVAIL);
}

static struct vq_used *q_used(unsigned q)
{
	return (struct vq_used *)(queue + q * Q_STRIDE + Q_USED);
}

/* Hand descriptor d of queue q to the device. */
static void q_post(unsigned q, uint16_t d)
{
	struct vq_avail *a = q_avail(q);
	a->ring[a->idx % QSIZE] = d;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entry before the index */
	a->idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the notify */
	*reg(VM_QUEUE_NOTIFY) = q;
}

static bool q_setup(unsigned q)
{
	uint64_t pa = info->queue_pa + q * Q_STRIDE;
	*reg(VM_QUEUE_SEL) = q;
	if (*reg(VM_QUEUE_READY) || *reg(VM_QUEUE_NUM_MAX) < QSIZE)
		return false;
	*reg(VM_QUEUE_NUM) = QSIZE;
	reg_write64(VM_QUEUE_DESC, pa);
	reg_write64(VM_QUEUE_DRIVER, pa + Q_AVAIL);
	reg_write64(VM_QUEUE_DEVICE, pa + Q_USED);
	*reg(VM_QUEUE_READY) = 1;
	return true;
}

/* Reset and set up the device (spec 3.1.1): VERSION_1 only, port 0's two
 * queues, every receive buffer posted. NULL, or why not. */
static const char *ctl_setup(void)
{
	if (*reg(VM_MAGIC) != VIRTIO_MAGIC || *reg(VM_VERSION) != 2 ||
	    *reg(VM_DEVICE_ID) != VIRTIO_ID_CONSOLE)
		return "not a modern virtio-mmio console";
	*reg(VM_STATUS) = 0;
	while (*reg(VM_STATUS) != 0)
		;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER;
	*reg(VM_DEV_FEATURES_SEL) = 1;
	if (!(*reg(VM_DEV_FEATURES) & 1u << (F_VERSION_1 - 32)))
		return "the device does not offer VIRTIO_F_VERSION_1";
	*reg(VM_DRV_FEATURES_SEL) = 1;
	*reg(VM_DRV_FEATURES) = 1u << (F_VERSION_1 - 32);
	*reg(VM_DRV_FEATURES_SEL) = 0;
	*reg(VM_DRV_FEATURES) = 0;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK;
	if (!(*reg(VM_STATUS) & ST_FEATURES_OK))
		return "the device refused our features";
	memset(queue, 0, 4096);
	if (!q_setup(RXQ) || !q_setup(TXQ))
		return "a queue is in use or too small";
	for (uint16_t i = 0; i < RX_BUFS; i++) {
		*q_desc(RXQ, i) = (struct vq_desc){ .addr = info->buf_pa + i * RX_BYTES,
						     .len = RX_BYTES, .flags = D_WRITE };
		q_avail(RXQ)->ring[i] = i;
	}
	q_avail(RXQ)->idx = RX_BUFS;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK;
	*reg(VM_QUEUE_NOTIFY) = RXQ;
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
	struct vq_used *u = q_used(TXQ);
	while (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != used_seen[TXQ]) {
		uint32_t id = u->ring[used_seen[TXQ]++ % QSIZE].id;
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
	*q_desc(TXQ, s) = (struct vq_desc){ .addr = info->buf_pa + TX_OFF + s * TX_BYTES,
					     .len = (uint32_t)len };
	tx_busy[s] = true;
	q_post(TXQ, (uint16_t)s);
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
	struct vq_used *u = q_used(RXQ);
	while (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != used_seen[RXQ]) {
		uint32_t id = u->ring[used_seen[RXQ] % QSIZE].id;
		uint32_t len = u->ring[used_seen[RXQ] % QSIZE].len;
		used_seen[RXQ]++;
		if (id >= RX_BUFS)
			continue;
		ctl_bytes((const char *)buf + id * RX_BYTES, len < RX_BYTES ? len : RX_BYTES);
		q_post(RXQ, (uint16_t)id);
	}
}

static void ctl_notified(void *ctx, uint64_t bits)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	(void)bits;
	*reg(VM_INT_ACK) = *reg(VM_INT_STATUS);
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
		*reg(VM_STATUS) = ST_FAILED;
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
	cJSON_InitHooks(&hooks);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", argv[0], err);
	return 1;
}
