/*
 * Guest images: the arm64 Linux Image format (Linux
 * Documentation/arch/arm64/booting.rst), which the test guests use too.
 *
 *   offset  field        use here
 *   0x00    code0/code1  executable: the entry point is the first byte
 *   0x08    text_offset  image goes at RAM base + text_offset (RAM base is
 *                        2 MiB aligned, checked by image_check)
 *   0x10    image_size   bytes the image occupies, bss included; 0 means an
 *                        old kernel: text_offset 0x80000, size = file size
 *   0x18    flags        bit 0: big-endian (refused)
 *   0x38    magic        "ARM\x64"
 *
 * The image file comes from the VM's configuration: every field is
 * checked before it is used.
 */
#include <string.h>

#include "vmm.h"

#define IMAGE_HEADER_SIZE 64u
#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define IMAGE_OLD_TEXT_OFFSET 0x80000u
#define RAM_ALIGN 0x200000ull

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const char *image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
			uint64_t ram_size, struct guest_image *out)
{
	uint64_t text_offset, mem_size;
	if (size < IMAGE_HEADER_SIZE || (uint32_t)le64(img + 0x38) != IMAGE_MAGIC)
		return "not an arm64 Image (no \"ARM\\x64\" magic)";
	if (le64(img + 0x18) & 1)
		return "big-endian image";
	if (ram_base % RAM_ALIGN)
		return "RAM base is not 2 MiB aligned";
	text_offset = le64(img + 0x08);
	mem_size = le64(img + 0x10);
	if (mem_size == 0) {
		text_offset = IMAGE_OLD_TEXT_OFFSET;
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

void image_load(const uint8_t *img, const struct guest_image *g, uint8_t *ram)
{
	memcpy(ram + g->load_offset, img, g->file_size);
	memset(ram + g->load_offset + g->file_size, 0, g->mem_size - g->file_size);
}
