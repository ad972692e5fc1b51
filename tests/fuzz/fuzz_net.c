/*
 * libFuzzer target: the virtio-net transmit header checks
 * (device-servers/virtio-net/nethdr.c) and the switch's frame parsing,
 * learning and forwarding (device-servers/switch/fwd.c) on frames of
 * any content and length, from any port, with any set of live ports.
 * Beyond the sanitizers it checks what the switch promises: a frame
 * never goes back to its sender nor to a port that is not live, and a
 * frame is delivered only if its source is the sending port's MAC, or,
 * from the uplink's port (the last), a unicast MAC no other port has.
 *
 * Input: [live mask][port][12-byte net header][frame]...; the table
 * persists across the frames of one input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "nethdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sw_table t;

#define UPLINK (KEEL_NET_PORTS - 1u)

/* What the switch may deliver from port in (fwd.h's source rule). */
static int source_ok(unsigned in, const uint8_t *src, const uint8_t macs[][6])
{
	if (in != UPLINK)
		return memcmp(src, macs[in], 6) == 0;
	for (unsigned q = 0; q < KEEL_NET_PORTS; q++)
		if (q != in && memcmp(src, macs[q], 6) == 0)
			return 0;
	return !(src[0] & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t macs[KEEL_NET_PORTS][6];
	memset(&t, 0, sizeof(t));
	t.any_src = 1u << UPLINK;
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		memcpy(macs[p], (uint8_t[6]){ 0x02, 0, 0, 0, 0, (uint8_t)(p & 3) }, 6);
	while (size >= 2 + VNET_HDR_BYTES) {
		uint32_t live = data[0], len;
		unsigned in = data[1] % (KEEL_NET_PORTS + 1); /* one past the last: refused */
		struct vnet_hdr h;
		int32_t flen;
		uint64_t spoofed = t.n.spoofed, bad = t.n.bad;
		memcpy(&h, data + 2, VNET_HDR_BYTES);
		data += 2 + VNET_HDR_BYTES, size -= 2 + VNET_HDR_BYTES;
		/* the frame runs to the next 0xff 0xfe pair (or the end) */
		for (len = 0; len + 1 < size && !(data[len] == 0xff && data[len + 1] == 0xfe); len++)
			;
		if (len + 1 >= size)
			len = (uint32_t)size;
		flen = vnet_tx_check(&h, VNET_HDR_BYTES + len);
		if (flen >= 0 && (uint32_t)flen != len)
			abort();
		{
			uint8_t *f = malloc(len ? len : 1); /* exact size: ASan sees overreads */
			uint32_t to;
			memcpy(f, data, len);
			to = sw_route(&t, in, (const uint8_t(*)[6])macs, live, f, len);
			if (to & ~live & 0xffu)
				abort();
			if (in < KEEL_NET_PORTS && (to & (1u << in)))
				abort();
			if (to && (len < KEEL_NET_ETH_HDR || in >= KEEL_NET_PORTS ||
				   !source_ok(in, f + 6, (const uint8_t(*)[6])macs)))
				abort();
			if (t.n.spoofed + t.n.bad - spoofed - bad > 1)
				abort();
			free(f);
		}
		data += len < size ? len + 2 : len;
		size -= len < size ? len + 2 : len;
	}
	return 0;
}
