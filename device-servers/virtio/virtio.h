/*
 * The virtio-mmio transport (virtio 1.2, modern interface only, section
 * 4.2) with split virtqueues (2.7), shared by every virtio device server.
 * docs/virtio.md describes it; this header is the interface.
 *
 *   offset  register              guest access  what the transport does
 *   ------  --------------------  ------------  ----------------------------------
 *   0x000   MagicValue            R             0x74726976 ("virt")
 *   0x004   Version               R             2 (modern)
 *   0x008   DeviceID              R             the device's type
 *   0x00c   VendorID              R             VIRTIO_VENDOR_KEEL
 *   0x010   DeviceFeatures        R             32 bits of the offer, by Sel
 *   0x014   DeviceFeaturesSel     W             0 or 1 (others read 0)
 *   0x020   DriverFeatures        W             stored until FEATURES_OK
 *   0x024   DriverFeaturesSel     W             0 or 1 (others ignored)
 *   0x030   QueueSel              W             any; a missing queue reads 0
 *   0x034   QueueNumMax           R             0 if the queue does not exist
 *   0x038   QueueNum              W             checked at QueueReady
 *   0x044   QueueReady            RW            1: all queue values checked
 *   0x050   QueueNotify           W             the device's notify callback
 *   0x060   InterruptStatus       R             bit 0 used buffer, bit 1 config
 *   0x064   InterruptACK          W             clears those bits
 *   0x070   Status                RW            order checked (spec 3.1.1)
 *   0x080.. QueueDesc/Driver/Device Low/High  W  checked at QueueReady
 *   0x0ac   SHMSel                W             ignored: no shared memory
 *   0x0b0.. SHMLen Low/High       R             all ones ("no such region")
 *   0x0b8.. SHMBase Low/High      R             all ones
 *   0x0fc   ConfigGeneration      R             bumped on every config change
 *   0x100.. device config         RW            the device's callbacks
 *
 * Registers below 0x100 take only aligned 32-bit accesses (spec 4.2.2.2's
 * driver rule); other widths, and writes to read-only registers, are
 * refused (the VMM gives the guest a data abort). Unlisted offsets below
 * 0x100 read 0 and ignore writes.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"
#include "virtio_spec.h"

#define VIRTIO_VENDOR_KEEL 0x4c45454bu /* "KEEL" */

/* INDIRECT_DESC (28) is never offered: the walker refuses indirect
 * descriptors. */
#define VIRTIO_F_TRANSPORT_OK ((1ull << VIRTIO_F_RING_EVENT_IDX) | (1ull << VIRTIO_F_VERSION_1))

#define VIRTIO_QUEUES_MAX 8u
#define VIRTQ_SIZE_MAX 256u /* a chain has at most this many descriptors */
#define VIRTIO_STATE_MAGIC 0x5649524d4d494f31ull /* "VIRMMIO1" */

/*
 * One virtqueue's guest-visible state. Addresses are guest-physical; the
 * in-flight set holds the heads taken from the avail ring and not yet put
 * in the used ring (a head appears at most once: a second is a guest bug).
 */
struct virtq_state {
	uint32_t num;        /* QueueNum as written */
	uint32_t ready;      /* QueueReady: 1 only after every check passed */
	uint64_t desc, driver, device;
	uint16_t last_avail; /* next avail ring index to take */
	uint16_t used_idx;   /* next used ring index to publish */
	uint32_t inflight_count;
	uint64_t inflight[VIRTQ_SIZE_MAX / 64]; /* bit h: head h is in flight */
};

/*
 * The one step in progress, written before the step changes anything and
 * cleared after it: a restarted server redoes it (each step is idempotent
 * once recorded), so a crash between any two stores neither loses nor
 * doubles a request. `op` is stored last (release), the record's commit.
 */
enum virtio_journal_op { VIRTIO_J_NONE = 0, VIRTIO_J_TAKE = 1, VIRTIO_J_GIVE = 2 };
/* Chains one give publishes at once (virtq_push_group): a received frame
 * spread over mergeable buffers (virtio-net). */
#define VIRTQ_GIVE_MAX 32u
struct virtio_journal {
	uint32_t op;
	uint16_t queue, head;
	uint16_t pos;  /* TAKE: the avail index taken; GIVE: the used index */
	uint16_t extra; /* GIVE: chains published with head: more_head[], more_len[] */
	uint32_t len;  /* GIVE: bytes written into the chain */
	uint16_t more_head[VIRTQ_GIVE_MAX - 1];
	uint32_t more_len[VIRTQ_GIVE_MAX - 1];
};

/*
 * Everything guest-visible about the transport, and nothing else: one
 * plain struct with no pointers, meant for the device server's state page
 * so a restarted server resumes from it (virtio_mmio_resume).
 */
struct virtio_mmio_state {
	uint64_t magic;           /* VIRTIO_STATE_MAGIC once reset */
	uint32_t device_id;       /* identity, fixed by the device */
	uint32_t num_queues;
	uint32_t queue_num_max;   /* power of two, <= VIRTQ_SIZE_MAX */
	uint32_t pad0;
	uint64_t device_features; /* the offer */
	uint64_t driver_features; /* what the driver wrote */
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status, isr, config_generation;
	struct virtio_journal journal;
	struct virtq_state q[VIRTIO_QUEUES_MAX];
};

/* What a device is: fixed by its server, checked against the state page. */
struct virtio_mmio_id {
	uint32_t device_id;
	uint32_t num_queues;      /* 1..VIRTIO_QUEUES_MAX */
	uint32_t queue_num_max;   /* power of two, 1..VIRTQ_SIZE_MAX */
	uint64_t features;        /* device-specific offer, bits 0..23 */
};

