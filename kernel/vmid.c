/*
 * VMIDs and VMID pools. A VMID tags a vspace's TLB entries; there are
 * MAX_VMIDS - 1 of them (0 is reserved), a finite name space handed out
 * like memory: every VMID is held by one pool, and a vspace gets its VMID
 * from the pool its maker names (KEEL_VMID_POOL_ASSIGN), so a holder of a
 * pool can exhaust only that pool. The root server's pool holds them all
 * at boot; SPLIT gives a share to a new pool, a child of the old one in
 * the derivation tree. When a pool goes, the VMIDs it held, in use or
 * not, go back to the pool it was split from (its parent capability,
 * alive: delete and revoke remove children first). A VMID in use stays
 * with its vspace until the vspace dies, then is free in whichever pool
 * holds it by then.
 *
 * A pool capability names a pool by number (cap.obj, 1..MAX_VMIDS-1).
 * Every pool holds at least one VMID (SPLIT leaves one behind and moves
 * at least one), so there are never more pools than VMIDs.
 *
 * Each VMID carries a generation, recorded in the vspace capability
 * (cap.data = vmid | gen << 8) and in every mapping, so a stale record
 * never matches a reused VMID.
 */
#include "kernel.h"

_Static_assert(MAX_VMIDS == KEEL_VMIDS, "the ABI counts the VMIDs");

struct vmid_ent {
	uint64_t root;
	uint16_t gen;
	bool used;
	uint8_t pool; /* the pool holding it; 0: none (its root pool died) */
};
static struct vmid_ent vmid_table[MAX_VMIDS];
static bool pool_live[MAX_VMIDS];

#define ROOT_POOL 1u

static unsigned pool_count(unsigned pool, bool free_only)
{
	unsigned n = 0;
	for (unsigned v = 1; v < MAX_VMIDS; v++)
		n += vmid_table[v].pool == pool && !(free_only && vmid_table[v].used);
	return n;
}

unsigned vspace_free_vmids(void)
{
	unsigned n = 0;
	for (unsigned v = 1; v < MAX_VMIDS; v++)
		n += !vmid_table[v].used;
	return n;
}

/* Give vspace capability c the first free VMID of pool (which has one). */
static void vmid_assign(struct cap *c, unsigned pool)
{
	for (unsigned v = 1; v < MAX_VMIDS; v++) {
		struct vmid_ent *e = &vmid_table[v];
		if (e->used || e->pool != pool)
			continue;
		e->used = true;
		e->root = c->obj;
		e->gen++;
		c->data = v | (uint64_t)e->gen << 8;
		return;
	}
	kpanic("vmid: pool without a free VMID (decode checks)");
}

bool vmid_live(uint64_t data, uint64_t *root)
{
	const struct vmid_ent *e = &vmid_table[data & 0xff];
	if (!e->used || e->gen != ((data >> 8) & 0xffff))
		return false;
	*root = e->root;
	return true;
}

bool vspace_lookup(const struct cap *vs, uint64_t *root, unsigned *vmid)
{
	if (vs->type != KEEL_OBJ_VSPACE || !vmid_live(vs->data, root))
		return false;
	*vmid = vs->data & 0xff;
	return true;
}

void vspace_destroy(struct cap *c)
{
	uint64_t root;
	if (!vmid_live(c->data, &root))
		return;
	vmid_table[c->data & 0xff].used = false;
	arch_tlb_flush_vmid(c->data & 0xff);
}

/* Boot: the root pool holds every VMID; root's own vspace takes one. */
void vmid_pool_boot(struct cap *pool, struct cap *root_vs)
{
	struct cap val = { .type = KEEL_OBJ_VMID_POOL, .rights = KEEL_R_ALL,
			   .flags = CAP_ORIGINAL, .obj = ROOT_POOL };
	for (unsigned v = 1; v < MAX_VMIDS; v++)
		vmid_table[v].pool = ROOT_POOL;
	pool_live[ROOT_POOL] = true;
	cap_init_root(pool, &val);
	vmid_assign(root_vs, ROOT_POOL);
}

