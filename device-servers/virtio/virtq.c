/*
 * Split virtqueues (virtio 1.2, 2.7), device side: take chains from the
 * avail ring, walk and check them, give them back through the used ring,
 * decide whether to interrupt (event index, 2.7.7/2.7.10).
 *
 * Guest memory layout of a queue of num entries (all little-endian):
 *
 *   desc   (align 16)  num x { u64 addr; u32 len; u16 flags; u16 next; }
 *   driver (align 2)   u16 flags; u16 idx; u16 ring[num]; u16 used_event;
 *   device (align 4)   u16 flags; u16 idx; {u32 id; u32 len} ring[num];
 *                      u16 avail_event;
 *
 * Every field is read once into a local and checked there; the ring
 * areas were checked to lie in guest RAM when the queue became ready.
 * Taking and giving back go through the journal in the state (virtio.h),
 * so a server that dies between any two stores is finished on resume.
 */
#include "virtio.h"
#include "virtq_internal.h"

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == VIRTQ_DESC_SIZE, "spec 2.7.5 layout");

static bool virtq_aligned(uint64_t a, uint64_t align)
{
	return (a & (align - 1)) == 0;
}

bool virtq_layout_ok(const struct gmem *m, const struct virtq_state *q, uint32_t num_max)
{
	uint32_t n = q->num;
	if (n == 0 || n > num_max || (n & (n - 1)) != 0)
		return false;
	return virtq_aligned(q->desc, 16) && virtq_aligned(q->driver, 2) &&
	       virtq_aligned(q->device, 4) &&
	       gmem_range_ok(m, q->desc, (uint64_t)VIRTQ_DESC_SIZE * n) &&
	       gmem_range_ok(m, q->driver, VIRTQ_AVAIL_BYTES(n)) &&
	       gmem_range_ok(m, q->device, VIRTQ_USED_BYTES(n));
}

void virtq_forget(struct virtq_state *q)
{
	q->last_avail = 0;
	q->used_idx = 0;
	q->inflight_count = 0;
	for (unsigned i = 0; i < VIRTQ_SIZE_MAX / 64; i++)
		q->inflight[i] = 0;
}

bool virtq_running(const struct virtio_mmio_state *s, unsigned qi)
{
	return qi < s->num_queues && s->q[qi].ready && (s->status & VIRTIO_S_DRIVER_OK) &&
	       !(s->status & (VIRTIO_S_NEEDS_RESET | VIRTIO_S_FAILED));
}

static bool virtq_inflight(const struct virtq_state *q, uint16_t head)
{
	return head < VIRTQ_SIZE_MAX && ((q->inflight[head / 64] >> (head % 64)) & 1);
}

int virtq_inflight_next(const struct virtio_mmio_state *s, unsigned qi, unsigned from)
{
	if (qi >= s->num_queues)
		return -1;
	for (unsigned h = from; h < VIRTQ_SIZE_MAX; h++)
		if (virtq_inflight(&s->q[qi], (uint16_t)h))
			return (int)h;
	return -1;
}

/* Read descriptor i of q (i < q->num, checked by the caller). */
static bool virtq_desc_read(const struct gmem *m, const struct virtq_state *q, uint16_t i,
			    struct virtq_desc *out)
{
	return gmem_read(m, q->desc + (uint64_t)VIRTQ_DESC_SIZE * i, out, sizeof(*out));
}

/*
 * One descriptor into the chain: known flags only (no INDIRECT: not
 * offered), readable buffers before writable ones (2.7.4.2), the buffer
 * in guest RAM, the chain's total within 32 bits (2.7.5).
 */
static bool virtq_chain_add(const struct gmem *m, struct virtq_chain *c,
			    const struct virtq_desc *dsc, uint64_t *total)
{
	bool w = (dsc->flags & VIRTQ_DESC_F_WRITE) != 0;
	if (dsc->flags & ~(uint16_t)(VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE))
		return false;
	if (c->n > 0 && !w && c->buf[c->n - 1].write)
		return false;
	if (!gmem_range_ok(m, dsc->addr, dsc->len))
		return false;
	*total += dsc->len;
	if (*total > 0xffffffffull)
		return false;
	c->buf[c->n] = (struct virtq_buf){ dsc->addr, dsc->len, w };
	c->n++;
	if (w)
		c->in_len += dsc->len;
	else
		c->out_len += dsc->len;
	return true;
}

