/*
 * Address spaces: one translation-table format (the arch's; on aarch64 the
 * stage-2 format, used for user programs and, later, guests alike).
 *
 * A vspace is usable once a VMID pool has given it a VMID (vmid.c). A
 * mapped frame or page-table capability records vaddr, level, VMID and the
 * VMID's generation, so an unmap after the vspace died finds the generation
 * changed and does nothing; an unmap also checks that the entry still names
 * this frame before clearing it.
 *
 *   cap.data2:  63   40 39  24 23     8 7    0
 *              +-------+------+--------+------+
 *              | level |  0   |  gen   | vmid |
 *              +-------+------+--------+------+
 */
#include "kernel.h"

/* Entry for vaddr at `level`, or NULL if a table on the way is missing. */
static arch_pte_t *vspace_slot(uint64_t root, uint64_t vaddr, unsigned level)
{
	arch_pte_t *table = (arch_pte_t *)root;
	for (unsigned l = 0; l < level; l++) {
		arch_pte_t pte = table[arch_pt_index(vaddr, l)];
		if (!arch_pte_is_table(pte, l))
			return NULL;
		table = (arch_pte_t *)arch_pte_paddr(pte);
	}
	return &table[arch_pt_index(vaddr, level)];
}

unsigned vspace_frame_level(const struct cap *frame)
{
	return arch_pt_levels() - (frame->size_bits == KEEL_LARGE_PAGE_BITS ? 2 : 1);
}

/* The entry where a new table on the way to vaddr goes: the first missing
 * one; *level is the level the table serves. NULL if nothing is missing
 * or a leaf (a large frame) is in the way. */
static arch_pte_t *vspace_table_slot(uint64_t root, uint64_t vaddr, unsigned *level)
{
	for (unsigned l = 0; l + 1 < arch_pt_levels(); l++) {
		arch_pte_t *slot = vspace_slot(root, vaddr, l);
		if (!slot)
			return NULL;
		if (!arch_pte_valid(*slot)) {
			*level = l + 1;
			return slot;
		}
	}
	return NULL;
}

/* Boot's mappings of the root server (kernel/boot.c). */
bool vspace_map_frame(uint64_t root, uint64_t vaddr, uint64_t paddr,
		      unsigned rights, bool device, unsigned level)
{
	arch_pte_t *slot = vspace_slot(root, vaddr, level);
	if (!slot || arch_pte_valid(*slot))
		return false;
	arch_pte_store(slot, arch_pte_page(paddr, rights, device, level));
	return true;
}

bool vspace_map_table(uint64_t root, uint64_t vaddr, uint64_t table)
{
	unsigned level;
	arch_pte_t *slot = vspace_table_slot(root, vaddr, &level);
	if (slot)
		arch_pte_store(slot, arch_pte_table(table));
	return slot != NULL;
}

static void cap_set_mapping(struct cap *c, uint64_t vaddr, uint64_t vsdata, unsigned level)
{
	c->flags |= CAP_MAPPED;
	c->data = vaddr;
	c->data2 = (vsdata & 0xffffff) | (uint64_t)level << 40;
}

/*
 * An unmap marks its VMID, and the TLB entries of each marked VMID are
 * flushed once, when the system call ends (vspace_tlb_commit, from
 * kernel_syscall), not once per page: destroying a VM of 16 MiB in 4 KiB
 * frames unmapped 8,192 of them, each a broadcast flush (two SBI remote
 * fences on riscv64), 0.73 s in one call while nothing else ran on that
 * CPU. It is safe because nothing an unmap frees is used again inside the
 * call that freed it (a retype is a call of its own) and the flush is
 * done, on every CPU, before the call returns and the kernel lock goes.
 */
static uint64_t tlb_dirty[MAX_VMIDS / 64];
bool vspace_tlb_pending;

static void vspace_tlb_defer(unsigned vmid)
{
	tlb_dirty[vmid / 64] |= 1ull << (vmid % 64);
	vspace_tlb_pending = true;
}

void vspace_tlb_flush_pending(void)
{
	for (unsigned w = 0; w < MAX_VMIDS / 64; w++)
		for (; tlb_dirty[w]; tlb_dirty[w] &= tlb_dirty[w] - 1)
			arch_tlb_flush_vmid(w * 64 + (unsigned)__builtin_ctzll(tlb_dirty[w]));
	vspace_tlb_pending = false;
}

/* Remove the mapping c made, if its vspace still lives and still has it. */
void vspace_unmap_cap(struct cap *c)
{
	uint64_t root;
	unsigned level = (unsigned)(c->data2 >> 40);
	arch_pte_t *slot;
	c->flags &= (uint8_t)~CAP_MAPPED;
	if (!vmid_live(c->data2, &root))
		return;
	/* a table mapped at level L hangs from an entry at level L-1 */
	slot = vspace_slot(root, c->data, c->type == KEEL_OBJ_FRAME ? level : level - 1);
	if (slot && arch_pte_valid(*slot) && arch_pte_paddr(*slot) == c->obj) {
		arch_pte_store(slot, 0);
		vspace_tlb_defer(c->data2 & 0xff);
	}
}

