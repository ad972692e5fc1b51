/* The guest's RAM minus its own image: what a guest may freely overwrite. */
#ifndef GUEST_RAM_H
#define GUEST_RAM_H

#include "fdt.h"

#define MAX_SPANS (2 * MAX_RAM_REGIONS)

struct spans {
	unsigned n;
	struct region s[MAX_SPANS];
	uint64_t bytes;
};

/* RAM minus [__image_start, __image_end), ends rounded in to 8 bytes. */
void ram_spans(const struct ram_map *ram, struct spans *sp);
/* Is [addr, addr + len) inside one region of ram? */
bool ram_contains(const struct ram_map *ram, uint64_t addr, uint64_t len);

#endif
