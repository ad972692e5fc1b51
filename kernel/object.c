/*
 * Kernel objects: sizes, creation from untyped memory (retype), destruction,
 * and the CNode invocations (copy, mint, move, delete, revoke).
 *
 * Untyped accounting: an untyped capability's data field counts the bytes
 * handed out, from the bottom; each retype aligns up to the object size.
 * Revoke deletes every object made from it and sets the count back to zero,
 * which is the only way memory returns.
 */
#include "kernel.h"

uint64_t object_size(unsigned type, unsigned size_bits)
{
	switch (type) {
	case KEEL_OBJ_UNTYPED:
		if (size_bits < KEEL_UNTYPED_MIN_BITS || size_bits > KEEL_UNTYPED_MAX_BITS)
			return 0;
		return 1ull << size_bits;
	case KEEL_OBJ_TCB: return 1ull << KEEL_TCB_BITS;
	case KEEL_OBJ_ENDPOINT: return 1ull << KEEL_ENDPOINT_BITS;
	case KEEL_OBJ_NOTIFICATION: return 1ull << KEEL_NOTIFICATION_BITS;
	case KEEL_OBJ_VCPU: return 1ull << KEEL_VCPU_BITS;
	case KEEL_OBJ_CNODE:
		if (size_bits < KEEL_CNODE_MIN_BITS || size_bits > KEEL_CNODE_MAX_BITS)
			return 0;
		return 1ull << (size_bits + KEEL_SLOT_BITS);
	case KEEL_OBJ_FRAME:
		if (size_bits == KEEL_LARGE_PAGE_BITS)
			return 1ull << KEEL_LARGE_PAGE_BITS;
		return size_bits == 0 || size_bits == PAGE_BITS ? PAGE_SIZE : 0;
	case KEEL_OBJ_PAGE_TABLE: return PAGE_SIZE;
	/* a root table: larger where guests need it (riscv64's 16 KiB Sv48x4) */
	case KEEL_OBJ_VSPACE: return 1ull << ARCH_VSPACE_BITS;
	default: return 0;
	}
}

/* zero: its memory may hold data (else it is known to be zero already) */
void object_init(unsigned type, uint64_t addr, unsigned size_bits, bool zero)
{
	if (type == KEEL_OBJ_UNTYPED)
		return; /* zeroed when retyped further */
	uint64_t size = object_size(type, size_bits);
	if (zero && size % PAGE_SIZE == 0)
		arch_zero_pages((void *)addr, size);
	else if (zero)
		kmemset((void *)addr, 0, size);
	if (type == KEEL_OBJ_TCB) {
		struct tcb *t = (struct tcb *)addr;
		for (unsigned i = 0; i < TCB_SLOTS; i++)
			t->slot[i].flags = CAP_IN_TCB;
		t->cpu = 0;
	}
	if (type == KEEL_OBJ_VCPU)
		arch_vcpu_init(&((struct vcpu *)addr)->arch);
}

void object_destroy(struct cap *c)
{
	switch (c->type) {
	case KEEL_OBJ_TCB: tcb_destroy((struct tcb *)c->obj); break;
	case KEEL_OBJ_ENDPOINT: ep_destroy((struct endpoint *)c->obj); break;
	case KEEL_OBJ_NOTIFICATION: ntfn_destroy((struct notification *)c->obj); break;
	case KEEL_OBJ_CNODE: break; /* emptied by cap.c's cnode_drain */
	case KEEL_OBJ_VSPACE: vspace_destroy(c); break;
	case KEEL_OBJ_VCPU: vcpu_destroy((struct vcpu *)c->obj); break;
	case KEEL_OBJ_FRAME:
	case KEEL_OBJ_PAGE_TABLE:
		if (c->flags & CAP_MAPPED)
			vspace_unmap_cap(c);
		break;
	case KEEL_OBJ_IRQ_HANDLER: irq_handler_deleted((unsigned)c->obj); break;
	case KEEL_OBJ_VMID_POOL: vmid_pool_destroy(c); break;
	default: break;
	}
}

