/*
 * keel/object.h — one function per object invocation (keel/abi.h lists the
 * labels and their message layout). Each returns KEEL_OK or the KEEL_E_*
 * status of the invocation; capability pointers are slots in the caller's
 * CNode. Lookup errors common to all: KEEL_E_INVALID_CAP (empty or out of
 * range), KEEL_E_WRONG_TYPE, KEEL_E_NO_RIGHTS (most need WRITE).
 */
#ifndef KEEL_OBJECT_H
#define KEEL_OBJECT_H

#include <stdint.h>

/* Registers as KEEL_TCB_READ_REGS returns them. */
struct keel_regs {
	uint64_t pc, sp, x0, x1, tls;
};

/* count objects of type at dest_index.. in dest_cnode. Also
 * KEEL_E_INVALID_ARG (type/size), KEEL_E_BAD_ADDRESS (slots out of range),
 * KEEL_E_SLOT_IN_USE, KEEL_E_NO_MEMORY. A vspace is made without a VMID:
 * keel_vmid_pool_assign gives it one before it is copied or bound. */
long keel_untyped_retype(uint64_t ut, unsigned type, unsigned size_bits,
			 uint64_t dest_cnode, uint64_t dest_index, uint64_t count);

/* VMID pools (KEEL_VMID_POOL_*). Assign: KEEL_E_NO_MEMORY when the pool has
 * no free VMID, KEEL_E_BUSY when the vspace has one or has copies. Split:
 * count free VMIDs to a new pool at dest_index in dest_cnode (the pool
 * keeps at least one: else KEEL_E_NO_MEMORY). Assign writes the VMID it
 * gave to *vmid (if not NULL): a trace names address spaces by it. */
long keel_vmid_pool_assign(uint64_t pool, uint64_t vspace, unsigned *vmid);
long keel_vmid_pool_split(uint64_t pool, uint64_t count, uint64_t dest_cnode,
			  uint64_t dest_index);

/* CNode invocations: cnode names the destination CNode, src_cnode the one
 * holding the source. Also KEEL_E_BAD_ADDRESS, KEEL_E_SLOT_IN_USE;
 * copy/mint of untyped or page tables: KEEL_E_WRONG_TYPE; mint of a
 * badged capability or badge 0: KEEL_E_INVALID_ARG. */
long keel_cnode_copy(uint64_t cnode, uint64_t dest, uint64_t src_cnode,
		     uint64_t src, unsigned rights);
long keel_cnode_mint(uint64_t cnode, uint64_t dest, uint64_t src_cnode,
		     uint64_t src, unsigned rights, uint64_t badge);
long keel_cnode_move(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src);
long keel_cnode_delete(uint64_t cnode, uint64_t index);
long keel_cnode_revoke(uint64_t cnode, uint64_t index);

/* Any cptr 0 leaves that binding empty. KEEL_E_BAD_ADDRESS for an
 * unaligned or out-of-range ipcbuf_vaddr. */
long keel_tcb_configure(uint64_t tcb, uint64_t fault_ep, uint64_t cnode,
			uint64_t vspace, uint64_t ipcbuf, uint64_t ipcbuf_vaddr);
long keel_tcb_set_priority(uint64_t tcb, unsigned prio);
long keel_tcb_set_affinity(uint64_t tcb, unsigned cpu);
/* Also suspends the thread. */
long keel_tcb_write_regs(uint64_t tcb, uint64_t pc, uint64_t sp, uint64_t x0,
			 uint64_t x1, uint64_t tls);
long keel_tcb_read_regs(uint64_t tcb, struct keel_regs *out);
long keel_tcb_resume(uint64_t tcb);
long keel_tcb_suspend(uint64_t tcb);
long keel_tcb_bind_notification(uint64_t tcb, uint64_t ntfn);

/* KEEL_E_NOT_MAPPED: a page table is missing on the way (see
 * keel_alloc_map in keel/alloc.h); KEEL_E_MAPPED: slot taken or the frame
 * capability is already mapped. */
long keel_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr, unsigned rights);
long keel_frame_unmap(uint64_t frame);
long keel_frame_address(uint64_t frame, uint64_t *paddr);
long keel_pt_map(uint64_t pt, uint64_t vspace, uint64_t vaddr);

#endif /* KEEL_OBJECT_H */
