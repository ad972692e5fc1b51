/*
 * A small flattened-device-tree reader for the test guests (freestanding,
 * so no libfdt). It reports every address window the tree describes: each
 * `reg` entry (in the parent's #address-cells/#size-cells) and each
 * `ranges` entry (its parent-bus side), flagging the RAM of memory nodes.
 */
#ifndef GUEST_FDT_H
#define GUEST_FDT_H

#include <stdbool.h>
#include <stdint.h>

struct fdt_window {
	uint64_t base, size;
	bool memory;      /* a `reg` entry of a memory node */
	const char *node; /* node name, e.g. "pl011@9000000" */
};

typedef void fdt_window_fn(void *ctx, const struct fdt_window *w);

/* Calls fn for every window; returns NULL, or why the tree was refused. */
const char *fdt_walk(const void *dtb, fdt_window_fn *fn, void *ctx);

struct region {
	uint64_t base, size;
};

#define MAX_RAM_REGIONS 8
struct ram_map {
	unsigned n;
	struct region r[MAX_RAM_REGIONS];
};

/* The "bootargs" of /chosen (the VM's command line): "" if there are none
 * or the tree is refused. */
const char *fdt_bootargs(const void *dtb);
/* The number after key ("ops=", "lines=") in a command line, or 0. */
uint64_t bootargs_num(const char *args, const char *key);

/* The RAM regions of the memory nodes; NULL, or why there are none. */
const char *fdt_ram(const void *dtb, struct ram_map *ram);

#endif
