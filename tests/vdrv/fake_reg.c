/* The fake register file (fake.h): vdrv_reg_read / vdrv_reg_write for the
 * host, routed by address to the slot's device. */
#include <stdlib.h>
#include <string.h>

#include "fake.h"

struct fake fake;

static const struct virtio_mmio_id fake_blk_id = { VIRTIO_ID_BLOCK, 2, FAKE_BLK_QMAX,
						   1ull << FAKE_F_RO };
static const struct virtio_mmio_id fake_con_id = { VIRTIO_ID_CONSOLE, 1, 4, 0 };

/* Config space: 8 bytes of a known pattern, read-only. */
static bool fake_cfg_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	static const uint8_t cfg[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	(void)ctx;
	if (off + width > sizeof(cfg))
		return false;
	*val = 0;
	memcpy(val, cfg + off, width);
	return true;
}

static bool fake_cfg_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return false;
}

static void fake_notify(void *ctx, unsigned q)
{
	((struct fake_dev *)ctx)->notified |= 1u << q;
}

static void fake_reset(void *ctx)
{
	((struct fake_dev *)ctx)->resets++;
}

static const struct virtio_dev_ops fake_ops = { fake_cfg_read, fake_cfg_write, fake_notify,
						fake_reset, NULL };

static void fake_dev_init(struct fake_dev *f, const struct virtio_mmio_id *id)
{
	f->d = (struct virtio_dev){ &f->s, { fake.ram, FAKE_RAM_GPA, FAKE_RAM_SIZE }, &fake_ops, f };
	ck_assert(virtio_mmio_init(&f->s, id));
}

void fake_setup(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ram = calloc(1, FAKE_RAM_SIZE); /* exactly: ASan catches a byte past it */
	ck_assert_ptr_nonnull(fake.ram);
	fake_dev_init(&fake.blk, &fake_blk_id);
	fake_dev_init(&fake.con, &fake_con_id);
}

void fake_teardown(void)
{
	free(fake.ram);
	fake.ram = NULL;
}

struct vdrv fake_slot(unsigned i)
{
	return (struct vdrv){ .base = FAKE_WINDOW + (uintptr_t)i * VIRTIO_MMIO_WINDOW };
}

void *fake_gpa(uint64_t gpa)
{
	ck_assert(gpa >= FAKE_RAM_GPA && gpa < FAKE_RAM_GPA + FAKE_RAM_SIZE);
	return fake.ram + (gpa - FAKE_RAM_GPA);
}

/* The slot an access falls in, and the register offset inside it. */
static unsigned fake_decode(const struct vdrv *d, uint32_t off, uint32_t *reg)
{
	uintptr_t at = d->base + off;
	ck_assert_msg(at >= FAKE_WINDOW && at < FAKE_WINDOW + FAKE_SLOTS * VIRTIO_MMIO_WINDOW,
		      "access outside the window: %#lx", (unsigned long)at);
	ck_assert_msg(at % 4 == 0, "unaligned access: %#lx", (unsigned long)at);
	*reg = (uint32_t)((at - FAKE_WINDOW) % VIRTIO_MMIO_WINDOW);
	return (unsigned)((at - FAKE_WINDOW) / VIRTIO_MMIO_WINDOW);
}

static struct fake_dev *fake_dev_at(unsigned slot)
{
	return slot == 2 ? &fake.blk : slot == 3 ? &fake.con : NULL;
}

static uint32_t fake_legacy_read(uint32_t reg)
{
	return reg == VIRTIO_MMIO_MAGIC_VALUE ? VIRTIO_MMIO_MAGIC :
	       reg == VIRTIO_MMIO_VERSION_REG ? 1u :
	       reg == VIRTIO_MMIO_DEVICE_ID ? VIRTIO_ID_BLOCK : 0u;
}

uint32_t vdrv_reg_read(const struct vdrv *d, uint32_t off)
{
	uint32_t reg;
	unsigned slot = fake_decode(d, off, &reg);
	struct fake_dev *f = fake_dev_at(slot);
	uint64_t v = 0;
	if (!f)
		return slot == 1 ? fake_legacy_read(reg) : 0;
	ck_assert_msg(virtio_mmio_read(&f->d, reg, 4, &v), "read of %#x refused", reg);
	if (reg == VIRTIO_MMIO_DEVICE_FEATURES && f->hide_version_1 && f->s.device_features_sel == 1)
		v &= ~(1ull << (VIRTIO_F_VERSION_1 - 32));
	return (uint32_t)v;
}

void vdrv_reg_write(const struct vdrv *d, uint32_t off, uint32_t val)
{
	uint32_t reg;
	struct fake_dev *f = fake_dev_at(fake_decode(d, off, &reg));
	fake.writes++;
	ck_assert_msg(f != NULL, "write to a slot with no device");
	if (reg == VIRTIO_MMIO_STATUS && f->refuse_features)
		val &= ~(uint32_t)VIRTIO_S_FEATURES_OK;
	ck_assert_msg(virtio_mmio_write(&f->d, reg, 4, val), "write of %#x refused", reg);
}
