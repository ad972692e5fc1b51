/*
 * A restarted device server: keep the transport state found in its state
 * page if it is this device's and every field is in range, then finish
 * the step the journal records (virtq.c); otherwise start from reset.
 * The page survives the server, so it is trusted no more than the guest:
 * a value out of range means the page is not a state, not that the
 * library may index with it.
 */
#include "virtio.h"
#include "virtq_internal.h"

static uint32_t virtio_resume_count(const struct virtq_state *q)
{
	uint32_t count = 0;
	for (unsigned i = 0; i < VIRTQ_SIZE_MAX / 64; i++)
		count += (uint32_t)__builtin_popcountll(q->inflight[i]);
	return count;
}

static bool virtio_resume_queue_ok(const struct virtio_dev *d, const struct virtq_state *q)
{
	if (q->ready > 1)
		return false;
	if (!q->ready)
		return virtio_resume_count(q) == 0;
	/* heads in flight are descriptor indexes: below num */
	if (virtq_inflight_next(d->s, (unsigned)(q - d->s->q), q->num) >= 0)
		return false;
	return virtq_layout_ok(&d->mem, q, d->s->queue_num_max);
}

static bool virtio_resume_journal_ok(const struct virtio_mmio_state *s)
{
	const struct virtio_journal *j = &s->journal;
	if (j->op == VIRTIO_J_NONE)
		return true;
	if (j->op > VIRTIO_J_GIVE || j->queue >= s->num_queues || !s->q[j->queue].ready)
		return false;
	/* a group holds distinct heads in flight: fewer than the queue's size */
	if (j->extra >= VIRTQ_GIVE_MAX || j->extra >= s->q[j->queue].num ||
	    (j->op == VIRTIO_J_TAKE && j->extra))
		return false;
	for (unsigned i = 0; i < j->extra; i++)
		if (j->more_head[i] >= s->q[j->queue].num)
			return false;
	return j->head < s->q[j->queue].num;
}

static bool virtio_resume_state_ok(const struct virtio_dev *d, const struct virtio_mmio_id *id)
{
	const struct virtio_mmio_state *s = d->s;
	if (!virtio_mmio_id_ok(id) || s->magic != VIRTIO_STATE_MAGIC || s->device_id != id->device_id ||
	    s->num_queues != id->num_queues || s->queue_num_max != id->queue_num_max ||
	    s->device_features != (id->features | VIRTIO_F_TRANSPORT_OK))
		return false;
	for (unsigned i = 0; i < VIRTIO_QUEUES_MAX; i++)
		if (!virtio_resume_queue_ok(d, &s->q[i]) || (i >= s->num_queues && s->q[i].ready))
			return false;
	return virtio_resume_journal_ok(s);
}

bool virtio_mmio_resume(struct virtio_dev *d, const struct virtio_mmio_id *id)
{
	if (!virtio_resume_state_ok(d, id))
		return virtio_mmio_init(d->s, id);
	/* the set is the truth: a crash may fall between a bit and the count */
	for (unsigned i = 0; i < VIRTIO_QUEUES_MAX; i++)
		d->s->q[i].inflight_count = virtio_resume_count(&d->s->q[i]);
	virtq_journal_apply(d);
	return true;
}
