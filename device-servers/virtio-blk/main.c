/*
 * The virtio-blk device server: one per virtual disk, on the shared
 * virtio-mmio transport (device-servers/virtio/). It parses what the
 * guest puts in its queue and hands each request to its block driver
 * (device-servers/blk-driver/, keel/blk.h) with the guest-physical
 * segments of its data; the physical device reads and writes the guest's
 * buffers directly (no copy), the driver having checked that every
 * segment lies in this VM's RAM. It never touches the physical device,
 * and the driver never maps guest memory.
 *
 * Crash safety (docs/blk.md): the transport's state, the requests handed
 * to the driver (which head is in which ring slot) and the driver
 * completions handled live in the state page. A restarted server resumes
 * the transport (finishing the step its journal records), hands the driver
 * any head taken from the guest but not yet given to it, and completes
 * what the driver finished since; a head is completed only while the
 * transport still has it in flight, so no request completes twice. The
 * segments of a request handed are in the ring slot's list (the shared
 * area outlives both servers); one not handed yet is walked again from
 * its head, which is still in flight, so its buffers are still the
 * device's and none the guest got back is written again.
 *
 * With a post page (argv[5] "post", keel/abi.h struct keel_post_page),
 * the kernel answers the guest's InterruptStatus reads from the page and
 * queues its InterruptACK writes there, so the two accesses of each
 * interrupt cost the guest an exit but no switch to this server. The
 * server applies the queued acknowledgements before any other access of
 * the guest, before it sets a bit of InterruptStatus (the transport's
 * isr_sync) and when the kernel signals, and keeps the page's value equal
 * to InterruptStatus before it tells the VMM of a notification: why no
 * notification is lost is in docs/blk.md ("InterruptStatus and
 * InterruptACK from a post page").
 *
 * A write to a read-only disk fails with IOERR here, before the driver
 * sees it, whether or not the guest accepted VIRTIO_BLK_F_RO and whatever
 * the physical device is (the driver refuses writes too when the physical
 * device is read-only, as make run gives it: a second wall).
 *
 *   argv: its name, the VM's name, guest RAM base and size (hex), "ro"
 *         for a read-only disk (the device offers VIRTIO_BLK_F_RO) or
 *         "rw", and "post" when the post page is mapped
 *         (KEEL_DEV_POST_VADDR, kept by root; its notification is the
 *         one bound for the driver, badged KEEL_DEV_POST_BADGE)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/crashpoint.h>
#include <keel/ctl.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/trace.h>
#include <keel/arch_counter.h>
#include <keel/vmm.h>

#include "virtio.h"

#define BLK_F_SIZE_MAX 1u
#define BLK_F_SEG_MAX 2u
#define BLK_F_RO 5u
#define BLK_F_BLK_SIZE 6u
#define BLK_F_FLUSH 9u
#define BLK_QSIZE 128u
#define BLK_SIZE_MAX 0x100000u /* a segment, as Linux's largest request */
#define BLK_HDR 16u
#define BLK_ID_BYTES 20u
#define VBLK_MAGIC 0x4b45454c56424c32ull /* "KEELVBL2" */

/* A request handed to the driver: which guest chain it is. The chain's
 * data stays in the guest's buffers; the driver gets their guest-physical
 * segments in the ring slot's list and the device reads or writes them
 * directly. */
struct vblk_slot {
	uint16_t head;
	uint16_t pad;
	uint32_t type;
	uint32_t len;        /* data bytes */
	uint32_t pad2;
	uint64_t status_gpa; /* the chain's status byte, in guest RAM */
};

struct vblk_state {
	struct virtio_mmio_state t; /* the transport, guest-visible */
	uint64_t magic;
	uint32_t seen;              /* driver completions handled */
	uint32_t post_tail;         /* the post page's writes applied */
	uint64_t capacity;          /* what the guest was last told */
	struct vblk_slot slot[KEEL_BLK_SLOTS]; /* for ring requests seen.. req */
};
_Static_assert(sizeof(struct vblk_state) <= 4096, "one state page");

