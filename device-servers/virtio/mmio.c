/*
 * The virtio-mmio register file (virtio.h has the table): identity,
 * feature negotiation, device status order, queue set-up, interrupts.
 * Pure: no system calls, so host tests (tests/virtio/) and the fuzzer run
 * it as a device server does.
 */
#include <string.h>

#include "virtio.h"
#include "virtq_internal.h"

bool virtio_mmio_id_ok(const struct virtio_mmio_id *id)
{
	uint32_t m = id->queue_num_max;
	return id->num_queues >= 1 && id->num_queues <= VIRTIO_QUEUES_MAX && m >= 1 &&
	       m <= VIRTQ_SIZE_MAX && (m & (m - 1)) == 0 && (id->features >> 24) == 0;
}

bool virtio_mmio_init(struct virtio_mmio_state *s, const struct virtio_mmio_id *id)
{
	if (!virtio_mmio_id_ok(id))
		return false;
	memset(s, 0, sizeof(*s));
	s->device_id = id->device_id;
	s->num_queues = id->num_queues;
	s->queue_num_max = id->queue_num_max;
	s->device_features = id->features | VIRTIO_F_TRANSPORT_OK;
	s->magic = VIRTIO_STATE_MAGIC;
	return true;
}

/* Status 0 (spec 2.4): everything but the identity and the generation. */
static void virtio_mmio_reset(struct virtio_dev *d)
{
	struct virtio_mmio_state *s = d->s;
	uint32_t gen = s->config_generation;
	struct virtio_mmio_id id = { s->device_id, s->num_queues, s->queue_num_max,
				     s->device_features & ~VIRTIO_F_TRANSPORT_OK };
	virtio_mmio_init(s, &id);
	s->config_generation = gen;
	if (d->ops != NULL && d->ops->reset != NULL)
		d->ops->reset(d->ctx);
}

bool virtio_mmio_irq_level(const struct virtio_mmio_state *s)
{
	return s->isr != 0;
}

void virtio_isr_raise(struct virtio_dev *d, uint32_t bits)
{
	if (d->ops != NULL && d->ops->isr_sync != NULL)
		d->ops->isr_sync(d->ctx);
	d->s->isr |= bits;
}

void virtio_mmio_needs_reset(struct virtio_dev *d)
{
	d->s->status |= VIRTIO_S_NEEDS_RESET;
	if (d->s->status & VIRTIO_S_DRIVER_OK)
		virtio_isr_raise(d, VIRTIO_INT_CONFIG);
}

void virtio_mmio_config_changed(struct virtio_dev *d)
{
	d->s->config_generation++;
	if (d->s->status & VIRTIO_S_DRIVER_OK)
		virtio_isr_raise(d, VIRTIO_INT_CONFIG);
}

bool virtio_mmio_has_feature(const struct virtio_mmio_state *s, unsigned bit)
{
	return bit < 64 && (s->status & VIRTIO_S_FEATURES_OK) &&
	       ((s->driver_features >> bit) & 1);
}

/* The selected queue, or NULL if QueueSel names none. */
static struct virtq_state *virtio_mmio_sel(struct virtio_mmio_state *s)
{
	return s->queue_sel < s->num_queues ? &s->q[s->queue_sel] : NULL;
}

static uint32_t virtio_mmio_read_queue(struct virtio_mmio_state *s, uint64_t off)
{
	struct virtq_state *q = virtio_mmio_sel(s);
	if (q == NULL)
		return 0; /* QueueNumMax 0: "not available" (4.2.2) */
	return off == VIRTIO_MMIO_QUEUE_NUM_MAX ? s->queue_num_max : q->ready;
}

