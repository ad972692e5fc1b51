/*
 * keel/alloc.h — an object allocator over untyped memory, for whoever hands
 * out resources (the root server today).
 *
 * Objects are retyped from the untyped capabilities given with
 * keel_alloc_add_untyped, in the order given, into free slots of one CNode
 * handed out from a bump pointer. The kernel keeps each untyped's watermark
 * and aligns every object to its size, so the allocator keeps no shadow
 * accounting: when an untyped says KEEL_E_NO_MEMORY it moves on to the next.
 * Nothing is freed (revoking an untyped would return all of it at once).
 */
#ifndef KEEL_ALLOC_H
#define KEEL_ALLOC_H

#include <stdint.h>

#define KEEL_ALLOC_MAX_UNTYPED 64

struct keel_alloc {
	uint64_t cnode;     /* cptr of the CNode objects go into (own CNode) */
	uint64_t next_slot; /* next free slot in it */
	uint64_t end_slot;  /* one past the last slot we may use */
	unsigned nut, cur;  /* untyped count, the one being used */
	uint64_t ut[KEEL_ALLOC_MAX_UNTYPED];
};

void keel_alloc_init(struct keel_alloc *a, uint64_t cnode, uint64_t first_slot,
		     uint64_t end_slot);
/* Add an untyped capability (RAM, not device memory) to allocate from. */
void keel_alloc_add_untyped(struct keel_alloc *a, uint64_t ut);
/* A free slot, or 0 when the CNode is full. */
uint64_t keel_alloc_slot(struct keel_alloc *a);
/* A new object (size_bits as for retype; 0 for fixed-size types) in a new
 * slot: returns its cptr, or 0 when slots or memory ran out. */
uint64_t keel_alloc_object(struct keel_alloc *a, unsigned type, unsigned size_bits);
/* Make one object from the pool's untyped into slot `index` of CNode
 * `cnode` (a CNode the caller holds). KEEL_E_NO_MEMORY when all are full. */
long keel_alloc_into(struct keel_alloc *a, unsigned type, unsigned size_bits,
		     uint64_t cnode, uint64_t index);
/* Map frame into vspace at vaddr, allocating the page tables that are
 * missing on the way. Returns KEEL_OK or the failing call's status
 * (KEEL_E_NO_MEMORY when a page table could not be allocated). */
long keel_alloc_map(struct keel_alloc *a, uint64_t frame, uint64_t vspace,
		    uint64_t vaddr, unsigned rights);

#endif /* KEEL_ALLOC_H */
