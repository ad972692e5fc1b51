/*
 * The register accessors on the target: the window is mapped uncached in
 * the server, and every virtio-mmio control register is an aligned 32-bit
 * word (spec 4.2.2.2), so a volatile word access is all it takes. The
 * host tests link their own pair instead (tests/vdrv/fake_reg.c).
 */
#include "vdrv.h"

static volatile uint32_t *vdrv_reg(const struct vdrv *d, uint32_t off)
{
	return (volatile uint32_t *)(d->base + off);
}

uint32_t vdrv_reg_read(const struct vdrv *d, uint32_t off)
{
	return *vdrv_reg(d, off);
}

void vdrv_reg_write(const struct vdrv *d, uint32_t off, uint32_t val)
{
	*vdrv_reg(d, off) = val;
}