/* Walk the chain at head: at most num descriptors, so a loop ends. */
static bool virtq_chain_walk(const struct gmem *m, const struct virtq_state *q, uint16_t head,
			     struct virtq_chain *c)
{
	struct virtq_desc dsc;
	uint64_t total = 0;
	uint16_t i = head;
	c->head = head;
	c->n = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		if (i >= q->num || c->n >= q->num || !virtq_desc_read(m, q, i, &dsc))
			return false;
		if (!virtq_chain_add(m, c, &dsc, &total))
			return false;
		if (!(dsc.flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = dsc.next;
	}
}

bool virtq_chain_load(struct virtio_dev *d, unsigned qi, uint16_t head, struct virtq_chain *c)
{
	if (qi >= d->s->num_queues || !virtq_inflight(&d->s->q[qi], head))
		return false;
	if (virtq_chain_walk(&d->mem, &d->s->q[qi], head, c))
		return true;
	virtio_mmio_needs_reset(d);
	return false;
}

/* Ask for a notification when the driver adds the next entry (2.7.10). */
static void virtq_set_avail_event(struct virtio_dev *d, const struct virtq_state *q)
{
	if (virtio_mmio_has_feature(d->s, VIRTIO_F_RING_EVENT_IDX))
		(void)gmem_store16(&d->mem, q->device + 4 + 8ull * q->num, q->last_avail);
}

static void virtq_journal_commit(struct virtio_mmio_state *s, uint32_t op)
{
	__atomic_store_n(&s->journal.op, op, __ATOMIC_RELEASE);
}

/*
 * How many entries the driver has made available; after finding none,
 * publish avail_event and look again (a full fence between), so an entry
 * added meanwhile is not missed. -1: more than num (2.7.13.3: a driver
 * error, the ring cannot hold them).
 */
static int virtq_avail_pending(struct virtio_dev *d, const struct virtq_state *q)
{
	uint16_t idx;
	for (int pass = 0; pass < 2; pass++) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!gmem_load16(&d->mem, q->driver + 2, &idx))
			return -1;
		if ((uint16_t)(idx - q->last_avail) > q->num)
			return -1;
		if (idx != q->last_avail)
			break;
		if (pass == 0)
			virtq_set_avail_event(d, q);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* ring entries after idx */
	return (uint16_t)(idx - q->last_avail);
}

static int virtq_fail(struct virtio_dev *d)
{
	virtio_mmio_needs_reset(d);
	return -1;
}

int virtq_pop(struct virtio_dev *d, unsigned qi, struct virtq_chain *c)
{
	struct virtq_state *q;
	struct virtio_journal *j = &d->s->journal;
	uint16_t head;
	int pending;
	if (!virtq_running(d->s, qi))
		return 0;
	q = &d->s->q[qi];
	pending = virtq_avail_pending(d, q);
	if (pending <= 0)
		return pending == 0 ? 0 : virtq_fail(d);
	if (!gmem_load16(&d->mem, q->driver + 4 + 2ull * (q->last_avail & (q->num - 1)), &head))
		return virtq_fail(d);
	/* a head already in flight: the driver reused buffers it gave us */
	if (head >= q->num || virtq_inflight(q, head) || !virtq_chain_walk(&d->mem, q, head, c))
		return virtq_fail(d);
	j->queue = (uint16_t)qi;
	j->head = head;
	j->pos = q->last_avail;
	j->extra = 0;
	virtq_journal_commit(d->s, VIRTIO_J_TAKE);
	virtq_journal_apply(d);
	return 1;
}

bool virtq_push_group(struct virtio_dev *d, unsigned qi, const uint16_t *heads, const uint32_t *lens,
		      unsigned n)
{
	struct virtio_journal *j = &d->s->journal;
	if (qi >= d->s->num_queues || !d->s->q[qi].ready || n == 0 || n > VIRTQ_GIVE_MAX)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (!virtq_inflight(&d->s->q[qi], heads[i]))
			return false;
		for (unsigned k = 0; k < i; k++)
			if (heads[k] == heads[i])
				return false;
	}
	j->queue = (uint16_t)qi;
	j->head = heads[0];
	j->len = lens[0];
	j->pos = d->s->q[qi].used_idx;
	j->extra = (uint16_t)(n - 1);
	for (unsigned i = 1; i < n; i++) {
		j->more_head[i - 1] = heads[i];
		j->more_len[i - 1] = lens[i];
	}
	virtq_journal_commit(d->s, VIRTIO_J_GIVE);
	virtq_journal_apply(d);
	return true;
}

