/*
 * What every virtio device server does with the VMM's device calls
 * (keel/vmm.h) and its config space: one copy here, not one per server.
 * Target only: it speaks keel_msg, which the host tests of the transport
 * (tests/virtio/) do not link.
 */
#include <string.h>

#include <keel/server.h>
#include <keel/vmm.h>

#include "virtio.h"

bool virtio_dev_call(struct virtio_dev *d, const struct keel_msg *m, uint64_t *val)
{
	*val = 0;
	if (m->label == KEEL_DEV_READ)
		return virtio_mmio_read(d, m->mr[0], (unsigned)m->mr[1], val);
	if (m->label == KEEL_DEV_WRITE)
		return virtio_mmio_write(d, m->mr[0], (unsigned)m->mr[1], m->mr[2]);
	return m->label == KEEL_DEV_LINES;
}

void virtio_dev_reply(const struct virtio_dev *d, struct keel_msg *m, bool ok, uint64_t val)
{
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = virtio_mmio_irq_level(d->s) ? 1 : 0;
}

bool virtio_config_window(const void *cfg, uint32_t size, uint32_t off, unsigned width,
			  uint64_t *val)
{
	*val = 0;
	if (off < size && width <= sizeof(*val) && width <= size - off)
		memcpy(val, (const uint8_t *)cfg + off, width); /* little-endian, as the guest */
	return true;
}
