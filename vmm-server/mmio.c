/*
 * The guest-physical map of emulated regions: every MMIO exit is looked up
 * here by address and served by its region's handler (the vGIC, or a call
 * to a device server). An address no region holds gets a data abort: the
 * guest sees the fault, never the VMM.
 */
#include "vmm.h"

bool mmio_decode(const uint64_t *mr, struct mmio_access *a)
{
	uint64_t flags = mr[1];
	if (flags & ~(uint64_t)(KEEL_MMIO_WIDTH_MASK | KEEL_MMIO_WRITE |
				KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64) ||
	    (mr[2] >= KEEL_VREG_GENERAL && mr[2] != KEEL_EXIT_REG_NONE))
		return false;
	a->gpa = mr[0];
	a->width = 1u << (flags & KEEL_MMIO_WIDTH_MASK);
	a->write = flags & KEEL_MMIO_WRITE;
	a->sign_extend = flags & KEEL_MMIO_SIGN_EXTEND;
	a->reg64 = flags & KEEL_MMIO_REG64;
	a->reg = (unsigned)mr[2];
	a->value = mr[3];
	if (a->width < 8)
		a->value &= (1ull << (8 * a->width)) - 1;
	return true;
}

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

uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	unsigned bits = 8 * a->width;
	uint64_t v = bits == 64 ? raw : raw & ((1ull << bits) - 1);
	if (a->sign_extend && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ull << bits;
	if (!a->reg64)
		v &= 0xffffffffull;
	return v;
}

void mmio_handle(const struct mmio_map *m, const struct mmio_access *a,
		 struct keel_msg *r)
{
	const struct mmio_region *reg = mmio_find(m, a->gpa, a->width);
	uint64_t val = a->value;
	if (!reg || !reg->fn(reg->ctx, a->gpa - reg->base, a->width, a->write, &val)) {
		r->label = KEEL_VCPU_INJECT_DABT;
		r->mr[0] = a->gpa;
		r->mr[1] = a->write;
		return;
	}
	r->label = KEEL_VCPU_RESUME;
	r->mr[0] = KEEL_RESUME_SKIP;
	if (!a->write && a->reg != KEEL_EXIT_REG_NONE) { /* a load into the zero register */
		r->mr[0] |= KEEL_RESUME_WRITE_REG;
		r->mr[1] = a->reg;
		r->mr[2] = mmio_load_value(a, val);
	}
}