/* ---- frame and page-table invocations: decode finds the empty entry the
 * mapping goes in (the page-table walk is a check, so a walk that fails
 * fails before anything changes); invoke writes it. ---- */

struct map_args {
	arch_pte_t *slot;  /* empty entry in the target vspace */
	arch_pte_t pte;    /* what goes there */
	uint64_t vaddr, vsdata;
	unsigned level;
};

static long decode_map_target(struct tcb *t, const uint64_t *mr, uint64_t *root,
			      struct cap **vs)
{
	unsigned vmid;
	long err = cap_lookup_typed(t, mr[0], KEEL_OBJ_VSPACE, KEEL_R_WRITE, vs);
	if (err)
		return err;
	if (!vspace_lookup(*vs, root, &vmid))
		return KEEL_E_INVALID_CAP;
	if (mr[1] & (PAGE_SIZE - 1) || mr[1] >= arch_vaddr_limit())
		return KEEL_E_BAD_ADDRESS;
	return KEEL_OK;
}

static long decode_frame_map(struct tcb *t, struct cap *c, const uint64_t *mr,
			     struct map_args *a)
{
	struct cap *vs;
	uint64_t root;
	unsigned rights;
	long err;
	if ((err = decode_map_target(t, mr, &root, &vs)))
		return err;
	if (mr[1] & (object_size(KEEL_OBJ_FRAME, c->size_bits) - 1))
		return KEEL_E_BAD_ADDRESS; /* a block needs an aligned address */
	rights = (unsigned)mr[2] & c->rights;
	if (mr[2] & ~(uint64_t)KEEL_R_ALL || !(rights & KEEL_R_READ))
		return KEEL_E_NO_RIGHTS;
	if (c->flags & CAP_MAPPED)
		return KEEL_E_MAPPED;
	a->level = vspace_frame_level(c);
	if (!(a->slot = vspace_slot(root, mr[1], a->level)))
		return KEEL_E_NOT_MAPPED; /* a table on the way is missing */
	if (arch_pte_valid(*a->slot))
		return KEEL_E_MAPPED;
	a->pte = arch_pte_page(c->obj, rights, c->flags & CAP_DEVICE, a->level);
	a->vaddr = mr[1];
	a->vsdata = vs->data;
	return KEEL_OK;
}

static long decode_frame(struct tcb *t, struct cap *c, uint64_t label, const uint64_t *mr,
			 struct map_args *a)
{
	if (label == KEEL_FRAME_ADDRESS || label == KEEL_FRAME_UNMAP)
		return KEEL_OK;
	if (label != KEEL_FRAME_MAP)
		return KEEL_E_INVALID_CALL;
	return decode_frame_map(t, c, mr, a);
}

static long decode_pt(struct tcb *t, struct cap *c, uint64_t label, const uint64_t *mr,
		      struct map_args *a)
{
	struct cap *vs;
	uint64_t root;
	long err;
	if (label == KEEL_PT_UNMAP)
		return KEEL_OK;
	if (label != KEEL_PT_MAP)
		return KEEL_E_INVALID_CALL;
	if ((err = decode_map_target(t, mr, &root, &vs)))
		return err;
	if (c->flags & CAP_MAPPED)
		return KEEL_E_MAPPED;
	if (!(a->slot = vspace_table_slot(root, mr[1], &a->level)))
		return KEEL_E_MAPPED;
	a->pte = arch_pte_table(c->obj);
	a->vaddr = mr[1];
	a->vsdata = vs->data;
	return KEEL_OK;
}

/* Frame map or page-table map, as decoded; or the unmap. */
static void invoke_map(struct cap *c, bool unmap, const struct map_args *a)
{
	if (unmap) {
		if (c->flags & CAP_MAPPED)
			vspace_unmap_cap(c);
		return;
	}
	arch_pte_store(a->slot, a->pte);
	cap_set_mapping(c, a->vaddr, a->vsdata, a->level);
}

long frame_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct map_args a;
	long err = decode_frame(t, c, label, mr, &a);
	if (err)
		return err;
	if (label == KEEL_FRAME_ADDRESS)
		mr[0] = c->obj;
	else
		invoke_map(c, label == KEEL_FRAME_UNMAP, &a);
	return KEEL_OK;
}

long pt_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct map_args a;
	long err = decode_pt(t, c, label, mr, &a);
	if (err)
		return err;
	invoke_map(c, label == KEEL_PT_UNMAP, &a);
	return KEEL_OK;
}