static struct vblk_state *st;
static struct keel_blk_ring *ring;
static struct virtio_dev dev;
static const char *self;
static struct keel_dev_log vblk_log; /* requests, for a trace (keel/trace.h) */
static struct keel_post_page *post;  /* NULL: none */
static bool read_only;               /* argv[4] "ro": offers RO, refuses writes */
static bool vblk_request(void *ctx, struct keel_msg *m);
/* keelctl stats: this instance's requests and bytes (root reads them and
 * keeps the totals across restarts, keel/ctl.h). */
static struct keel_ctl_dev_counters counters;
/* The line is a notification (.edges): the VMM hears when it rises. */
static struct keel_dev_router router = { .request = vblk_request, .ctx = NULL, .ntfn = KEEL_SRV_NTFN,
					 .told = KEEL_DEV_LINES_UNKNOWN, .edges = true,
					 .accesses = &counters.mmio, .calls = &counters.calls };

static struct keel_blk_seg *slot_segs(uint32_t n)
{
	return (struct keel_blk_seg *)(uintptr_t)(KEEL_BLK_SHARED_VADDR + KEEL_BLK_SEG_OFF +
						  (uint64_t)(n % KEEL_BLK_SLOTS) * KEEL_BLK_SEG_BYTES);
}

/* ---- the post page: InterruptStatus read, InterruptACK queued ---- */

/* Apply the acknowledgements the kernel queued, in order, each as the
 * guest's write it was (a width other than 4, which the transport refuses
 * with a data abort when it is an exit, is dropped: the guest's access is
 * over). The count taken is state: a crash in between applies the last one
 * again, which changes nothing. */
static void vblk_post_take(void *ctx)
{
	uint32_t head;
	(void)ctx;
	if (!post)
		return;
	head = __atomic_load_n(&post->head, __ATOMIC_ACQUIRE);
	if (head - st->post_tail > KEEL_POST_SLOTS)
		st->post_tail = head; /* a state from before the page: nothing to take */
	while (st->post_tail != head) {
		uint64_t e = post->post[st->post_tail % KEEL_POST_SLOTS];
		if (e >> 32 == 4)
			virtio_mmio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, 4, (uint32_t)e);
		counters.mmio++;
		st->post_tail++;
	}
}

/* A bit of InterruptStatus is about to be set (the transport's isr_sync):
 * the acknowledgements queued so far go first, and the VMM will hear of
 * it (vblk_tell). */
static bool vblk_raised;

static void vblk_isr_sync(void *ctx)
{
	vblk_post_take(ctx);
	vblk_raised = true;
}

/* The page answers reads with InterruptStatus as it is now, and has the
 * queue's room back. */
static void vblk_post_publish(void)
{
	if (!post)
		return;
	__atomic_store_n(&post->read_val, st->t.isr, __ATOMIC_RELEASE);
	__atomic_store_n(&post->tail, st->post_tail, __ATOMIC_RELEASE);
}

/* Once the state is resumed: the two registers, the value, then ready. */
static void vblk_post_start(void)
{
	post->read_off = VIRTIO_MMIO_INTERRUPT_STATUS;
	post->post_off = VIRTIO_MMIO_INTERRUPT_ACK;
	vblk_post_take(NULL);
	vblk_post_publish();
	__atomic_store_n(&post->ready, KEEL_POST_READY, __ATOMIC_RELEASE);
}

/* ---- config space (spec 5.2.4): capacity, size_max, seg_max, blk_size ---- */
static bool vblk_config_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	uint8_t cfg[24] = { 0 };
	uint64_t cap = st->capacity;
	/* a chain holds at most the queue's entries, less the header and the
	 * status; it goes to the driver as one request whatever its size, and
	 * the driver's table holds as many segments each cut once at a RAM
	 * frame's end (device-servers/blk-driver/main.c) */
	uint32_t size_max = BLK_SIZE_MAX, seg_max = BLK_QSIZE - 2, blk_size = KEEL_BLK_SECTOR;
	(void)ctx;
	memcpy(cfg, &cap, 8);
	memcpy(cfg + 8, &size_max, 4);
	memcpy(cfg + 12, &seg_max, 4);
	memcpy(cfg + 20, &blk_size, 4);
	return virtio_config_window(cfg, sizeof(cfg), off, width, val);
}

static bool vblk_config_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return true; /* nothing writable: writeback is not offered */
}

/* ---- a chain: header, data, status ---- */

/* Where the guest's status byte is: the last byte of the last writable
 * buffer. False if the chain has none. */