bool virtq_push(struct virtio_dev *d, unsigned qi, uint16_t head, uint32_t len)
{
	return virtq_push_group(d, qi, &head, &len, 1);
}

/* The driver wants an interrupt for used indices old_idx+1..new_idx (2.7.10). */
static bool virtq_want_irq(struct virtio_dev *d, const struct virtq_state *q, uint16_t old_idx,
			   uint16_t new_idx)
{
	uint16_t v;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* used idx before the driver's hint */
	if (virtio_mmio_has_feature(d->s, VIRTIO_F_RING_EVENT_IDX)) {
		if (!gmem_load16(&d->mem, q->driver + 4 + 2ull * q->num, &v))
			return true;
		return (uint16_t)(new_idx - v - 1) < (uint16_t)(new_idx - old_idx);
	}
	if (!gmem_load16(&d->mem, q->driver, &v))
		return true;
	return !(v & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static void virtq_apply_take(struct virtio_dev *d, struct virtq_state *q,
			     const struct virtio_journal *j)
{
	if (!virtq_inflight(q, j->head)) {
		q->inflight[j->head / 64] |= 1ull << (j->head % 64);
		q->inflight_count++;
	}
	q->last_avail = (uint16_t)(j->pos + 1);
	virtq_set_avail_event(d, q);
}

/* The i-th chain of a journalled give. */
static uint16_t virtq_give_head(const struct virtio_journal *j, unsigned i)
{
	return i == 0 ? j->head : j->more_head[i - 1];
}

static void virtq_give_done(struct virtq_state *q, uint16_t head)
{
	if (virtq_inflight(q, head)) {
		q->inflight[head / 64] &= ~(1ull << (head % 64));
		q->inflight_count--;
	}
}

/* Used entries, then used idx (release): re-publishing the same is harmless. */
static void virtq_apply_give(struct virtio_dev *d, struct virtq_state *q,
			     const struct virtio_journal *j)
{
	uint16_t end = (uint16_t)(j->pos + j->extra + 1);
	for (unsigned i = 0; i <= j->extra; i++) {
		uint64_t e = q->device + 4 + 8ull * ((j->pos + i) & (q->num - 1));
		(void)gmem_store32(&d->mem, e, virtq_give_head(j, i));
		(void)gmem_store32(&d->mem, e + 4, i == 0 ? j->len : j->more_len[i - 1]);
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	(void)gmem_store16(&d->mem, q->device + 2, end);
	q->used_idx = end;
	for (unsigned i = 0; i <= j->extra; i++)
		virtq_give_done(q, virtq_give_head(j, i));
	if (virtq_want_irq(d, q, j->pos, end)) /* after a full fence */
		virtio_isr_raise(d, VIRTIO_INT_USED);
}

void virtq_journal_apply(struct virtio_dev *d)
{
	struct virtio_journal *j = &d->s->journal;
	if (j->op == VIRTIO_J_TAKE)
		virtq_apply_take(d, &d->s->q[j->queue], j);
	else if (j->op == VIRTIO_J_GIVE)
		virtq_apply_give(d, &d->s->q[j->queue], j);
	virtq_journal_commit(d->s, VIRTIO_J_NONE);
}

bool virtq_chain_copy(const struct gmem *m, const struct virtq_chain *c, uint64_t skip, void *buf,
		      uint32_t n, bool to_guest)
{
	uint8_t *p = buf;
	for (uint16_t i = 0; i < c->n && n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint64_t len = b->len, at = b->gpa;
		if ((bool)b->write != to_guest)
			continue;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		at += skip, len -= skip, skip = 0;
		len = len < n ? len : n;
		if (!(to_guest ? gmem_write(m, at, p, len) : gmem_read(m, at, p, len)))
			return false;
		p += len, n -= (uint32_t)len;
	}
	return n == 0;
}
