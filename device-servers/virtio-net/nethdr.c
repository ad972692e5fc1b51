/*
 * virtio-net header checks (nethdr.h).
 */
#include <keel/net.h>

#include "nethdr.h"

int32_t vnet_tx_check(const struct vnet_hdr *h, uint32_t out_len)
{
	uint32_t len;
	if (out_len < VNET_HDR_BYTES)
		return -1;
	len = out_len - VNET_HDR_BYTES;
	if (len < KEEL_NET_ETH_HDR || len > KEEL_NET_FRAME_MAX)
		return -1;
	if ((h->flags & VNET_HDR_F_NEEDS_CSUM) || h->gso_type != VNET_GSO_NONE)
		return -1;
	return (int32_t)len;
}

struct vnet_hdr vnet_rx_hdr(void)
{
	/* no checksum claims, no segmentation; one buffer (spec 5.1.6.4) */
	return (struct vnet_hdr){ .num_buffers = 1 };
}