/* ---- retype ---- */

struct retype_args {
	unsigned type, bits;
	struct cap *dest; /* first destination slot */
	uint64_t count, offset, size;
};

static long decode_retype(struct tcb *t, struct cap *ut, const uint64_t *mr,
			  struct retype_args *a)
{
	struct cap *cn;
	long err;
	a->type = (unsigned)mr[0];
	a->bits = mr[1] > 63 ? 0 : (unsigned)mr[1];
	a->count = mr[4];
	a->size = object_size(a->type, a->bits);
	if (a->size == 0 || a->count == 0 || a->count > 4096)
		return KEEL_E_INVALID_ARG;
	if ((ut->flags & CAP_DEVICE) && a->type != KEEL_OBJ_FRAME &&
	    a->type != KEEL_OBJ_UNTYPED)
		return KEEL_E_INVALID_ARG;
	if ((err = cap_lookup_typed(t, mr[2], KEEL_OBJ_CNODE, KEEL_R_WRITE, &cn)))
		return err;
	if (mr[3] >= (1ull << cn->size_bits) ||
	    a->count > (1ull << cn->size_bits) - mr[3])
		return KEEL_E_BAD_ADDRESS;
	a->dest = cnode_slot(cn, mr[3]);
	for (uint64_t i = 0; i < a->count; i++)
		if (a->dest[i].type != KEEL_OBJ_NULL)
			return KEEL_E_SLOT_IN_USE;
	a->offset = (ut->data + a->size - 1) & ~(a->size - 1);
	if (a->offset > (1ull << ut->size_bits) ||
	    a->count > ((1ull << ut->size_bits) - a->offset) / a->size)
		return KEEL_E_NO_MEMORY;
	return KEEL_OK;
}

/*
 * An untyped's memory from `clean` to its end is known to be zero (data2
 * counts those bytes): never used by an object since a boot whose loader
 * zeroed RAM (boot.c, "ram-zeroed"). Objects wholly in it are not zeroed
 * again (a VM's RAM is most of the memory a boot retypes, and zeroing it
 * one DC ZVA at a time is most of building a VM under QEMU); an untyped
 * made from it inherits what of it it covers. Whatever a retype hands
 * out leaves the clean part for good: a reset of the untyped (revoke)
 * does not make it clean again.
 */
static void invoke_retype(struct cap *ut, const struct retype_args *a)
{
	uint64_t clean = (1ull << ut->size_bits) - ut->data2, end = a->offset + a->count * a->size;
	for (uint64_t i = 0; i < a->count; i++) {
		uint64_t off = a->offset + i * a->size, addr = ut->obj + off;
		struct cap val = {
			.type = (uint8_t)a->type, .rights = KEEL_R_ALL,
			.size_bits = (uint8_t)(a->type == KEEL_OBJ_FRAME && !a->bits ? PAGE_BITS
										 : a->bits),
			.obj = addr,
			.flags = CAP_ORIGINAL | (ut->flags & CAP_DEVICE),
		};
		if (a->type == KEEL_OBJ_UNTYPED && off + a->size > clean)
			val.data2 = off + a->size - (off > clean ? off : clean);
		if (!(ut->flags & CAP_DEVICE))
			object_init(a->type, addr, a->bits, off < clean);
		cap_insert_child(ut, &a->dest[i], &val);
	}
	ut->data = end;
	if (end > clean)
		ut->data2 = (1ull << ut->size_bits) - end;
}

long untyped_invocation(struct tcb *t, struct cap *ut, uint64_t label, uint64_t *mr)
{
	struct retype_args a;
	long err;
	if (label != KEEL_UNTYPED_RETYPE)
		return KEEL_E_INVALID_CALL;
	if ((err = decode_retype(t, ut, mr, &a)))
		return err;
	invoke_retype(ut, &a);
	return KEEL_OK;
}

/* ---- CNode invocations ---- */

struct cnode_args {
	struct cap *dst, *src;
	uint8_t rights;
	uint32_t badge; /* mint; 0 for a copy */
};

