/*
 * The driver's check of where a request's data is (ram.h). The table is
 * root's and read-only to the driver; the segments are the client's, and
 * every sum here is written so that no value a client picks can wrap.
 */
#include <stddef.h>

#include "ram.h"

/* The range holding byte gpa, or NULL. */
static const struct keel_blk_ram *blkram_find(const struct keel_blk_ram_table *t, uint64_t gpa)
{
	uint32_t n = t->n < KEEL_BLK_RAM_MAX ? t->n : KEEL_BLK_RAM_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (gpa >= t->r[i].gpa && gpa - t->r[i].gpa < t->r[i].size)
			return &t->r[i];
	return NULL;
}

bool blkram_translate(const struct keel_blk_ram_table *t, uint64_t gpa, uint32_t len,
		      struct blkram_piece *out, unsigned *n, unsigned max)
{
	if (len == 0)
		return false;
	while (len) {
		const struct keel_blk_ram *r = blkram_find(t, gpa);
		uint64_t off, room;
		uint32_t take;
		if (!r || *n >= max)
			return false;
		off = gpa - r->gpa;
		room = r->size - off; /* > 0: blkram_find saw off < size */
		take = room < len ? (uint32_t)room : len;
		out[(*n)++] = (struct blkram_piece){ .pa = r->pa + off, .len = take };
		/* the next byte is past this range's end; a range ending at the
		 * top of the address space holds all that is left */
		if (take < len && gpa + take < gpa)
			return false;
		gpa += take;
		len -= take;
	}
	return true;
}
