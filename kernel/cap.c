/*
 * Capability slots: lookup in a thread's flat CNode, and the derivation
 * tree that delete and revoke walk.
 *
 * Tree shape: every slot has parent, first child and a doubly linked list
 * of siblings. A capability made by retype is a child of its untyped; one
 * made by copy or mint is a child of its source. Revoke deletes every
 * descendant; delete revokes and then empties the slot, destroying the
 * object when the slot held its original capability.
 */
#include "kernel.h"

struct cap *cnode_slot(const struct cap *cnode, uint64_t index)
{
	if (cnode->type != KEEL_OBJ_CNODE || index >= (1ull << cnode->size_bits))
		return NULL;
	return (struct cap *)cnode->obj + index;
}

struct cap *cap_lookup(struct tcb *t, uint64_t cptr)
{
	struct cap *c = cnode_slot(&t->slot[TCB_CSPACE], cptr);
	if (!c || c->type == KEEL_OBJ_NULL)
		return NULL;
	return c;
}

long cap_lookup_typed(struct tcb *t, uint64_t cptr, unsigned type,
		      unsigned rights, struct cap **out)
{
	struct cap *c = cap_lookup(t, cptr);
	if (!c)
		return KEEL_E_INVALID_CAP;
	if (c->type != type)
		return KEEL_E_WRONG_TYPE;
	if ((c->rights & rights) != rights)
		return KEEL_E_NO_RIGHTS;
	*out = c;
	return KEEL_OK;
}

static void tree_link(struct cap *parent, struct cap *c)
{
	c->parent = parent;
	c->child = NULL;
	c->prev = NULL;
	c->next = parent ? parent->child : NULL;
	if (c->next)
		c->next->prev = c;
	if (parent)
		parent->child = c;
}

static void tree_unlink(struct cap *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (c->parent)
		c->parent->child = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->parent = c->next = c->prev = NULL;
}

/* Write val into the empty slot dst as a child of parent (NULL: a root). */
void cap_insert_child(struct cap *parent, struct cap *dst, const struct cap *val)
{
	uint8_t keep = dst->flags & CAP_IN_TCB;
	*dst = *val;
	dst->flags = (uint8_t)((val->flags & ~CAP_IN_TCB) | keep);
	tree_link(parent, dst);
}

void cap_init_root(struct cap *dst, const struct cap *val)
{
	cap_insert_child(NULL, dst, val);
}

/* Move keeps the tree position: children and parent now point at dst. */
void cap_move(struct cap *dst, struct cap *src)
{
	struct cap *parent = src->parent, *ch;
	struct cap tmp = *src;
	tree_unlink(src);
	cap_insert_child(parent, dst, &tmp);
	dst->child = tmp.child;
	for (ch = dst->child; ch; ch = ch->next)
		ch->parent = dst;
	kmemset(src, 0, sizeof(*src));
}

static void cnode_defer(struct cap *c);
static void cnode_drain(void);

/* Empty one slot that has no children. The slot is cleared before the
 * object is destroyed, so a CNode holding its own original cannot recurse;
 * a CNode is never emptied from in here (cnode_defer). */
static void cap_remove_leaf(struct cap *c)
{
	struct cap old = *c;
	KASSERT(c->child == NULL);
	tree_unlink(c);
	if (old.type == KEEL_OBJ_CNODE && (old.flags & CAP_ORIGINAL)) {
		cnode_defer(c);
		cnode_drain();
		return;
	}
	kmemset(c, 0, sizeof(*c));
	c->flags = old.flags & CAP_IN_TCB;
	if (old.flags & CAP_ORIGINAL)
		object_destroy(&old);
	else if (old.flags & CAP_MAPPED)
		vspace_unmap_cap(&old);
	if (c->flags & CAP_IN_TCB)
		tcb_slot_removed(c);
}

/*
 * Destroying a CNode deletes its slots, and deleting a slot can destroy
 * another CNode: directly (the slot holds a CNode's original) or through a
 * revoke (the slot holds the untyped a CNode was retyped from). A user can
 * chain these as deep as memory allows, so emptying never nests: the slot
 * that held a dying CNode's original, unlinked and marked CAP_DOOMED, joins
 * a list threaded through such slots, and the outermost cnode_drain empties
 * the CNodes on it one after another. The stack depth is then bounded
 * whatever the user built (docs/architecture.md, "Kernel stack"). A doomed
 * slot keeps its place until it is popped: cap_delete passes over it, and
 * no memory is reused before the whole delete returns.
 */
static struct cap *cnode_doomed;
static bool cnode_draining;

static void cnode_defer(struct cap *c)
{
	KASSERT(!(c->flags & CAP_IN_TCB)); /* CNode originals live in CNodes */
	c->flags = CAP_DOOMED;
	c->next = cnode_doomed;
	cnode_doomed = c;
}

static void cnode_drain(void)
{
	if (cnode_draining)
		return; /* the outer drain reaches it */
	cnode_draining = true;
	while (cnode_doomed) {
		struct cap *s = cnode_doomed;
		struct cap *cn = (struct cap *)s->obj;
		uint64_t nslots = 1ull << s->size_bits;
		cnode_doomed = s->next;
		kmemset(s, 0, sizeof(*s));
		for (uint64_t i = 0; i < nslots; i++)
			cap_delete(cn + i);
	}
	cnode_draining = false;
}

/* A slot emptied (or doomed) while a walk held a pointer to it. */
static bool cap_gone(const struct cap *c)
{
	return c->type == KEEL_OBJ_NULL || (c->flags & CAP_DOOMED);
}

/* Post-order and iterative: a deep or wide tree can neither overflow the
 * kernel stack nor cost more than one visit per capability, because the
 * walk goes on from the removed leaf's parent. (Destroying an object can
 * empty other slots, that parent among them: then start again at the top.) */
void cap_revoke(struct cap *slot)
{
	struct cap *c = slot->child;
	if (slot->type == KEEL_OBJ_UNTYPED)
		slot->data = 0;
	while (c) {
		struct cap *p;
		while (c->child)
			c = c->child;
		p = c->parent;
		cap_remove_leaf(c);
		c = (p && p != slot && !cap_gone(p)) ? p : slot->child;
	}
}

void cap_delete(struct cap *slot)
{
	if (cap_gone(slot))
		return;
	cap_revoke(slot);
	if (!cap_gone(slot)) /* the revoke may have emptied it already */
		cap_remove_leaf(slot);
}
