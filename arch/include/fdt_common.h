/*
 * Device-tree reading every arch's fdt.c does alike (QEMU virt's trees:
 * #address-cells = #size-cells = 2): a node's reg entries and the
 * boot_mem fields that come straight from the tree. Static, not inline:
 * GCC then makes the same inlining choices as with the old per-arch
 * copies, so the aarch64 kernel's code did not change.
 * Include after <libfdt.h> and kernel.h.
 */
#ifndef KEEL_FDT_COMMON_H
#define KEEL_FDT_COMMON_H

static uint64_t fdt_cell64(const fdt32_t *p)
{
	return (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
}

/* reg entry i of a node, assuming #address-cells = #size-cells = 2 (virt) */
static bool fdt_reg(const void *fdt, int node, int i, uint64_t *base, uint64_t *size)
{
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len < (i + 1) * 16)
		return false;
	*base = fdt_cell64(reg + 4 * i);
	*size = fdt_cell64(reg + 4 * i + 2);
	return true;
}

/*
 * The boot_mem fields the tree and the image give: RAM (/memory), the
 * kernel's and the tree's extent, the command line. Panics (with
 * no_tree, which names the register the tree came in) without a valid
 * tree or a /memory node.
 */
static void fdt_boot_mem(const void *fdt, struct boot_mem *bm, const char *no_tree)
{
	extern char __kernel_start[], __kernel_end[];
	int node;
	kmemset(bm, 0, sizeof(*bm));
	if (fdt_check_header(fdt) != 0)
		kpanic(no_tree);
	node = fdt_path_offset(fdt, "/memory");
	if (node < 0 || !fdt_reg(fdt, node, 0, &bm->ram_base, &bm->ram_size))
		kpanic("fdt: no /memory");
	bm->kernel_start = (uint64_t)__kernel_start;
	bm->kernel_end = (uint64_t)__kernel_end;
	bm->dtb_start = (uint64_t)fdt;
	bm->dtb_end = bm->dtb_start + fdt_totalsize(fdt);
	node = fdt_path_offset(fdt, "/chosen");
	bm->cmdline = node >= 0 ? fdt_getprop(fdt, node, "bootargs", NULL) : NULL;
}

#endif /* KEEL_FDT_COMMON_H */
