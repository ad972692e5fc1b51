/* A guest's MMIO access, decoded and answered (keel/mmio.h). */
#include <keel/mmio.h>

bool keel_mmio_decode(const uint64_t *mr, struct keel_mmio_access *a)
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
	a->seq = mr[5];
	if (a->width < 8)
		a->value &= (1ull << (8 * a->width)) - 1;
	return true;
}

uint64_t keel_mmio_load_value(const struct keel_mmio_access *a, uint64_t raw)
{
	unsigned bits = 8 * a->width;
	uint64_t v = bits == 64 ? raw : raw & ((1ull << bits) - 1);
	if (a->sign_extend && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ull << bits;
	if (!a->reg64)
		v &= 0xffffffffull;
	return v;
}

void keel_mmio_reply(const struct keel_mmio_access *a, bool ok, uint64_t val,
		     uint64_t *label, uint64_t *mr)
{
	if (!ok) {
		*label = KEEL_VCPU_INJECT_DABT;
		mr[0] = a->gpa;
		mr[1] = a->write;
		return;
	}
	*label = KEEL_VCPU_RESUME;
	mr[0] = KEEL_RESUME_SKIP;
	if (!a->write && a->reg != KEEL_EXIT_REG_NONE) { /* a load into the zero register */
		mr[0] |= KEEL_RESUME_WRITE_REG;
		mr[1] = a->reg;
		mr[2] = keel_mmio_load_value(a, val);
	}
}
