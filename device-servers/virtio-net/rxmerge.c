/*
 * Mergeable receive buffers (rxmerge.h).
 */
#include <string.h>

#include "nethdr.h"
#include "rxmerge.h"

/* Chain c joins the set; false if it breaks the spec's minimum. */
static bool vnet_rx_take(struct vnet_rx_set *s, const struct virtq_chain *c, uint32_t *have)
{
	s->head[s->n++] = c->head;
	*have += c->in_len < UINT32_MAX - *have ? c->in_len : UINT32_MAX - *have;
	return c->in_len >= VNET_HDR_BYTES; /* 5.1.6.3.1: at least a header each */
}

int vnet_rx_gather(struct virtio_dev *d, unsigned q, uint32_t need, struct vnet_rx_set *s,
		   struct virtq_chain *c)
{
	uint32_t have = 0;
	int h, r;
	memset(s, 0, sizeof(*s));
	for (h = virtq_inflight_next(d->s, q, 0); h >= 0 && have < need && s->n < VIRTQ_GIVE_MAX;
	     h = virtq_inflight_next(d->s, q, (unsigned)h + 1)) {
		if (!virtq_chain_load(d, q, (uint16_t)h, c))
			return -1;
		s->bad |= !vnet_rx_take(s, c, &have);
	}
	while (have < need && s->n < VIRTQ_GIVE_MAX) {
		r = virtq_pop(d, q, c);
		/* every entry of the ring taken and still short: more can
		 * never come, so the frame is lost rather than the queue stuck */
		if (r == 0 && s->n && d->s->q[q].inflight_count >= d->s->q[q].num)
			break;
		if (r != 1)
			return r;
		s->bad |= !vnet_rx_take(s, c, &have);
	}
	s->bad |= have < need;
	return 1;
}

/* Bytes [off, off + n) of header-then-frame into chain c from its start.
 * (virtq_chain_copy's buffer is not const: it copies either way.) */
static bool vnet_rx_part(const struct virtio_dev *d, const struct virtq_chain *c,
			 uint8_t hdr[VNET_HDR_BYTES], const uint8_t *frame, uint32_t off, uint32_t n)
{
	uint32_t at = 0;
	if (off < VNET_HDR_BYTES) {
		at = VNET_HDR_BYTES - off < n ? VNET_HDR_BYTES - off : n;
		if (!virtq_chain_copy(&d->mem, c, 0, hdr + off, at, true))
			return false;
		off += at;
	}
	return at == n || virtq_chain_copy(&d->mem, c, at,
					   (void *)(uintptr_t)(frame + (off - VNET_HDR_BYTES)),
					   n - at, true);
}

bool vnet_rx_fill(struct virtio_dev *d, unsigned q, struct vnet_rx_set *s, const uint8_t *frame,
		  uint32_t len, struct virtq_chain *c)
{
	struct vnet_hdr h = vnet_rx_hdr();
	uint8_t hdr[VNET_HDR_BYTES];
	uint32_t total = VNET_HDR_BYTES + len, off = 0;
	h.num_buffers = (uint16_t)s->n;
	memcpy(hdr, &h, sizeof(hdr));
	for (unsigned i = 0; i < s->n; i++) {
		uint32_t part;
		if (!virtq_chain_load(d, q, s->head[i], c))
			return false;
		part = c->in_len < total - off ? c->in_len : total - off;
		/* a chain left empty would count in num_buffers with nothing */
		if (part == 0 || !vnet_rx_part(d, c, hdr, frame, off, part))
			return false;
		s->len[i] = part;
		off += part;
	}
	return off == total;
}