static long decode_src(struct tcb *t, uint64_t cnode_cptr, uint64_t index,
		       struct cap **src)
{
	struct cap *cn;
	long err = cap_lookup_typed(t, cnode_cptr, KEEL_OBJ_CNODE, KEEL_R_WRITE, &cn);
	if (err)
		return err;
	*src = cnode_slot(cn, index);
	if (!*src)
		return KEEL_E_BAD_ADDRESS;
	if ((*src)->type == KEEL_OBJ_NULL)
		return KEEL_E_INVALID_CAP;
	return KEEL_OK;
}

/* Untyped, page tables, VMID pools and the trace have one capability each: copying
 * them would let two holders allocate the same memory or VMIDs, or map one
 * table twice. */
static bool cap_copyable(const struct cap *c)
{
	return c->type != KEEL_OBJ_UNTYPED && c->type != KEEL_OBJ_PAGE_TABLE &&
	       c->type != KEEL_OBJ_IRQ_CONTROL && c->type != KEEL_OBJ_VMID_POOL &&
	       c->type != KEEL_OBJ_TRACE;
}

static long decode_copy(const struct cap *src, bool mint, uint64_t badge)
{
	if (!cap_copyable(src))
		return KEEL_E_WRONG_TYPE;
	if (mint && src->type != KEEL_OBJ_ENDPOINT && src->type != KEEL_OBJ_NOTIFICATION)
		return KEEL_E_WRONG_TYPE;
	if (mint && (badge == 0 || badge > 0xffffffffu || src->badge != 0))
		return KEEL_E_INVALID_ARG;
	return KEEL_OK;
}

static long decode_cnode(struct tcb *t, struct cap *cn, uint64_t label, const uint64_t *mr,
			 struct cnode_args *a)
{
	bool mint = label == KEEL_CNODE_MINT;
	long err;
	if (label < KEEL_CNODE_COPY || label > KEEL_CNODE_REVOKE)
		return KEEL_E_INVALID_CALL;
	if (!(cn->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if (!(a->dst = cnode_slot(cn, mr[0])))
		return KEEL_E_BAD_ADDRESS;
	if (label == KEEL_CNODE_DELETE || label == KEEL_CNODE_REVOKE)
		return KEEL_OK;
	if (a->dst->type != KEEL_OBJ_NULL)
		return KEEL_E_SLOT_IN_USE;
	if ((err = decode_src(t, mr[1], mr[2], &a->src)))
		return err;
	if (a->src == a->dst)
		return KEEL_E_SLOT_IN_USE;
	if (label == KEEL_CNODE_MOVE)
		return KEEL_OK;
	a->rights = (uint8_t)(a->src->rights & mr[3]);
	a->badge = mint ? (uint32_t)mr[4] : 0;
	return decode_copy(a->src, mint, mr[4]);
}

static void invoke_copy(const struct cnode_args *a)
{
	struct cap val = *a->src;
	val.rights = a->rights;
	val.flags &= (uint8_t)~(CAP_ORIGINAL | CAP_MAPPED);
	if (a->src->type == KEEL_OBJ_FRAME)
		val.data = val.data2 = 0;
	if (a->badge)
		val.badge = a->badge;
	cap_insert_child(a->src, a->dst, &val);
}

static void invoke_cnode(uint64_t label, const struct cnode_args *a)
{
	switch (label) {
	case KEEL_CNODE_DELETE: cap_delete(a->dst); break;
	case KEEL_CNODE_REVOKE: cap_revoke(a->dst); break;
	case KEEL_CNODE_MOVE: cap_move(a->dst, a->src); break;
	default: invoke_copy(a); break; /* copy, mint */
	}
}

long cnode_invocation(struct tcb *t, struct cap *cn, uint64_t label, uint64_t *mr)
{
	struct cnode_args a;
	long err = decode_cnode(t, cn, label, mr, &a);
	if (err)
		return err;
	invoke_cnode(label, &a);
	return KEEL_OK;
}