static uint32_t virtio_mmio_read_reg(struct virtio_mmio_state *s, uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG: return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID: return s->device_id;
	case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_VENDOR_KEEL;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return s->device_features_sel < 2 ?
			       (uint32_t)(s->device_features >> (32 * s->device_features_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_QUEUE_READY: return virtio_mmio_read_queue(s, off);
	case VIRTIO_MMIO_INTERRUPT_STATUS: return s->isr;
	case VIRTIO_MMIO_STATUS: return s->status;
	case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW: case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory region (4.2.2) */
	case VIRTIO_MMIO_CONFIG_GENERATION: return s->config_generation;
	default: return 0;
	}
}

/* Registers the driver may not write (4.2.2): a write is refused. */
static bool virtio_mmio_read_only(uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: case VIRTIO_MMIO_VERSION_REG:
	case VIRTIO_MMIO_DEVICE_ID: case VIRTIO_MMIO_VENDOR_ID:
	case VIRTIO_MMIO_DEVICE_FEATURES: case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_INTERRUPT_STATUS: case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH: case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH: case VIRTIO_MMIO_CONFIG_GENERATION:
		return true;
	default:
		return false;
	}
}

static bool virtio_mmio_access_ok(uint64_t off, unsigned width)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return false;
	if (off % width != 0 || off >= VIRTIO_MMIO_WINDOW || width > VIRTIO_MMIO_WINDOW - off)
		return false;
	/* the control registers: 32-bit accesses only (4.2.2.2) */
	return off >= VIRTIO_CONFIG_BASE || width == 4;
}

bool virtio_mmio_read(struct virtio_dev *d, uint64_t off, unsigned width, uint64_t *val)
{
	if (!virtio_mmio_access_ok(off, width))
		return false;
	if (off >= VIRTIO_CONFIG_BASE) {
		*val = 0;
		return d->ops != NULL && d->ops->config_read != NULL &&
		       d->ops->config_read(d->ctx, (uint32_t)(off - VIRTIO_CONFIG_BASE), width, val);
	}
	*val = virtio_mmio_read_reg(d->s, off);
	return true;
}

/*
 * Device status (2.1, 3.1.1): 0 resets; otherwise the driver only adds
 * bits, in the order ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK (FAILED
 * at any time) and never sets NEEDS_RESET itself. DRIVER without
 * ACKNOWLEDGE is let pass: U-Boot (2023.01) resets the device after
 * ACKNOWLEDGE and then writes DRIVER alone, and QEMU's devices take it. FEATURES_OK is taken
 * only for a subset of the offer that includes VERSION_1 (2.2.2: else the
 * device leaves it clear). Any other change is a driver error.
 */
static bool virtio_status_order_ok(uint32_t old, uint32_t val)
{
	const uint32_t known = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_DRIVER_OK |
			       VIRTIO_S_FEATURES_OK | VIRTIO_S_FAILED;
	uint32_t drv = val & ~(uint32_t)VIRTIO_S_NEEDS_RESET;
	if ((val & VIRTIO_S_NEEDS_RESET) && !(old & VIRTIO_S_NEEDS_RESET))
		return false;
	if ((drv & ~known) || (old & known & ~drv))
		return false;
	if ((drv & VIRTIO_S_FEATURES_OK) && !(drv & VIRTIO_S_DRIVER))
		return false;
	return !(drv & VIRTIO_S_DRIVER_OK) || (drv & VIRTIO_S_FEATURES_OK);
}

static bool virtio_features_acceptable(const struct virtio_mmio_state *s)
{
	return (s->driver_features & ~s->device_features) == 0 &&
	       ((s->driver_features >> VIRTIO_F_VERSION_1) & 1);
}