/* A device's own part: its config window and what a notify means. */
struct virtio_dev_ops {
	/* Config space access at `off` from 0x100; false refuses it. */
	bool (*config_read)(void *ctx, uint32_t off, unsigned width, uint64_t *val);
	bool (*config_write)(void *ctx, uint32_t off, unsigned width, uint64_t val);
	/* The driver notified ready queue `q` (may be NULL). */
	void (*notify)(void *ctx, unsigned q);
	/* The driver reset the device (may be NULL). */
	void (*reset)(void *ctx);
	/* Just before a bit of InterruptStatus is set (may be NULL): a device
	 * whose InterruptACK writes the kernel queues (a post page, docs/blk.md)
	 * applies those queued so far here, so that an acknowledgement the
	 * driver wrote before the bit was set cannot clear it afterwards. For
	 * a used buffer it runs after the used index is published and a full
	 * fence. */
	void (*isr_sync)(void *ctx);
};

/* The runtime handle: the state (in the state page) and what it works on. */
struct virtio_dev {
	struct virtio_mmio_state *s;
	struct gmem mem;
	const struct virtio_dev_ops *ops;
	void *ctx;
};

/* One buffer of a descriptor chain, checked to lie in guest RAM. */
struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
	uint32_t write; /* 1: device-writable */
};
/* A walked chain: device-readable buffers first, then device-writable. */
struct virtq_chain {
	uint16_t head;
	uint16_t n;
	uint32_t out_len; /* sum of readable lengths */
	uint32_t in_len;  /* sum of writable lengths */
	struct virtq_buf buf[VIRTQ_SIZE_MAX];
};

/* Reset the whole state to a new device `id` (false: id is invalid). */
bool virtio_mmio_init(struct virtio_mmio_state *s, const struct virtio_mmio_id *id);
/*
 * A (re)started server: keep the state if it holds this device's state
 * (magic and identity match, every field in range), finishing the step
 * the journal records; otherwise reset it. False only if id is invalid.
 */
bool virtio_mmio_resume(struct virtio_dev *d, const struct virtio_mmio_id *id);
/* One guest access; false if it is refused (width, alignment, read-only). */
bool virtio_mmio_read(struct virtio_dev *d, uint64_t off, unsigned width, uint64_t *val);
bool virtio_mmio_write(struct virtio_dev *d, uint64_t off, unsigned width, uint64_t val);
/* The interrupt line: InterruptStatus != 0. */
bool virtio_mmio_irq_level(const struct virtio_mmio_state *s);
/* The device changed its config: new generation, config interrupt. */
void virtio_mmio_config_changed(struct virtio_dev *d);
/*
 * The driver broke a rule: set DEVICE_NEEDS_RESET and, once DRIVER_OK is
 * set, raise the config-change interrupt (spec 2.1.2). Queues stop.
 */
void virtio_mmio_needs_reset(struct virtio_dev *d);
/* True if the driver accepted feature `bit` (FEATURES_OK is set). */
bool virtio_mmio_has_feature(const struct virtio_mmio_state *s, unsigned bit);

/*
 * Take the next available chain of ready queue q into c (checked, see
 * docs/virtio.md) and mark its head in flight. 1: taken; 0: none (or the
 * device is not running); -1: the guest broke a ring rule, the device is
 * now NEEDS_RESET.
 */
int virtq_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c);
/*
 * Walk the chain at `head` again (a resumed server re-driving a request in
 * flight). False if it no longer passes the checks: the device is then
 * NEEDS_RESET.
 */
bool virtq_chain_load(struct virtio_dev *d, unsigned q, uint16_t head, struct virtq_chain *c);
/*
 * Return head (in flight) to the driver with `len` bytes written, and raise
 * the used-buffer interrupt unless the driver suppressed it. False (and
 * nothing done) if head is not in flight on q, e.g. after a reset.
 */
bool virtq_push(struct virtio_dev *d, unsigned q, uint16_t head, uint32_t len);
/*
 * Return n chains (1..VIRTQ_GIVE_MAX, distinct heads in flight on q) in
 * one step: their used entries in order, then one used index move, so the
 * driver sees all of them or none (a frame over several receive buffers:
 * spec 5.1.6.4). False (and nothing done) if n or a head is not so.
 */
bool virtq_push_group(struct virtio_dev *d, unsigned q, const uint16_t *heads, const uint32_t *lens,
		      unsigned n);
/*
 * Copy n bytes between buf and chain c's writable part (to_guest) or its
 * readable part, starting `skip` bytes into that part; every address goes
 * through m's checks. False if the part is shorter or a buffer is outside
 * guest RAM.
 */
bool virtq_chain_copy(const struct gmem *m, const struct virtq_chain *c, uint64_t skip, void *buf,
		      uint32_t n, bool to_guest);
/* The first head in flight on q at or after `from`, or -1. */
int virtq_inflight_next(const struct virtio_mmio_state *s, unsigned q, unsigned from);

/* ---- target servers only (dev_call.c: keel_msg, keel/vmm.h) ---- */
struct keel_msg;
/*
 * One of the VMM's device calls on the transport: KEEL_DEV_READ or
 * KEEL_DEV_WRITE of the register window (*val: what a read gives), or
 * KEEL_DEV_LINES. False for a bad access or any other label.
 */
bool virtio_dev_call(struct virtio_dev *d, const struct keel_msg *m, uint64_t *val);
/* The reply in m: OK or ABORT, the value, and the interrupt line's level. */
void virtio_dev_reply(const struct virtio_dev *d, struct keel_msg *m, bool ok, uint64_t val);
/* A config_read of the device's config space laid out in cfg (size bytes,
 * little-endian): width bytes at off, zeros past its end. */
bool virtio_config_window(const void *cfg, uint32_t size, uint32_t off, unsigned width,
			  uint64_t *val);

#endif /* VIRTIO_H */
