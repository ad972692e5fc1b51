/*
 * Shared between the virtio library's files (mmio.c, virtq.c, resume.c);
 * not part of the interface devices use (virtio.h).
 */
#ifndef VIRTQ_INTERNAL_H
#define VIRTQ_INTERNAL_H

#include "virtio.h"

/* Ring layout (2.7): sizes of the three areas for a queue of num entries. */
#define VIRTQ_DESC_SIZE 16u
#define VIRTQ_AVAIL_BYTES(num) (6u + 2u * (uint64_t)(num)) /* flags idx ring[] used_event */
#define VIRTQ_USED_BYTES(num) (6u + 8u * (uint64_t)(num))  /* flags idx ring[] avail_event */

/* True if id describes a device the library can serve. */
bool virtio_mmio_id_ok(const struct virtio_mmio_id *id);
/* True if q's size and ring addresses are sound for guest memory m. */
bool virtq_layout_ok(const struct gmem *m, const struct virtq_state *q, uint32_t num_max);
/* Clear q's progress: indexes and the in-flight set. */
void virtq_forget(struct virtq_state *q);
/* True if queue qi may be used: DRIVER_OK, not NEEDS_RESET, ready. */
bool virtq_running(const struct virtio_mmio_state *s, unsigned qi);
/* Set bits of InterruptStatus, after the device's isr_sync (virtio.h). */
void virtio_isr_raise(struct virtio_dev *d, uint32_t bits);
/* Carry out the journalled step (idempotent), then clear the journal. */
void virtq_journal_apply(struct virtio_dev *d);

#endif /* VIRTQ_INTERNAL_H */