static bool vblk_status_gpa(const struct virtq_chain *c, uint64_t *gpa)
{
	const struct virtq_buf *b = c->n ? &c->buf[c->n - 1] : NULL;
	if (!b || c->in_len < 1 || !b->write || b->len < 1)
		return false;
	*gpa = b->gpa + b->len - 1;
	return true;
}

static bool vblk_status(const struct virtq_chain *c, uint8_t status)
{
	uint64_t gpa;
	return vblk_status_gpa(c, &gpa) && gmem_write(&dev.mem, gpa, &status, 1);
}

/* The chain's first len data bytes as guest-physical segments into seg:
 * of the writable part before the status byte (a read, GET_ID) or of the
 * readable part after the header (a write). Their number, 0 if they do
 * not fit in KEEL_BLK_SEG_MAX. Empty buffers are skipped. */
static uint32_t vblk_segments(const struct virtq_chain *c, bool in, uint32_t len,
			      struct keel_blk_seg *seg)
{
	uint64_t skip = in ? 0 : BLK_HDR;
	uint32_t n = 0;
	for (unsigned i = 0; i < c->n && len; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint32_t take;
		if ((b->write != 0) != in)
			continue;
		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		if (n == KEEL_BLK_SEG_MAX)
			return 0;
		take = b->len - (uint32_t)skip < len ? b->len - (uint32_t)skip : len;
		seg[n++] = (struct keel_blk_seg){ .gpa = b->gpa + skip, .len = take };
		skip = 0;
		len -= take;
	}
	return len ? 0 : n;
}

/* The data bytes of a checked chain of this type, or -1: not a request
 * the device takes (spec 5.2.6: header readable, status last writable). */
static int64_t vblk_data_len(const struct virtq_chain *c, uint32_t type)
{
	if (c->out_len < BLK_HDR || c->in_len < 1)
		return -1;
	if (type == KEEL_BLK_T_OUT)
		return c->in_len == 1 ? (int64_t)(c->out_len - BLK_HDR) : -1;
	if (type == KEEL_BLK_T_IN || type == KEEL_BLK_T_GET_ID)
		return c->out_len == BLK_HDR ? (int64_t)(c->in_len - 1) : -1;
	return c->out_len == BLK_HDR ? 0 : -1;
}

/* Would the whole read or write fail at the driver? Then it fails before
 * any part of it reaches the disk (a write is never half done for a
 * reason known in advance). */
static bool vblk_out_of_range(uint32_t type, uint64_t sector, int64_t len)
{
	uint64_t cap = ring->capacity;
	if (type != KEEL_BLK_T_IN && type != KEEL_BLK_T_OUT)
		return false;
	return len == 0 || len % KEEL_BLK_SECTOR || sector > cap ||
	       (uint64_t)len / KEEL_BLK_SECTOR > cap - sector;
}

/* Complete a chain at once, before the driver sees it. */
static void vblk_refuse(const struct virtq_chain *c, uint8_t status)
{
	vblk_status(c, status);
	virtq_push(&dev, 0, c->head, 1);
	counters.requests++;
}

/* Hand the driver ring request n for the chain: its segments first, then
 * the request, then req (a restart finds a head not yet in seen..req and
 * hands it again). */
static void vblk_hand(const struct vblk_slot *slot, uint64_t sector, uint32_t nseg)
{
	uint32_t n = ring->req;
	st->slot[n % KEEL_BLK_SLOTS] = *slot;
	ring->slot[n % KEEL_BLK_SLOTS] = (struct keel_blk_req){ .type = slot->type,
		.len = slot->len, .sector = sector, .status = 0xff, .nseg = nseg };
	__atomic_store_n(&ring->req, n + 1, __ATOMIC_RELEASE);
	keel_crash_point(KEEL_VBLK_CP_HANDED);
	keel_dev_log_add(&vblk_log, keel_arch_counter(), KEEL_TRACE_DEV_REQ,
			 (uint64_t)n << 32 | slot->type, sector);
}

/* A chain new from the guest (a ring slot is free): handed to the driver
 * as one request with its data's segments, or completed at once with an
 * error. */
