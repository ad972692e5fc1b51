/*
 * cfg_arch.c — the machine profiles: what differs between the boards Keel
 * boots on (QEMU virt for aarch64 and for riscv64), as data the loader,
 * check-config, mkblobs and root read (docs/config.md, "Machine
 * profiles"). No #ifdef: root picks its own profile (boot/arch/<arch>/
 * arch.c root_arch_cfg), the host tools take --arch.
 *
 * Where QEMU puts the device tree of a kernel that is not Linux:
 *
 *   aarch64 (hw/arm/boot.c)   RAM base + min(RAM / 2, 128 MiB)
 *   riscv64 (hw/riscv/boot.c  align_down(min(RAM end, 3 GiB) - size, 2 MiB),
 *            riscv_load_fdt)  size at most 1 MiB (QEMU's FDT_MAX_SIZE)
 *
 * so riscv64's tree sits near the top of RAM, where mkblobs packs the boot
 * blobs: cfg_blob_below() steps over it.
 */
#include "cfg_internal.h"

#define DTB_MAX_BYTES CFG_MIB           /* QEMU's FDT_MAX_SIZE */

/* vrng needs the CPU's random number instruction (RNDR); riscv64's (Zkr)
 * is not used yet: arch/riscv64/arch.mk ARCH_NO_PROGS. */
static const char *const riscv64_no_servers[] = { "vrng", NULL };

const struct cfg_arch cfg_arch_aarch64 = {
	.name = "aarch64",
	.ram_base = UINT64_C(0x40000000),
	.irq_min = 32,                  /* the first GIC SPI */
	.irq_max = 987,                 /* the last SPI a VM may be given */
	.dtb_rule = CFG_DTB_FROM_BASE,
	.dtb_limit = UINT64_C(128) << 20,
	.no_servers = NULL,
	.virtio_count = 32, .virtio_stride = 0x200, /* hw/arm/virt.c: 8 to a page */
};

const struct cfg_arch cfg_arch_riscv64 = {
	.name = "riscv64",
	.ram_base = UINT64_C(0x80000000), /* OpenSBI's 2 MiB, then Keel at 0x80200000 */
	.irq_min = 1,                   /* PLIC sources (vmm-server/arch/riscv64/plic.c) */
	.irq_max = 95,
	.dtb_rule = CFG_DTB_BELOW_TOP,
	.dtb_limit = UINT64_C(0xc0000000),
	.no_servers = riscv64_no_servers,
	.virtio_count = 8, .virtio_stride = 0x1000, /* hw/riscv/virt.c: one a page */
};

static const struct cfg_arch *const profiles[] = { &cfg_arch_aarch64, &cfg_arch_riscv64 };

static bool same(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const struct cfg_arch *cfg_arch_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (same(profiles[i]->name, name))
			return profiles[i];
	return NULL;
}

const struct cfg_arch *cfg_arch_of(const struct cfg_limits *lim)
{
	return lim != NULL && lim->arch != NULL ? lim->arch : &cfg_arch_aarch64;
}

bool cfg_arch_builds(const struct cfg_arch *a, const char *server)
{
	for (size_t i = 0; a->no_servers != NULL && a->no_servers[i] != NULL; i++)
		if (same(a->no_servers[i], server))
			return false;
	return true;
}

void cfg_arch_dtb(const struct cfg_arch *a, uint64_t ram_bytes, uint64_t *base,
		  uint64_t *end)
{
	uint64_t top = a->ram_base + ram_bytes;

	if (a->dtb_rule == CFG_DTB_FROM_BASE) {
		*base = a->ram_base + (ram_bytes / 2 < a->dtb_limit ? ram_bytes / 2 :
								      a->dtb_limit);
		*end = *base + CFG_BLOB_ALIGN;
		return;
	}
	if (a->ram_base < a->dtb_limit && top > a->dtb_limit)
		top = a->dtb_limit;
	/* a tree of any size up to DTB_MAX_BYTES starts at or above this */
	*base = (top - DTB_MAX_BYTES) & ~(CFG_BLOB_ALIGN - 1);
	*end = top;
}

uint64_t cfg_blob_below(const struct cfg_arch *a, uint64_t ram_bytes, uint64_t top,
			uint64_t bytes, uint64_t align)
{
	uint64_t low = a->ram_base + CFG_MACHINE_KEEP, dtb, dtb_end, at;

	cfg_arch_dtb(a, ram_bytes, &dtb, &dtb_end);
	for (int pass = 0; pass < 2; pass++) {
		if (top < low || bytes > top - low)
			return 0;
		at = (top - bytes) & ~(align - 1);
		if (at < low)
			return 0;
		if (at >= dtb_end || at + bytes <= dtb)
			return at;
		top = dtb;              /* it would cover the tree: go below */
	}
	return 0;
}

unsigned cfg_virtio_transport(const struct cfg_arch *a, unsigned slot)
{
	unsigned per_page = a->virtio_stride >= 4096 ? 1 : 4096 / a->virtio_stride;
	unsigned pages = a->virtio_count / per_page;
	if (pages == 0)
		return 0;
	return a->virtio_count - 1 - (slot % pages) * per_page - (slot / pages) % per_page;
}
