/*
 * libFuzzer target: the virtio-mmio transport (device-servers/virtio/)
 * driven by the input as a hostile driver would: register accesses,
 * arbitrary bytes written anywhere in guest RAM (rings, descriptors),
 * notifications, completions (one chain or a group), virtio-net's
 * mergeable receive (rxmerge.c), server restarts and corrupted state pages.
 * Guest RAM is one heap block of exactly RAM_SIZE bytes, so any access
 * the library makes outside it lands in ASan's redzone.
 *
 * Besides "nothing faults", each step checks what the library promises:
 * a chain's buffers lie in guest RAM (touched through a pointer computed
 * here, not by the library), the in-flight count matches the set, a
 * resumed state equals the one it resumed from.
 *
 *   make fuzz-virtq-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-virtq         FUZZ_RUNS inputs (make fuzz)
 */
#include <stdlib.h>
#include <string.h>

#include <keel/net.h>

#include "nethdr.h"
#include "rxmerge.h"
#include "virtio.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x4000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const uint8_t *p;
	size_t n;
};

static uint64_t fz_take(struct fz *f, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && f->n > 0; i++, f->p++, f->n--)
		v |= (uint64_t)*f->p << (8 * i);
	return v;
}

static uint8_t fz_cfg[16];

static bool fz_cfg_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	(void)ctx;
	if (off >= sizeof(fz_cfg) || width > sizeof(fz_cfg) - off)
		return false;
	*val = 0;
	memcpy(val, fz_cfg + off, width);
	return true;
}

static bool fz_cfg_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx;
	if (off >= sizeof(fz_cfg) || width > sizeof(fz_cfg) - off)
		return false;
	memcpy(fz_cfg + off, &val, width);
	return true;
}

static unsigned fz_notified;
static void fz_notify(void *ctx, unsigned q)
{
	(void)ctx;
	fz_notified |= 1u << q;
}

static const struct virtio_dev_ops fz_ops = { fz_cfg_read, fz_cfg_write, fz_notify, NULL, NULL };
static const struct virtio_mmio_id fz_id = { 2, 2, 16, 0x00000246 };

/* Touch every byte of a buffer the library said is guest RAM. */
static void fz_touch_chain(uint8_t *ram, const struct virtq_chain *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		if (b->gpa < RAM_GPA || b->gpa - RAM_GPA > RAM_SIZE ||
		    b->len > RAM_SIZE - (b->gpa - RAM_GPA))
			abort();
		if (b->len > 0) {
			volatile uint8_t *p = ram + (b->gpa - RAM_GPA);
			p[0] = p[0];
			p[b->len - 1] = (uint8_t)(p[b->len - 1] + (b->write ? 1 : 0));
		}
	}
}

static void fz_check(const struct virtio_mmio_state *s)
{
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		uint32_t n = 0;
		for (int h = virtq_inflight_next(s, q, 0); h >= 0;
		     h = virtq_inflight_next(s, q, (unsigned)h + 1))
			n++;
		if (q < s->num_queues && n != s->q[q].inflight_count)
			abort();
	}
	if (s->journal.op != VIRTIO_J_NONE)
		abort();
}

/* A driver's usual bring-up of queue q, so inputs reach the rings fast;
 * bit 15 of base asks for EVENT_IDX. */
static void fz_setup(struct virtio_dev *d, unsigned q, uint32_t num, uint32_t base)
{
	uint64_t desc = RAM_GPA + (base % RAM_SIZE), drv = desc + 16ull * num, dev = drv + 0x400;
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, 4, 3);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, 4,
			  (base & 0x8000) ? 1u << VIRTIO_F_RING_EVENT_IDX : 0);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1);
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, 4, 11);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_SEL, 4, q);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_NUM, 4, num);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, (uint32_t)desc);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, (uint32_t)drv);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, (uint32_t)dev);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, 4, 15);
}

/* The device serving queue q: take what is there, give some back. */
static void fz_serve(struct virtio_dev *d, uint8_t *ram, unsigned q, uint32_t len, bool give)
{
	static struct virtq_chain c;
	int r;
	while ((r = virtq_pop(d, q, &c)) == 1) {
		fz_touch_chain(ram, &c);
		if (give && !virtq_push(d, q, c.head, len < c.in_len ? len : c.in_len))
			abort(); /* it was just taken: it is in flight */
	}
}

/* A restarted server re-driving what is in flight. */
static void fz_redrive(struct virtio_dev *d, uint8_t *ram, unsigned q, uint32_t len)
{
	static struct virtq_chain c;
	for (int h = virtq_inflight_next(d->s, q, 0); h >= 0;
	     h = virtq_inflight_next(d->s, q, (unsigned)h + 1)) {
		if (virtq_chain_load(d, q, (uint16_t)h, &c))
			fz_touch_chain(ram, &c);
		(void)virtq_push(d, q, (uint16_t)h, len);
	}
}

