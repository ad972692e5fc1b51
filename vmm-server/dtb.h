/* The guest's device tree (dtb.c, and the arch's nodes in
 * vmm-server/arch/$(ARCH)/dtb.c). Pure: no system calls. */
#ifndef VMM_DTB_H
#define VMM_DTB_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

/* Where the VMM puts the tree: the last 2 MiB of RAM (booting.rst: at
 * most 2 MiB, 8-byte aligned, in a 2 MiB region of its own). */
#define DTB_REGION 0x200000ull

/* What the loader placed besides the image (guest-physical; 0: none). */
struct dtb_boot {
	uint64_t initrd_start, initrd_end;
};

/* libfdt's sequential writer, with the first error remembered so that a
 * description can read straight through (the dtb_node.. writers do
 * nothing once err is set). */
struct dtbw {
	void *fdt;
	int err;
};
void dtb_node(struct dtbw *f, const char *name);
/* name@<base in hex> */
void dtb_node_at(struct dtbw *f, const char *what, uint64_t base);
void dtb_end_node(struct dtbw *f);
void dtb_prop(struct dtbw *f, const char *name, const void *val, size_t len);
/* Up to 16 cells */
void dtb_prop_cells(struct dtbw *f, const char *name, const uint32_t *c, size_t n);
void dtb_prop_u32(struct dtbw *f, const char *name, uint32_t v);
void dtb_prop_u64(struct dtbw *f, const char *name, uint64_t v);
void dtb_prop_str(struct dtbw *f, const char *name, const char *s);
/* A reg pair in 2 + 2 cells: c[0..3] */
void dtb_reg2(uint32_t *c, uint64_t base, uint64_t size);

/* Describe the VM in out (with Debian's libfdt); the blob's size, or 0 if
 * it does not fit. boot may be NULL. */
size_t dtb_build(const struct keel_vm_info *info, unsigned ncpus, const struct dtb_boot *boot,
		 uint8_t *out, size_t cap);

/* A tree the configuration supplied (src, len bytes): checked whole
 * (fdt_check_full), copied to out, and /chosen given the description's
 * bootargs (if any) and the initrd range the loader chose; everything
 * else is the user's. Its size, or 0 if it is not a valid tree or does
 * not fit. */
size_t dtb_adopt(const void *src, size_t len, const struct keel_vm_info *info,
		 const struct dtb_boot *boot, uint8_t *out, size_t cap);

#endif /* VMM_DTB_H */
