/* Object invocations as functions: pack the arguments, make the call. */
#include <keel/abi.h>
#include <keel/object.h>

long keel_untyped_retype(uint64_t ut, unsigned type, unsigned size_bits,
			 uint64_t dest_cnode, uint64_t dest_index, uint64_t count)
{
	uint64_t mr[6] = { type, size_bits, dest_cnode, dest_index, count, 0 };
	return keel_invoke(ut, KEEL_UNTYPED_RETYPE, 5, mr);
}

long keel_vmid_pool_assign(uint64_t pool, uint64_t vspace, unsigned *vmid)
{
	uint64_t mr[6] = { vspace, 0, 0, 0, 0, 0 };
	long err = keel_invoke(pool, KEEL_VMID_POOL_ASSIGN, 1, mr);
	if (err == KEEL_OK && vmid)
		*vmid = (unsigned)mr[0];
	return err;
}

long keel_vmid_pool_split(uint64_t pool, uint64_t count, uint64_t dest_cnode,
			  uint64_t dest_index)
{
	uint64_t mr[6] = { count, dest_cnode, dest_index, 0, 0, 0 };
	return keel_invoke(pool, KEEL_VMID_POOL_SPLIT, 3, mr);
}

long keel_cnode_copy(uint64_t cnode, uint64_t dest, uint64_t src_cnode,
		     uint64_t src, unsigned rights)
{
	uint64_t mr[6] = { dest, src_cnode, src, rights, 0, 0 };
	return keel_invoke(cnode, KEEL_CNODE_COPY, 4, mr);
}

long keel_cnode_mint(uint64_t cnode, uint64_t dest, uint64_t src_cnode,
		     uint64_t src, unsigned rights, uint64_t badge)
{
	uint64_t mr[6] = { dest, src_cnode, src, rights, badge, 0 };
	return keel_invoke(cnode, KEEL_CNODE_MINT, 5, mr);
}

long keel_cnode_move(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src)
{
	uint64_t mr[6] = { dest, src_cnode, src, 0, 0, 0 };
	return keel_invoke(cnode, KEEL_CNODE_MOVE, 3, mr);
}

long keel_cnode_delete(uint64_t cnode, uint64_t index)
{
	uint64_t mr[6] = { index, 0, 0, 0, 0, 0 };
	return keel_invoke(cnode, KEEL_CNODE_DELETE, 1, mr);
}

long keel_cnode_revoke(uint64_t cnode, uint64_t index)
{
	uint64_t mr[6] = { index, 0, 0, 0, 0, 0 };
	return keel_invoke(cnode, KEEL_CNODE_REVOKE, 1, mr);
}

long keel_tcb_configure(uint64_t tcb, uint64_t fault_ep, uint64_t cnode,
			uint64_t vspace, uint64_t ipcbuf, uint64_t ipcbuf_vaddr)
{
	uint64_t mr[6] = { fault_ep, cnode, vspace, ipcbuf, ipcbuf_vaddr, 0 };
	return keel_invoke(tcb, KEEL_TCB_CONFIGURE, 5, mr);
}

/* The TCB invocations with at most one argument. */
static long tcb_op(uint64_t tcb, unsigned label, uint64_t arg)
{
	uint64_t mr[6] = { arg, 0, 0, 0, 0, 0 };
	return keel_invoke(tcb, label, 1, mr);
}

long keel_tcb_set_priority(uint64_t tcb, unsigned prio)
{
	return tcb_op(tcb, KEEL_TCB_SET_PRIORITY, prio);
}

long keel_tcb_set_affinity(uint64_t tcb, unsigned cpu)
{
	return tcb_op(tcb, KEEL_TCB_SET_AFFINITY, cpu);
}

long keel_tcb_resume(uint64_t tcb) { return tcb_op(tcb, KEEL_TCB_RESUME, 0); }
long keel_tcb_suspend(uint64_t tcb) { return tcb_op(tcb, KEEL_TCB_SUSPEND, 0); }

long keel_tcb_bind_notification(uint64_t tcb, uint64_t ntfn)
{
	return tcb_op(tcb, KEEL_TCB_BIND_NOTIFICATION, ntfn);
}

long keel_tcb_write_regs(uint64_t tcb, uint64_t pc, uint64_t sp, uint64_t x0,
			 uint64_t x1, uint64_t tls)
{
	uint64_t mr[6] = { pc, sp, x0, x1, tls, 0 };
	return keel_invoke(tcb, KEEL_TCB_WRITE_REGS, 5, mr);
}

long keel_tcb_read_regs(uint64_t tcb, struct keel_regs *out)
{
	uint64_t mr[6] = { 0 };
	long err = keel_invoke(tcb, KEEL_TCB_READ_REGS, 0, mr);
	if (err == KEEL_OK) {
		out->pc = mr[0];
		out->sp = mr[1];
		out->x0 = mr[2];
		out->x1 = mr[3];
		out->tls = mr[4];
	}
	return err;
}

long keel_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr, unsigned rights)
{
	uint64_t mr[6] = { vspace, vaddr, rights, 0, 0, 0 };
	return keel_invoke(frame, KEEL_FRAME_MAP, 3, mr);
}

long keel_frame_unmap(uint64_t frame)
{
	uint64_t mr[6] = { 0 };
	return keel_invoke(frame, KEEL_FRAME_UNMAP, 0, mr);
}

long keel_frame_address(uint64_t frame, uint64_t *paddr)
{
	uint64_t mr[6] = { 0 };
	long err = keel_invoke(frame, KEEL_FRAME_ADDRESS, 0, mr);
	if (err == KEEL_OK)
		*paddr = mr[0];
	return err;
}

long keel_pt_map(uint64_t pt, uint64_t vspace, uint64_t vaddr)
{
	uint64_t mr[6] = { vspace, vaddr, 0, 0, 0, 0 };
	return keel_invoke(pt, KEEL_PT_MAP, 2, mr);
}
