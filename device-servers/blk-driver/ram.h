/*
 * Where a block request's data may go (keel/blk.h): the guest-physical
 * segments a device server hands the driver, translated to host-physical
 * with the table of its one VM's RAM that root wrote in the driver's info
 * page. Pure code: the host tests link it too (tests/vdrv/test_blkram.c).
 */
#ifndef BLKDRV_RAM_H
#define BLKDRV_RAM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/blk.h>

/* A host-physical piece of a segment, as the device will see it. */
struct blkram_piece {
	uint64_t pa;
	uint32_t len;
};

/*
 * Append the host-physical pieces of guest-physical [gpa, gpa + len) to
 * out[*n .. max), one per RAM range the segment crosses (ranges adjacent
 * in guest-physical addresses need not be in host-physical ones). False if
 * len is 0, if any byte of it lies outside every range of t, or if out is
 * full: the request must then fail, none of it reaching the device.
 */
bool blkram_translate(const struct keel_blk_ram_table *t, uint64_t gpa, uint32_t len,
		      struct blkram_piece *out, unsigned *n, unsigned max);

#endif /* BLKDRV_RAM_H */
