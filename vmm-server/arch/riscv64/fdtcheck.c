/*
 * fdt_check_full for the riscv64 VMM: the riscv64 set-up builds libfdt
 * from Linux's copy (docs/riscv64.md, Set-up), which leaves out
 * fdt_check.c. vmm-server/dtb.c calls it on a device tree the VM's
 * configuration supplies, after its own walk of the structure block
 * (dtb_struct_ok) has proved every token stays inside it; this walks
 * every node and property through libfdt's checked accessors, so any
 * name or value they cannot read is an error.
 */
#include <libfdt.h>

#include "riscv64_vmm.h"

int fdt_check_full(const void *fdt, size_t bufsize);

static int check_props(const void *fdt, int node)
{
	const char *name;
	int len, p;
	if (!fdt_get_name(fdt, node, &len))
		return len;
	fdt_for_each_property_offset(p, fdt, node)
		if (!fdt_getprop_by_offset(fdt, p, &name, &len) || !name)
			return len < 0 ? len : -FDT_ERR_BADSTRUCTURE;
	return p == -FDT_ERR_NOTFOUND ? 0 : p;
}

int fdt_check_full(const void *fdt, size_t bufsize)
{
	int node = 0, depth = 0, err;
	if (bufsize < FDT_V1_SIZE)
		return -FDT_ERR_TRUNCATED;
	if ((err = fdt_check_header(fdt)) != 0)
		return err;
	if (fdt_totalsize(fdt) > bufsize)
		return -FDT_ERR_TRUNCATED;
	for (; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth))
		if ((err = check_props(fdt, node)) != 0)
			return err;
	return node == -FDT_ERR_NOTFOUND || depth < 0 ? 0 : node;
}
