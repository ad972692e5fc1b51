/* Object allocator over untyped memory (see keel/alloc.h). */
#include <stdbool.h>

#include <keel/abi.h>
#include <keel/alloc.h>
#include <keel/object.h>

/* Translation depth bound: a map can miss at most this many tables (the
 * loop stops earlier on any status but KEEL_E_NOT_MAPPED). */
#define ALLOC_MAX_TABLES 4

void keel_alloc_init(struct keel_alloc *a, uint64_t cnode, uint64_t first_slot,
		     uint64_t end_slot)
{
	a->cnode = cnode;
	a->next_slot = first_slot;
	a->end_slot = end_slot;
	a->nut = 0;
	a->cur = 0;
}

void keel_alloc_add_untyped(struct keel_alloc *a, uint64_t ut)
{
	if (a->nut < KEEL_ALLOC_MAX_UNTYPED)
		a->ut[a->nut++] = ut;
}

uint64_t keel_alloc_slot(struct keel_alloc *a)
{
	if (a->next_slot >= a->end_slot)
		return 0;
	return a->next_slot++;
}

/* An untyped that cannot fit a page-sized object is full and is skipped
 * from then on; one that cannot fit a large object may still serve small
 * ones, so a large object searches on without moving the cursor. A vspace
 * may be larger than a page (riscv64's is 16 KiB). */
static bool alloc_small(unsigned type, unsigned size_bits)
{
	if (type == KEEL_OBJ_FRAME)
		return size_bits <= KEEL_PAGE_BITS;
	return type != KEEL_OBJ_CNODE && type != KEEL_OBJ_UNTYPED && type != KEEL_OBJ_VSPACE;
}

long keel_alloc_into(struct keel_alloc *a, unsigned type, unsigned size_bits,
		     uint64_t cnode, uint64_t index)
{
	bool small = alloc_small(type, size_bits);
	for (unsigned i = a->cur; i < a->nut; i++) {
		long err = keel_untyped_retype(a->ut[i], type, size_bits, cnode, index, 1);
		if (err != KEEL_E_NO_MEMORY)
			return err;
		if (small && i == a->cur)
			a->cur++;
	}
	return KEEL_E_NO_MEMORY;
}

uint64_t keel_alloc_object(struct keel_alloc *a, unsigned type, unsigned size_bits)
{
	uint64_t slot = keel_alloc_slot(a);
	if (!slot)
		return 0;
	if (keel_alloc_into(a, type, size_bits, a->cnode, slot) == KEEL_OK)
		return slot;
	a->next_slot--; /* give the slot back: nothing was made in it */
	return 0;
}

long keel_alloc_map(struct keel_alloc *a, uint64_t frame, uint64_t vspace,
		    uint64_t vaddr, unsigned rights)
{
	long err = keel_frame_map(frame, vspace, vaddr, rights);
	for (int i = 0; i < ALLOC_MAX_TABLES && err == KEEL_E_NOT_MAPPED; i++) {
		uint64_t pt = keel_alloc_object(a, KEEL_OBJ_PAGE_TABLE, 0);
		if (!pt)
			return KEEL_E_NO_MEMORY;
		err = keel_pt_map(pt, vspace, vaddr);
		if (err == KEEL_OK)
			err = keel_frame_map(frame, vspace, vaddr, rights);
	}
	return err;
}