/* A pool's original went: its VMIDs to the pool it was split from. */
void vmid_pool_destroy(const struct cap *c)
{
	unsigned to = c->parent && c->parent->type == KEEL_OBJ_VMID_POOL
			      ? (unsigned)c->parent->obj : 0;
	for (unsigned v = 1; v < MAX_VMIDS; v++)
		if (vmid_table[v].pool == c->obj)
			vmid_table[v].pool = (uint8_t)to;
	pool_live[c->obj] = false;
}

/* ---- pool invocations ---- */

struct pool_args {
	struct cap *vs;    /* ASSIGN */
	struct cap *dst;   /* SPLIT: the new pool's slot */
	unsigned new_pool; /* SPLIT: its number */
	uint64_t count;
};

static long decode_assign(struct tcb *t, unsigned pool, const uint64_t *mr,
			  struct pool_args *a)
{
	long err = cap_lookup_typed(t, mr[0], KEEL_OBJ_VSPACE, KEEL_R_WRITE, &a->vs);
	if (err)
		return err;
	/* copies made before would carry no VMID (cap.data is copied) */
	if (!(a->vs->flags & CAP_ORIGINAL) || a->vs->child || a->vs->data)
		return KEEL_E_BUSY;
	return pool_count(pool, true) ? KEEL_OK : KEEL_E_NO_MEMORY;
}

static long decode_split(struct tcb *t, unsigned pool, const uint64_t *mr,
			 struct pool_args *a)
{
	struct cap *cn;
	long err;
	a->count = mr[0];
	if (a->count == 0 || a->count > pool_count(pool, true) ||
	    a->count >= pool_count(pool, false))
		return KEEL_E_NO_MEMORY; /* the pool keeps at least one */
	if ((err = cap_lookup_typed(t, mr[1], KEEL_OBJ_CNODE, KEEL_R_WRITE, &cn)))
		return err;
	if (!(a->dst = cnode_slot(cn, mr[2])))
		return KEEL_E_BAD_ADDRESS;
	if (a->dst->type != KEEL_OBJ_NULL)
		return KEEL_E_SLOT_IN_USE;
	for (a->new_pool = 1; a->new_pool < MAX_VMIDS; a->new_pool++)
		if (!pool_live[a->new_pool])
			return KEEL_OK;
	return KEEL_E_BUSY; /* cannot happen: a pool per VMID at most */
}

static long decode_pool(struct tcb *t, struct cap *c, uint64_t label, const uint64_t *mr,
			struct pool_args *a)
{
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	switch (label) {
	case KEEL_VMID_POOL_ASSIGN: return decode_assign(t, (unsigned)c->obj, mr, a);
	case KEEL_VMID_POOL_SPLIT: return decode_split(t, (unsigned)c->obj, mr, a);
	case KEEL_VMID_POOL_COUNT: return KEEL_OK;
	default: return KEEL_E_INVALID_CALL;
	}
}

/* The count highest free VMIDs of c's pool go to a new pool in a->dst. */
static void invoke_split(struct cap *c, const struct pool_args *a)
{
	struct cap val = { .type = KEEL_OBJ_VMID_POOL, .rights = KEEL_R_ALL,
			   .flags = CAP_ORIGINAL, .obj = a->new_pool };
	uint64_t n = a->count;
	for (unsigned v = MAX_VMIDS - 1; v > 0 && n; v--) {
		struct vmid_ent *e = &vmid_table[v];
		if (e->pool == c->obj && !e->used) {
			e->pool = (uint8_t)a->new_pool;
			n--;
		}
	}
	pool_live[a->new_pool] = true;
	cap_insert_child(c, a->dst, &val);
}

static void invoke_pool(struct cap *c, uint64_t label, const struct pool_args *a,
			uint64_t *mr)
{
	switch (label) {
	case KEEL_VMID_POOL_ASSIGN:
		vmid_assign(a->vs, (unsigned)c->obj);
		mr[0] = a->vs->data & 0xff; /* the VMID: names the space in a trace */
		break;
	case KEEL_VMID_POOL_SPLIT: invoke_split(c, a); break;
	default: /* COUNT */
		mr[0] = pool_count((unsigned)c->obj, true);
		mr[1] = pool_count((unsigned)c->obj, false);
		break;
	}
}

long vmid_pool_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct pool_args a;
	long err = decode_pool(t, c, label, mr, &a);
	if (err)
		return err;
	invoke_pool(c, label, &a, mr);
	return KEEL_OK;
}
