/*
 * virtio-net's header (spec 5.1.6) and the checks on what a guest puts in
 * a transmit chain: pure, so the host tests and the fuzz target link it as
 * the server (device-servers/virtio-net/main.c) does.
 */
#ifndef VNET_NETHDR_H
#define VNET_NETHDR_H

#include <stdbool.h>
#include <stdint.h>

/* struct virtio_net_hdr with VIRTIO_F_VERSION_1: always 12 bytes. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};
_Static_assert(sizeof(struct vnet_hdr) == 12, "the virtio 1.x net header");

#define VNET_HDR_BYTES 12u
#define VNET_HDR_F_NEEDS_CSUM 1u
#define VNET_GSO_NONE 0u

/*
 * A transmit chain's out bytes: header then frame. The frame's length, or
 * -1 if the device drops it: a short or long frame, or a header asking for
 * what was not negotiated (checksum or segmentation offload: none is
 * offered, so a driver that asks broke the rules).
 */
int32_t vnet_tx_check(const struct vnet_hdr *h, uint32_t out_len);
/* The header the device writes before a received frame. */
struct vnet_hdr vnet_rx_hdr(void);

#endif /* VNET_NETHDR_H */
