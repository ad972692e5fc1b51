/*
 * Where a checked image leaves room: the device tree takes the last
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
