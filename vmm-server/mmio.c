/*
 * The guest-physical map of emulated regions: every MMIO exit is looked up
 * here by address and served by its region's handler (the vGIC, or a call
 * to a device server). An address no region holds gets a data abort: the
 * guest sees the fault, never the VMM.
 */
#include "vmm.h"

static bool overlaps(const struct mmio_region *r, uint64_t base, uint64_t size)
{
	return base < r->base + r->size && r->base < base + size;
}

bool mmio_map_add(struct mmio_map *m, uint64_t base, uint64_t size, mmio_fn *fn,
		  void *ctx)
{
	if (size == 0 || base + size < base || m->n == MMIO_MAX_REGIONS)
		return false;
	for (unsigned i = 0; i < m->n; i++)
		if (overlaps(&m->r[i], base, size))
			return false;
	m->r[m->n++] = (struct mmio_region){ .base = base, .size = size, .fn = fn, .ctx = ctx };
	return true;
}

const struct mmio_region *mmio_find(const struct mmio_map *m, uint64_t gpa,
				    unsigned width)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct mmio_region *r = &m->r[i];
		if (gpa >= r->base && gpa - r->base < r->size && width <= r->size - (gpa - r->base))
			return r;
	}
	return NULL;
}

/* The sequence number of the access being served (the VMM is one
 * thread): a device server's call carries it (device.c), so that a
 * retried call and an exit the kernel routed to the server share one
 * numbering. */
static uint64_t mmio_serving_seq;

uint64_t mmio_seq(void)
{
	return mmio_serving_seq;
}

void mmio_handle(const struct mmio_map *m, const struct keel_mmio_access *a,
		 struct keel_msg *r)
{
	const struct mmio_region *reg = mmio_find(m, a->gpa, a->width);
	uint64_t val = a->value;
	mmio_serving_seq = a->seq;
	bool ok = reg && reg->fn(reg->ctx, a->gpa - reg->base, a->width, a->write, &val);
	keel_mmio_reply(a, ok, val, &r->label, r->mr);
}
