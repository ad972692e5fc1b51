/*
 * The device tree the VMM gives its guest (the boot argument), written
 * from the VM description root made (struct keel_vm_info). This file
 * writes what every architecture's tree has; the arch part
 * (vmm-server/arch/$(ARCH)/dtb.c, vmm_arch_dtb_*) adds the rest:
 *
 *   /                      #address-cells = #size-cells = 2, model; the
 *                          arch's compatible and interrupt parent
 *   chosen                 stdout-path: the first UART the arch made a
 *                          node for; bootargs (the description's
 *                          cmdline); linux,initrd-start/end;
 *                          keel,vm-name: the VM's name (the guest's /init
 *                          makes it the hostname, so prompts differ)
 *   memory@<base>          the VM's RAM
 *   ...                    the arch's nodes: CPUs, firmware, interrupt
 *                          controller, timer, devices
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "dtb.h"
#include "vmm_arch.h"

void dtb_node(struct dtbw *f, const char *name)
{
	if (!f->err)
		f->err = fdt_begin_node(f->fdt, name);
}

void dtb_end_node(struct dtbw *f)
{
	if (!f->err)
		f->err = fdt_end_node(f->fdt);
}

void dtb_prop(struct dtbw *f, const char *name, const void *val, size_t len)
{
	if (!f->err)
		f->err = fdt_property(f->fdt, name, val, (int)len);
}

void dtb_prop_cells(struct dtbw *f, const char *name, const uint32_t *c, size_t n)
{
	fdt32_t be[16];
	for (size_t i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(c[i]);
	dtb_prop(f, name, be, (n < 16 ? n : 16) * sizeof(fdt32_t));
}

void dtb_prop_u32(struct dtbw *f, const char *name, uint32_t v)
{
	dtb_prop_cells(f, name, &v, 1);
}

void dtb_prop_str(struct dtbw *f, const char *name, const char *s)
{
	if (!f->err)
		f->err = fdt_property_string(f->fdt, name, s);
}

void dtb_reg2(uint32_t *c, uint64_t base, uint64_t size)
{
	c[0] = (uint32_t)(base >> 32);
	c[1] = (uint32_t)base;
	c[2] = (uint32_t)(size >> 32);
	c[3] = (uint32_t)size;
}

void dtb_node_at(struct dtbw *f, const char *what, uint64_t base)
{
	char name[40];
	snprintf(name, sizeof(name), "%s@%llx", what, (unsigned long long)base);
	dtb_node(f, name);
}

static void dtb_memory(struct dtbw *f, const struct keel_vm_info *info)
{
	uint32_t reg[4];
	dtb_node_at(f, "memory", info->ram_base);
	dtb_prop_str(f, "device_type", "memory");
	dtb_reg2(reg, info->ram_base, info->ram_size);
	dtb_prop_cells(f, "reg", reg, 4);
	dtb_end_node(f);
}

/* The CFI flash of a firmware VM, as QEMU's virt board describes it:
 * one node, both banks in reg, 4 bytes wide. */
static void dtb_flash(struct dtbw *f, const struct keel_vm_info *info)
{
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++) {
		const struct keel_vm_dev *d = &info->dev[i];
		uint32_t reg[8];
		if (d->kind != KEEL_VM_DEV_FLASH)
			continue;
		dtb_node_at(f, "flash", d->base);
		dtb_prop_str(f, "compatible", "cfi-flash");
		dtb_reg2(reg, d->base, d->size / 2);
		dtb_reg2(reg + 4, d->base + d->size / 2, d->size / 2);
		dtb_prop_cells(f, "reg", reg, 8);
		dtb_prop_u32(f, "bank-width", 4);
		dtb_end_node(f);
	}
}

void dtb_prop_u64(struct dtbw *f, const char *name, uint64_t v)
{
	const uint32_t c[2] = { (uint32_t)(v >> 32), (uint32_t)v };
	dtb_prop_cells(f, name, c, 2);
}

/* The description is root's: take the name only if it ends. */
static bool dtb_name_ok(const struct keel_vm_info *info)
{
	return info->name[0] && memchr(info->name, 0, sizeof(info->name));
}

static void dtb_chosen(struct dtbw *f, const struct keel_vm_info *info,
		       const struct dtb_boot *boot)
{
	char path[40];
	dtb_node(f, "chosen");
	/* the description is root's: take the command line only if it ends */
	if (info->cmdline[0] && memchr(info->cmdline, 0, sizeof(info->cmdline)))
		dtb_prop_str(f, "bootargs", info->cmdline);
	if (dtb_name_ok(info))
		dtb_prop_str(f, "keel,vm-name", info->name);
	if (boot && boot->initrd_end > boot->initrd_start) {
		dtb_prop_u64(f, "linux,initrd-start", boot->initrd_start);
		dtb_prop_u64(f, "linux,initrd-end", boot->initrd_end);
	}
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++)
		if (keel_vm_dev_is_uart(info->dev[i].kind) &&
		    vmm_arch_dtb_dev_path(&info->dev[i], path, sizeof(path))) {
			dtb_prop_str(f, "stdout-path", path);
			break;
		}
	dtb_end_node(f);
}