static void vblk_submit(const struct virtq_chain *c)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { ~0u, 0, 0 };
	int64_t len = -1;
	uint32_t nseg = 0;
	uint64_t status_gpa = 0;
	bool known, handed = false;
	keel_crash_point(KEEL_VBLK_CP_TAKEN);
	/* the header in the first buffer, as every driver puts it */
	if (c->n && !c->buf[0].write && c->buf[0].len >= BLK_HDR &&
	    gmem_read(&dev.mem, c->buf[0].gpa, &hdr, BLK_HDR))
		len = vblk_data_len(c, hdr.type);
	known = hdr.type == KEEL_BLK_T_IN || hdr.type == KEEL_BLK_T_OUT ||
		hdr.type == KEEL_BLK_T_FLUSH || hdr.type == KEEL_BLK_T_GET_ID;
	if (hdr.type == KEEL_BLK_T_GET_ID && len > BLK_ID_BYTES)
		len = BLK_ID_BYTES;
	if (known && len > 0)
		nseg = vblk_segments(c, hdr.type != KEEL_BLK_T_OUT, (uint32_t)len,
				     slot_segs(ring->req));
	if (!known || len < 0 || !vblk_status_gpa(c, &status_gpa) ||
	    vblk_out_of_range(hdr.type, hdr.sector, len) || (len > 0 && nseg == 0) ||
	    (hdr.type == KEEL_BLK_T_OUT && read_only)) {
		vblk_refuse(c, known ? KEEL_BLK_S_IOERR : KEEL_BLK_S_UNSUPP);
	} else {
		vblk_hand(&(struct vblk_slot){ .head = c->head, .type = hdr.type,
					       .len = (uint32_t)len, .status_gpa = status_gpa },
			  hdr.sector, nseg);
		handed = true;
	}
	keel_signal(KEEL_SRV_FREE);
	if (handed)
		keel_crash_point(KEEL_VBLK_CP_TOLD);
}

/* Driver completion n: the status into the guest's status byte (where it
 * was when the chain was handed: the buffer is the device's until the
 * chain goes back, so the chain is not walked again) and the chain back to
 * the guest (the device wrote a read's data in place), only while the
 * head is still in flight. */
static void vblk_complete(uint32_t n)
{
	const struct vblk_slot *s = &st->slot[n % KEEL_BLK_SLOTS];
	uint8_t status = (uint8_t)ring->slot[n % KEEL_BLK_SLOTS].status;
	bool in = s->type == KEEL_BLK_T_IN || s->type == KEEL_BLK_T_GET_ID;
	if (virtq_inflight_next(&st->t, 0, s->head) != s->head)
		return;
	if (status == KEEL_BLK_S_OK && in)
		counters.bytes_out += s->len;
	if (status == KEEL_BLK_S_OK && s->type == KEEL_BLK_T_OUT)
		counters.bytes_in += s->len;
	keel_dev_log_add(&vblk_log, keel_arch_counter(), KEEL_TRACE_DEV_DONE,
			 (uint64_t)n << 32 | status, s->len);
	if (!gmem_write(&dev.mem, s->status_gpa, &status, 1)) { /* checked when handed */
		virtq_push(&dev, 0, s->head, 0);
		return;
	}
	keel_crash_point(KEEL_VBLK_CP_STATUS);
	virtq_push(&dev, 0, s->head, status == KEEL_BLK_S_OK && in ? s->len + 1 : 1);
	keel_crash_point(KEEL_VBLK_CP_USED);
	counters.requests++;
}

/* Is head one of the requests the driver has (seen .. req)? */
static bool vblk_handed(uint16_t head)
{
	for (uint32_t n = st->seen; n != ring->req; n++)
		if (st->slot[n % KEEL_BLK_SLOTS].head == head)
			return true;
	return false;
}

/* After work that may have set InterruptStatus: the page's value first,
 * then the VMM signalled of every notification raised, even with the line
 * high already: with a post page the guest may have acknowledged the last
 * one without the server knowing yet, so "high" no longer says that the
 * guest will look at the ring again (docs/blk.md). */
static void vblk_tell(void)
{
	vblk_post_take(NULL);
	vblk_post_publish();
	if (vblk_raised)
		router.told = 0; /* a new notification: an edge */
	vblk_raised = false;
	keel_dev_route_lines(&router, virtio_mmio_irq_level(&st->t) ? 1 : 0);
}

