/*
 * The loader core: the guest's RAM as it is at the first instruction.
 * The image goes where its header asks (the arch reads the header:
 * vmm_arch_image_check), the initrd after it, the device tree in the last
 * DTB_REGION of RAM, written by dtb.c or the configuration's own tree
 * adopted. Root mapped the sources and the RAM here (keel/vmm.h).
 */
#include <string.h>

#include <keel/flash.h>
#include <keel/vmm.h>

#include "dtb.h"
#include "loader.h"
#include "vmm_arch.h"

void loader_image_copy(const uint8_t *img, const struct guest_image *g, uint8_t *ram)
{
	memcpy(ram + g->load_offset, img, g->file_size);
	memset(ram + g->load_offset + g->file_size, 0, g->mem_size - g->file_size);
}

/* The initrd at off (loader_place chose it), if there is one. */
static void loader_initrd(const struct keel_vm_info *info, uint64_t off, struct dtb_boot *boot)
{
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	if (!info->initrd_size)
		return;
	memcpy(ram + off, (const void *)(uintptr_t)KEEL_VMM_INITRD_VADDR, info->initrd_size);
	boot->initrd_start = info->ram_base + off;
	boot->initrd_end = boot->initrd_start + info->initrd_size;
}

/* A raw binary: the file as it is at raw_load, entered at raw_entry,
 * both inside RAM (root's config checked them; checked again here, as
 * everything in info). Its memory is the file: RAM beyond is zero. */
static const char *loader_raw_check(const struct keel_vm_info *info, struct guest_image *g)
{
	uint64_t off = info->raw_load - info->ram_base;
	if (info->raw_load < info->ram_base || off >= info->ram_size ||
	    info->image_size > info->ram_size - off)
		return "the raw image does not fit in the VM's RAM at kernel_load_addr";
	if (info->raw_entry < info->raw_load || info->raw_entry - info->raw_load >= info->image_size)
		return "entry_point is not inside the raw image";
	*g = (struct guest_image){ .load_offset = off, .file_size = info->image_size,
		.mem_size = info->image_size, .entry = info->raw_entry };
	return NULL;
}

/* Firmware (docs/firmware.md): the flash server has it at 0 already; the
 * VMM only writes the device tree, at the start of RAM, where U-Boot's
 * qemu boards look for the tree QEMU leaves there, and starts vCPU 0 at
 * the flash's first byte. */
static const char *loader_firmware(const struct keel_vm_info *info, unsigned ncpus,
				   struct loader_out *out)
{
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	if (info->ram_size < 2 * DTB_REGION)
		return "no room for the device tree in RAM";
	if (info->dtb_size ? !dtb_adopt((const void *)(uintptr_t)KEEL_VMM_DTB_VADDR,
					info->dtb_size, info, NULL, ram, DTB_REGION) :
			     !dtb_build(info, ncpus, NULL, ram, DTB_REGION))
		return "the device tree is not valid, or too large";
	*out = (struct loader_out){ .image = { .entry = KEEL_FLASH_BASE },
				    .dtb = info->ram_base };
	return NULL;
}

/* The image where its header asks (or where the config says, for a raw
 * one), the initrd after it, the device tree in the last DTB_REGION. */
const char *loader_load(const struct keel_vm_info *info, unsigned ncpus, struct loader_out *out)
{
	struct guest_image g;
	struct dtb_boot boot = { 0, 0 };
	const uint8_t *img = (const uint8_t *)(uintptr_t)KEEL_VMM_IMAGE_VADDR;
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	const char *why = info->image_raw ? loader_raw_check(info, &g) :
			  vmm_arch_image_check(img, info->image_size, info->ram_base,
					       info->ram_size, &g);
	uint64_t initrd_off = 0;
	if (info->firmware)
		return loader_firmware(info, ncpus, out);
	if (!why)
		why = loader_place(&g, info->ram_size, info->initrd_size, &initrd_off);
	if (why)
		return why;
	loader_image_copy(img, &g, ram);
	loader_initrd(info, initrd_off, &boot);
	if (info->dtb_size) {
		if (!dtb_adopt((const void *)(uintptr_t)KEEL_VMM_DTB_VADDR, info->dtb_size, info,
			       &boot, ram + info->ram_size - DTB_REGION, DTB_REGION))
			return "the configuration's device tree is not a valid tree, or too large";
	} else if (!dtb_build(info, ncpus, &boot, ram + info->ram_size - DTB_REGION,
			      DTB_REGION)) {
		return "device tree too large";
	}
	out->image = g;
	out->dtb = info->ram_base + info->ram_size - DTB_REGION;
	out->initrd = boot.initrd_start;
	return NULL;
}