size_t dtb_build(const struct keel_vm_info *info, unsigned ncpus, const struct dtb_boot *boot,
		 uint8_t *out, size_t cap)
{
	struct dtbw w = { .fdt = out }, *f = &w;
	w.err = fdt_create(out, (int)cap);
	if (!w.err)
		w.err = fdt_finish_reservemap(out);
	dtb_node(f, "");
	dtb_prop_u32(f, "#address-cells", 2);
	dtb_prop_u32(f, "#size-cells", 2);
	dtb_prop_str(f, "model", "Keel VM");
	vmm_arch_dtb_root(f);
	dtb_chosen(f, info, boot);
	dtb_memory(f, info);
	dtb_flash(f, info);
	vmm_arch_dtb_nodes(f, info, ncpus);
	dtb_end_node(f);
	if (!w.err)
		w.err = fdt_finish(out);
	return w.err ? 0 : fdt_totalsize(out);
}

static int dtb_set_chosen(void *fdt, const struct keel_vm_info *info, const struct dtb_boot *boot)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		return chosen;
	if (info->cmdline[0] && fdt_setprop_string(fdt, chosen, "bootargs", info->cmdline))
		return -1;
	if (dtb_name_ok(info) && fdt_setprop_string(fdt, chosen, "keel,vm-name", info->name))
		return -1;
	if (boot && boot->initrd_end > boot->initrd_start &&
	    (fdt_setprop_u64(fdt, chosen, "linux,initrd-start", boot->initrd_start) ||
	     fdt_setprop_u64(fdt, chosen, "linux,initrd-end", boot->initrd_end)))
		return -1;
	return 0;
}

/*
 * Debian's libfdt (1.6.1) trusts a tree's header more than it should:
 * fdt_check_full dereferences NULL for a tree older than version 16 whose
 * node names hold no '/', and a header older than version 17 gives no size
 * for the structure block, so reads run past it. A guest-supplied tree is
 * therefore copied into the VMM's own buffer first (libfdt's loads are then
 * aligned and never touch the blob in place), and only a version-17 tree,
 * what dtc and QEMU write, reaches libfdt's checks.
 */
static bool dtb_header_ok(const void *fdt, size_t len)
{
	return fdt_magic(fdt) == FDT_MAGIC && fdt_version(fdt) >= 17 &&
	       fdt_last_comp_version(fdt) <= 17 && fdt_totalsize(fdt) <= len;
}

static uint32_t dtb_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * libfdt 1.6.1's fdt_next_tag adds a property's length to its offset
 * unchecked, so a length of 0xfffffff4 brings it back to the same tag and
 * fdt_check_full loops for ever (make fuzz found it: the VMM would spin at
 * its priority, holding its CPU). So the structure block is walked here
 * first, every token inside it: each step moves forward at least 4 bytes
 * and a property's value must end inside the block.
 */
static bool dtb_struct_ok(const uint8_t *fdt)
{
	uint32_t off = fdt_off_dt_struct(fdt), size = fdt_size_dt_struct(fdt);
	uint32_t end = off + size;
	if (off % 4 || size > fdt_totalsize(fdt) || off > fdt_totalsize(fdt) - size)
		return false;
	while (end - off >= 4) {
		uint32_t tag = dtb_be32(fdt + off), len;
		const uint8_t *nul;
		off += 4;
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (!(nul = memchr(fdt + off, '\0', end - off)))
				return false;
			off = (uint32_t)(nul - fdt) + 1;
			off = off + 3 < end ? (off + 3) & ~3u : end;
			break;
		case FDT_PROP:
			if (end - off < 8 || (len = dtb_be32(fdt + off)) > end - off - 8)
				return false;
			off += 8 + len;
			off = off + 3 < end ? (off + 3) & ~3u : end;
			break;
		case FDT_END_NODE:
		case FDT_NOP:
			break;
		case FDT_END:
			return true;
		default:
			return false;
		}
	}
	return false; /* no FDT_END */
}

size_t dtb_adopt(const void *src, size_t len, const struct keel_vm_info *info,
		 const struct dtb_boot *boot, uint8_t *out, size_t cap)
{
	if (len < sizeof(struct fdt_header) || len > cap)
		return 0;
	memmove(out, src, len);
	if (!dtb_header_ok(out, len) || !dtb_struct_ok(out) || fdt_check_full(out, len) != 0)
		return 0;
	if (fdt_open_into(out, out, (int)cap) != 0 || dtb_set_chosen(out, info, boot) != 0 ||
	    fdt_pack(out) != 0)
		return 0;
	return fdt_totalsize(out);
}