static void virtio_mmio_write_status(struct virtio_dev *d, uint32_t val)
{
	struct virtio_mmio_state *s = d->s;
	uint32_t old = s->status;
	if (val == 0) {
		virtio_mmio_reset(d);
		return;
	}
	if (!virtio_status_order_ok(old, val)) {
		virtio_mmio_needs_reset(d);
		return;
	}
	if (!(old & VIRTIO_S_FEATURES_OK) && (val & VIRTIO_S_FEATURES_OK) &&
	    !virtio_features_acceptable(s))
		val &= ~(uint32_t)(VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
	s->status = (val & ~(uint32_t)VIRTIO_S_NEEDS_RESET) | (old & VIRTIO_S_NEEDS_RESET);
}

/* Feature words are frozen once FEATURES_OK is set (3.1.1). */
static void virtio_mmio_write_features(struct virtio_mmio_state *s, uint32_t val)
{
	unsigned sh;
	if (s->driver_features_sel >= 2 || (s->status & VIRTIO_S_FEATURES_OK))
		return;
	sh = 32 * s->driver_features_sel;
	s->driver_features = (s->driver_features & ~(0xffffffffull << sh)) | ((uint64_t)val << sh);
}

/* A queue's sizes and addresses: writable only while it is not ready. */
static void virtio_mmio_write_queue(struct virtio_mmio_state *s, uint64_t off, uint32_t val)
{
	struct virtq_state *q = virtio_mmio_sel(s);
	uint64_t *a;
	if (q == NULL || q->ready)
		return;
	if (off == VIRTIO_MMIO_QUEUE_NUM) {
		q->num = val;
		return;
	}
	a = off < VIRTIO_MMIO_QUEUE_DRIVER_LOW ? &q->desc :
	    off < VIRTIO_MMIO_QUEUE_DEVICE_LOW ? &q->driver : &q->device;
	if (off & 4)
		*a = (*a & 0xffffffffull) | ((uint64_t)val << 32);
	else
		*a = (*a & ~0xffffffffull) | val;
}

/*
 * QueueReady 1 takes the queue only if every value is sound: features
 * negotiated, size a power of two within the maximum, each ring aligned
 * (2.7) and wholly in guest RAM. A bad one is a driver error. 0 stops the
 * queue and forgets its progress (a re-enabled queue starts afresh).
 */
static void virtio_mmio_write_ready(struct virtio_dev *d, uint32_t val)
{
	struct virtio_mmio_state *s = d->s;
	struct virtq_state *q = virtio_mmio_sel(s);
	if (q == NULL)
		return;
	if (val == 0) {
		virtq_forget(q);
		q->ready = 0;
		return;
	}
	if (val != 1 || !(s->status & VIRTIO_S_FEATURES_OK) ||
	    !virtq_layout_ok(&d->mem, q, s->queue_num_max)) {
		virtio_mmio_needs_reset(d);
		return;
	}
	if (!q->ready)
		virtq_forget(q);
	q->ready = 1;
}

static void virtio_mmio_write_notify(struct virtio_dev *d, uint32_t val)
{
	if (val < d->s->num_queues && virtq_running(d->s, val) && d->ops != NULL &&
	    d->ops->notify != NULL)
		d->ops->notify(d->ctx, val);
}

static void virtio_mmio_write_reg(struct virtio_dev *d, uint64_t off, uint32_t val)
{
	struct virtio_mmio_state *s = d->s;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: s->device_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: s->driver_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES: virtio_mmio_write_features(s, val); break;
	case VIRTIO_MMIO_QUEUE_SEL: s->queue_sel = val; break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW: case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW: case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		virtio_mmio_write_queue(s, off, val);
		break;
	case VIRTIO_MMIO_QUEUE_READY: virtio_mmio_write_ready(d, val); break;
	case VIRTIO_MMIO_QUEUE_NOTIFY: virtio_mmio_write_notify(d, val); break;
	case VIRTIO_MMIO_INTERRUPT_ACK: s->isr &= ~val; break;
	case VIRTIO_MMIO_STATUS: virtio_mmio_write_status(d, val); break;
	default: break; /* SHMSel and reserved offsets: ignored */
	}
}

bool virtio_mmio_write(struct virtio_dev *d, uint64_t off, unsigned width, uint64_t val)
{
	if (!virtio_mmio_access_ok(off, width))
		return false;
	if (off >= VIRTIO_CONFIG_BASE)
		return d->ops != NULL && d->ops->config_write != NULL &&
		       d->ops->config_write(d->ctx, (uint32_t)(off - VIRTIO_CONFIG_BASE), width, val);
	if (virtio_mmio_read_only(off))
		return false;
	virtio_mmio_write_reg(d, off, (uint32_t)val);
	return true;
}