/* Everything that can move: completions in, new requests out, and the
 * guest told if its line rose or the disk's size changed. */
static void vblk_progress(void)
{
	static struct virtq_chain c;
	uint32_t done = __atomic_load_n(&ring->done, __ATOMIC_ACQUIRE);
	if (ring->ready && ring->capacity != st->capacity) {
		st->capacity = ring->capacity;
		virtio_mmio_config_changed(&dev);
	}
	while (st->seen != done && done - st->seen <= KEEL_BLK_SLOTS) {
		vblk_complete(st->seen);
		st->seen++;
	}
	while (ring->req - st->seen < KEEL_BLK_SLOTS && virtq_pop(&dev, 0, &c) == 1)
		vblk_submit(&c);
	vblk_tell();
}

static void vblk_notify(void *ctx, unsigned q)
{
	(void)ctx;
	if (q != 0)
		return;
	keel_crash_point(KEEL_VBLK_CP_NOTIFIED);
	vblk_progress();
}

static const struct virtio_dev_ops vblk_ops = {
	.config_read = vblk_config_read, .config_write = vblk_config_write,
	.notify = vblk_notify, .isr_sync = vblk_isr_sync,
};

static bool vblk_request(void *ctx, struct keel_msg *m)
{
	uint64_t val;
	bool ok;
	(void)ctx;
	vblk_post_take(NULL); /* the guest's acknowledgements come first */
	ok = virtio_dev_call(&dev, m, &val);
	vblk_tell();
	virtio_dev_reply(&dev, m, ok, val);
	return true;
}

static void vblk_notified(void *ctx, uint64_t bits)
{
	(void)ctx, (void)bits;
	vblk_progress();
}

/* A (re)start: resume the transport; hand the driver every head taken
 * from the guest that it does not have (a crash between the two). */
static void vblk_init(void *ctx)
{
	const struct virtio_mmio_id id = {
		.device_id = VIRTIO_ID_BLOCK, .num_queues = 1, .queue_num_max = BLK_QSIZE,
		.features = 1u << BLK_F_SIZE_MAX | 1u << BLK_F_SEG_MAX | 1u << BLK_F_BLK_SIZE |
			    1u << BLK_F_FLUSH | (read_only ? 1u << BLK_F_RO : 0),
	};
	static struct virtq_chain c;
	bool fresh = st->magic != VBLK_MAGIC;
	(void)ctx;
	vblk_log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&vblk_log, "trace log");
	if (fresh) {
		memset(st, 0, sizeof(*st));
		st->seen = ring->done; /* a new instance of a VM: start where the driver is */
	}
	virtio_mmio_resume(&dev, &id);
	st->magic = VBLK_MAGIC;
	if (post)
		vblk_post_start();
	for (int h = virtq_inflight_next(&st->t, 0, 0); h >= 0;
	     h = virtq_inflight_next(&st->t, 0, (unsigned)h + 1))
		if (!vblk_handed((uint16_t)h) && ring->req - st->seen < KEEL_BLK_SLOTS &&
		    virtq_chain_load(&dev, 0, (uint16_t)h, &c))
			vblk_submit(&c);
	if (!fresh)
		kprintf("[%s] resuming: %u requests with the driver\n", self, ring->req - st->seen);
	/* the last one handed may never have been told (a crash between) */
	if (ring->req != st->seen)
		keel_signal(KEEL_SRV_FREE);
	keel_crash_points_report();
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&counters, "counters");
	vblk_progress();
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .init = vblk_init, .notified = vblk_notified,
				    .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	if (argc < 4)
		return 1;
	self = argv[0];
	read_only = argc > 4 && strcmp(argv[4], "ro") == 0;
	if (argc > 5 && strcmp(argv[5], "post") == 0)
		post = (struct keel_post_page *)(uintptr_t)KEEL_DEV_POST_VADDR;
	st = (struct vblk_state *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	ring = (struct keel_blk_ring *)(uintptr_t)KEEL_BLK_SHARED_VADDR;
	dev = (struct virtio_dev){ .s = &st->t, .ops = &vblk_ops,
		.mem = { .base = (uint8_t *)(uintptr_t)KEEL_DEV_RAM_VADDR,
			 .gpa = strtoull(argv[2], NULL, 16), .size = strtoull(argv[3], NULL, 16) } };
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
