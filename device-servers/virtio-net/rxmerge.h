/*
 * Receiving into mergeable buffers (VIRTIO_NET_F_MRG_RXBUF, virtio 1.2
 * 5.1.6.4): a frame goes into as many receive chains as it needs, the
 * header first with num_buffers their count, and all of them go back to
 * the driver in one step (virtq_push_group), so it sees the whole frame
 * or nothing. On the transport library only, so the host tests run it
 * over their fake driver (tests/virtio/test_netrx.c).
 */
#ifndef VNET_RXMERGE_H
#define VNET_RXMERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

/* The chains one frame takes; bad: they cannot take it (give them back
 * empty: a lost frame). */
struct vnet_rx_set {
	unsigned n;
	bool bad;
	uint16_t head[VIRTQ_GIVE_MAX];
	uint32_t len[VIRTQ_GIVE_MAX]; /* bytes written into each */
};

/*
 * Chains for `need` bytes (header and frame) from receive queue q: those
 * already in flight first (taken for this frame before the driver ran out,
 * or before a crash), then new ones. 1: s holds enough, or is bad (more
 * than VIRTQ_GIVE_MAX chains needed, or the whole ring taken and still
 * short, or one smaller than a header, which the spec forbids the
 * driver); 0: the driver has not given enough yet
 * (what was taken stays in flight for the next try); -1: the queue broke
 * a ring rule (the device is NEEDS_RESET). scratch: a chain's room.
 */
int vnet_rx_gather(struct virtio_dev *d, unsigned q, uint32_t need, struct vnet_rx_set *s,
		   struct virtq_chain *scratch);
/*
 * The header (num_buffers = s->n) and the frame's len bytes into s's
 * chains in order, each filled before the next; s->len set. False if a
 * chain no longer holds its part (the driver changed it meanwhile) or
 * leaves guest RAM: give them back empty.
 */
bool vnet_rx_fill(struct virtio_dev *d, unsigned q, struct vnet_rx_set *s, const uint8_t *frame,
		  uint32_t len, struct virtq_chain *scratch);

#endif /* VNET_RXMERGE_H */