/* virtio-net's mergeable receive (rxmerge.c) of a frame of len bytes on
 * queue q: what it gathered always goes back in one group. */
static void fz_rx_merge(struct virtio_dev *d, unsigned q, uint32_t len)
{
	static struct virtq_chain c;
	static struct vnet_rx_set set;
	static uint8_t frame[KEEL_NET_FRAME_MAX];
	len %= sizeof(frame) + 1;
	if (vnet_rx_gather(d, q, VNET_HDR_BYTES + len, &set, &c) != 1)
		return;
	if (set.n == 0 || set.n > VIRTQ_GIVE_MAX)
		abort();
	if (set.bad || !vnet_rx_fill(d, q, &set, frame, len, &c))
		memset(set.len, 0, sizeof(set.len));
	if (!virtq_push_group(d, q, set.head, set.len, set.n))
		abort(); /* taken for this frame: in flight, each once */
}

/* A group completion of arbitrary heads: refused whole unless each is in
 * flight once. */
static void fz_group(struct virtio_dev *d, struct fz *f, unsigned q)
{
	uint16_t heads[VIRTQ_GIVE_MAX];
	uint32_t lens[VIRTQ_GIVE_MAX];
	unsigned n = (unsigned)fz_take(f, 1) % (VIRTQ_GIVE_MAX + 2);
	for (unsigned i = 0; i < n && i < VIRTQ_GIVE_MAX; i++) {
		heads[i] = (uint16_t)fz_take(f, 1);
		lens[i] = (uint32_t)fz_take(f, 2);
	}
	(void)virtq_push_group(d, q, heads, lens, n);
}

static void fz_restart(struct virtio_dev *d, struct fz *f, bool corrupt)
{
	static struct virtio_mmio_state before;
	before = *d->s;
	if (corrupt) {
		size_t at = (size_t)fz_take(f, 2) % sizeof(*d->s);
		((uint8_t *)d->s)[at] ^= (uint8_t)fz_take(f, 1);
	}
	if (!virtio_mmio_resume(d, &fz_id))
		abort();
	if (!corrupt && memcmp(&before, d->s, sizeof(before)) != 0)
		abort(); /* a sound state resumes unchanged */
}

static void fz_step(struct virtio_dev *d, uint8_t *ram, struct fz *f)
{
	static const unsigned widths[4] = { 4, 1, 2, 8 };
	uint64_t v;
	unsigned op = (unsigned)fz_take(f, 1), w = widths[(op >> 4) & 3];
	uint32_t off;
	switch (op & 15) {
	case 0: case 1: /* register write, mostly to real registers */
		off = (uint32_t)fz_take(f, 2) % 0x220;
		if (op & 64)
			off &= ~3u;
		(void)virtio_mmio_write(d, off, (op & 64) ? 4 : w, fz_take(f, 8));
		break;
	case 2: /* register read */
		(void)virtio_mmio_read(d, (uint32_t)fz_take(f, 2) % 0x220, w, &v);
		break;
	case 3: case 4: case 5: { /* the guest writes its RAM: rings, descriptors */
		uint32_t at = (uint32_t)fz_take(f, 2) % RAM_SIZE;
		unsigned n = (unsigned)fz_take(f, 1) % 32;
		for (unsigned i = 0; i < n && at + i < RAM_SIZE; i++)
			ram[at + i] = (uint8_t)fz_take(f, 1);
		break;
	}
	case 6:
		fz_setup(d, (op >> 4) & 1, 1u << ((op >> 5) & 7), (uint32_t)fz_take(f, 2));
		break;
	case 7: case 8:
		fz_serve(d, ram, (op >> 4) & 3, (uint32_t)fz_take(f, 4), (op & 15) == 7);
		break;
	case 9: /* a completion for any head: refused unless in flight */
		(void)virtq_push(d, (op >> 4) & 3, (uint16_t)fz_take(f, 2), (uint32_t)fz_take(f, 4));
		break;
	case 10:
		fz_redrive(d, ram, (op >> 4) & 3, (uint32_t)fz_take(f, 4));
		break;
	case 11: case 12:
		fz_restart(d, f, (op & 15) == 12);
		break;
	case 13:
		fz_rx_merge(d, (op >> 4) & 3, (uint32_t)fz_take(f, 2));
		break;
	case 14:
		fz_group(d, f, (op >> 4) & 3);
		break;
	default:
		virtio_mmio_config_changed(d);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_mmio_state st;
	uint8_t *ram = malloc(RAM_SIZE);
	struct virtio_dev d = { &st, { ram, RAM_GPA, RAM_SIZE }, &fz_ops, NULL };
	struct fz f = { data, size };
	if (ram == NULL)
		return 0;
	memset(ram, 0, RAM_SIZE);
	if (!virtio_mmio_init(&st, &fz_id))
		abort();
	while (f.n > 0) {
		fz_step(&d, ram, &f);
		fz_check(&st);
	}
	free(ram);
	return 0;
}
