/* The loader core (loader.c): image, initrd and device tree into RAM. */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stdint.h>

#include <keel/vmm.h>

#include "vmm.h"

/* What was placed (guest-physical addresses). */
struct loader_out {
	struct guest_image image; /* its entry is the guest's */
	uint64_t dtb;             /* the device tree */
	uint64_t initrd;          /* the initrd, 0 if none */
};

/* Load the VM info describes (ncpus vCPUs) from the places root mapped
 * (keel/vmm.h): NULL and *out, or why not. */
const char *loader_load(const struct keel_vm_info *info, unsigned ncpus, struct loader_out *out);
/* Room for the device tree and the initrd beside a checked image, in RAM
 * of ram_size bytes: NULL and the initrd's offset, or why not (place.c;
 * check-config uses it too). */
const char *loader_place(const struct guest_image *g, uint64_t ram_size, uint64_t initrd_size,
			 uint64_t *initrd_off);
/* The Image header arm64 and riscv64 Linux share (text_offset at 0x08,
 * image_size at 0x10, flags at 0x18, a magic word at 0x38): an arch's
 * magic, the words refusing a file without it, and the text offset an
 * image_size of 0 means (0: the header's own). */
struct loader_image_format {
	uint32_t magic;
	const char *no_magic;
	uint64_t zero_size_offset;
};
/* Check a header against RAM at ram_base (2 MiB aligned) of ram_size
 * bytes: NULL and *out, or why not (place.c: check-config uses it too). */
const char *loader_image_header(const struct loader_image_format *f, const uint8_t *img,
				uint64_t size, uint64_t ram_base, uint64_t ram_size,
				struct guest_image *out);
/* Copy the image to ram (the VMM's view of RAM base) and zero its bss. */
void loader_image_copy(const uint8_t *img, const struct guest_image *g, uint8_t *ram);

#endif /* VMM_LOADER_H */
