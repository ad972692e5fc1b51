/*
 * The Image header's check (loader_image_header), and where a checked
 * image leaves room: the device tree takes the last
 * DTB_REGION of RAM, the initrd goes 2 MiB-aligned after the image's
 * memory and below the tree. Pure, so check-config (tools/check-config.c)
 * refuses with the VMM's own words what the VMM would refuse at boot.
 */
#include "dtb.h"
#include "loader.h"

const char *loader_place(const struct guest_image *g, uint64_t ram_size, uint64_t initrd_size,
			 uint64_t *initrd_off)
{
	uint64_t at = (g->load_offset + g->mem_size + DTB_REGION - 1) & ~(DTB_REGION - 1);
	if (ram_size < 2 * DTB_REGION || g->load_offset + g->mem_size > ram_size - DTB_REGION)
		return "no room for the device tree above the image";
	if (initrd_size && (at > ram_size - DTB_REGION || initrd_size > ram_size - DTB_REGION - at))
		return "no room for the initrd between the image and the device tree";
	*initrd_off = at;
	return NULL;
}

#define IMAGE_HEADER_SIZE 64u
#define IMAGE_RAM_ALIGN 0x200000ull

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const char *loader_image_header(const struct loader_image_format *f, const uint8_t *img,
				uint64_t size, uint64_t ram_base, uint64_t ram_size,
				struct guest_image *out)
{
	uint64_t text_offset, mem_size;
	if (size < IMAGE_HEADER_SIZE || (uint32_t)le64(img + 0x38) != f->magic)
		return f->no_magic;
	if (le64(img + 0x18) & 1)
		return "big-endian image";
	if (ram_base % IMAGE_RAM_ALIGN)
		return "RAM base is not 2 MiB aligned";
	text_offset = le64(img + 0x08);
	mem_size = le64(img + 0x10);
	if (mem_size == 0) {
		text_offset = f->zero_size_offset ? f->zero_size_offset : text_offset;
		mem_size = size;
	}
	if (mem_size < size)
		return "image_size is smaller than the file";
	if (text_offset % 4096 || text_offset >= ram_size || mem_size > ram_size - text_offset)
		return "image does not fit in the VM's RAM";
	out->load_offset = text_offset;
	out->file_size = size;
	out->mem_size = mem_size;
	out->entry = ram_base + text_offset;
	return NULL;
}
