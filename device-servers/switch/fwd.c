/*
 * The switch's learning and forwarding (fwd.h says what it decides).
 */
#include <string.h>

#include "fwd.h"

int sw_lookup(const struct sw_table *t, const uint8_t mac[6])
{
	for (unsigned i = 0; i < SW_TABLE; i++)
		if (t->e[i].used && memcmp(t->e[i].mac, mac, 6) == 0)
			return t->e[i].port < KEEL_NET_PORTS ? t->e[i].port : -1;
	return -1;
}

/* mac is at port p now: refresh its entry, or take a free or the oldest. */
static void sw_learn(struct sw_table *t, const uint8_t mac[6], unsigned p)
{
	struct sw_entry *victim = &t->e[0];
	t->clock++;
	for (unsigned i = 0; i < SW_TABLE; i++) {
		struct sw_entry *e = &t->e[i];
		if (e->used && memcmp(e->mac, mac, 6) == 0) {
			e->port = (uint8_t)p;
			e->stamp = t->clock;
			return;
		}
		if (victim->used && (!e->used || t->clock - e->stamp > t->clock - victim->stamp))
			victim = e;
	}
	memcpy(victim->mac, mac, 6);
	victim->port = (uint8_t)p;
	victim->stamp = t->clock;
	victim->used = 1;
}

void sw_forget_port(struct sw_table *t, unsigned p)
{
	for (unsigned i = 0; i < SW_TABLE; i++)
		if (t->e[i].port == p)
			t->e[i].used = 0;
}

void sw_live_changed(struct sw_table *t, uint32_t *seen, uint32_t live)
{
	uint32_t gone = *seen & ~live;
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		if (gone & (1u << p))
			sw_forget_port(t, p);
	*seen = live;
}

/* Whether port in may send a frame from src (fwd.h). */
static bool sw_src_ok(const struct sw_table *t, unsigned in, const uint8_t macs[][6],
		      const uint8_t *src)
{
	if (src[0] & 1)
		return false; /* multicast: nobody's */
	if (!(t->any_src & (1u << in)))
		return memcmp(src, macs[in], 6) == 0;
	for (unsigned q = 0; q < KEEL_NET_PORTS; q++)
		if (q != in && memcmp(src, macs[q], 6) == 0)
			return false;
	return true;
}

uint32_t sw_route(struct sw_table *t, unsigned in, const uint8_t macs[][6], uint32_t live,
		  const uint8_t *frame, uint32_t len)
{
	const uint8_t *dst = frame, *src = frame + 6;
	uint32_t others;
	int to;
	t->n.in++;
	if (in >= KEEL_NET_PORTS || len < KEEL_NET_ETH_HDR || len > KEEL_NET_FRAME_MAX) {
		t->n.bad++;
		return 0;
	}
	if (!sw_src_ok(t, in, macs, src)) {
		t->n.spoofed++;
		return 0;
	}
	sw_learn(t, src, in);
	others = live & ~(1u << in) & ((1u << KEEL_NET_PORTS) - 1);
	to = (dst[0] & 1) ? -1 : sw_lookup(t, dst);
	if (to >= 0 && (live & (1u << to))) {
		if ((unsigned)to == in)
			return 0; /* for its own sender: nothing to do */
		t->n.forwarded++;
		return 1u << to;
	}
	t->n.flooded++;
	return others;
}
