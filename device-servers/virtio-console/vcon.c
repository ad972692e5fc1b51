/* The virtio-console core (vcon.h). */
#include <string.h>

#include "vcon.h"

const struct virtio_mmio_id vcon_id = { .device_id = VIRTIO_ID_CONSOLE, .num_queues = 2,
					.queue_num_max = VCON_QSIZE, .features = 0 };

static bool vcon_inflight(const struct vcon *v, unsigned q, uint32_t head)
{
	return head < VIRTQ_SIZE_MAX &&
	       virtq_inflight_next(&v->st->t, q, head) == (int)head;
}

/* Copy n bytes from offset off of the chain's readable part to out. */
static bool vcon_chain_read(const struct vcon *v, const struct virtq_chain *c, uint32_t off,
			    uint8_t *out, uint32_t n)
{
	for (uint16_t i = 0; i < c->n && n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint32_t k;
		if (b->write)
			break; /* readable buffers come first */
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		k = b->len - off < n ? b->len - off : n;
		if (!gmem_read(&v->dev->mem, b->gpa + off, out, k))
			return false;
		out += k, n -= k, off = 0;
	}
	return n == 0;
}

/* The recorded chain given back: the stream moves past it. Idempotent. */
static void vcon_tx_end(struct vcon *v)
{
	struct vcon_state *s = v->st;
	if (vcon_inflight(v, VCON_TXQ, s->tx_head))
		virtq_push(v->dev, VCON_TXQ, (uint16_t)s->tx_head, 0);
	s->tx_pos = s->tx_start + s->tx_len;
	__atomic_store_n(&s->tx_active, 0, __ATOMIC_RELEASE);
}

/* Send the recorded chain from what the console took on; false: the
 * console did not take a block (try again later). */
static bool vcon_tx_send(struct vcon *v)
{
	static struct virtq_chain c;
	struct vcon_state *s = v->st;
	uint8_t b[VCON_BLOCK];
	if (!vcon_inflight(v, VCON_TXQ, s->tx_head)) {
		vcon_tx_end(v); /* given back already (a crash after), or a reset */
		return true;
	}
	if (!virtq_chain_load(v->dev, VCON_TXQ, (uint16_t)s->tx_head, &c))
		return true; /* the guest broke its ring: NEEDS_RESET */
	while (s->tx_sent < s->tx_len) {
		uint32_t n = s->tx_len - s->tx_sent < VCON_BLOCK ? s->tx_len - s->tx_sent : VCON_BLOCK;
		if (!vcon_chain_read(v, &c, s->tx_sent, b, n)) {
			s->tx_len = s->tx_sent; /* unreadable now: send no more of it */
			break;
		}
		if (!v->io->write(v->io->ctx, s->tx_start + s->tx_sent, b, n))
			return false;
		s->tx_sent += n;
	}
	vcon_tx_end(v);
	return true;
}

/* Record chain c as the one being sent (tx_active is the commit). */
static void vcon_tx_begin(struct vcon *v, const struct virtq_chain *c)
{
	struct vcon_state *s = v->st;
	s->tx_head = c->head;
	s->tx_start = s->tx_pos;
	s->tx_len = c->out_len;
	s->tx_sent = 0;
	__atomic_store_n(&s->tx_active, 1, __ATOMIC_RELEASE);
}

void vcon_tx(struct vcon *v)
{
	static struct virtq_chain c;
	int h;
	if (v->st->tx_active && !vcon_tx_send(v))
		return;
	/* a chain taken just before a crash, not yet recorded */
	h = virtq_inflight_next(&v->st->t, VCON_TXQ, 0);
	if (h >= 0 && virtq_chain_load(v->dev, VCON_TXQ, (uint16_t)h, &c)) {
		vcon_tx_begin(v, &c);
		if (!vcon_tx_send(v))
			return;
	}
	while (virtq_pop(v->dev, VCON_TXQ, &c) == 1) {
		vcon_tx_begin(v, &c);
		if (!vcon_tx_send(v))
			return;
	}
}

/* The current input record's chain back to the guest. Idempotent. */
static void vcon_rx_finish(struct vcon *v)
{
	struct vcon_rx *r = &v->st->rx[v->st->rx_cur & 1];
	if (r->done)
		return;
	if (vcon_inflight(v, VCON_RXQ, r->head))
		virtq_push(v->dev, VCON_RXQ, (uint16_t)r->head, r->len);
	r->done = 1;
}

/* Copy n bytes into the chain's writable buffers; the count copied. */
static uint32_t vcon_chain_fill(const struct vcon *v, const struct virtq_chain *c,
				const uint8_t *b, uint32_t n)
{
	uint32_t done = 0;
	for (uint16_t i = 0; i < c->n && done < n; i++) {
		const struct virtq_buf *d = &c->buf[i];
		uint32_t k = d->len < n - done ? d->len : n - done;
		if (!d->write)
			continue;
		if (!gmem_write(&v->dev->mem, d->gpa, b + done, k))
			break;
		done += k;
	}
	return done;
}

/* A receive chain: one taken before a crash and never filled, else the
 * next one the guest offers. */
static bool vcon_rx_chain(struct vcon *v, struct virtq_chain *c)
{
	int h = virtq_inflight_next(&v->st->t, VCON_RXQ, 0);
	if (h >= 0 && virtq_chain_load(v->dev, VCON_RXQ, (uint16_t)h, c))
		return true;
	return virtq_pop(v->dev, VCON_RXQ, c) == 1;
}

unsigned vcon_input(struct vcon *v, uint64_t seq, const uint8_t *b, unsigned n)
{
	static struct virtq_chain c;
	struct vcon_state *s = v->st;
	unsigned next = (s->rx_cur + 1) & 1;
	struct vcon_rx r = { .seq = seq, .head = VCON_NO_HEAD, .done = 1 };
	if (seq == s->rx[s->rx_cur & 1].seq) {
		vcon_rx_finish(v); /* a retry: answered as the first time */
		return s->rx[s->rx_cur & 1].len;
	}
	vcon_rx_finish(v);
	if (n && vcon_rx_chain(v, &c)) {
		r.head = c.head;
		r.len = vcon_chain_fill(v, &c, b, n);
		r.done = 0;
	}
	if (r.len < n)
		s->rx_starved = 1;
	s->rx[next] = r;
	__atomic_store_n(&s->rx_cur, next, __ATOMIC_RELEASE); /* the commit */
	vcon_rx_finish(v);
	if (r.len < n && r.head != VCON_NO_HEAD) {
		s->rx_starved = 0; /* the chain was short: more may be waiting */
		v->io->rx_space(v->io->ctx);
	}
	return r.len;
}

void vcon_notify(struct vcon *v, unsigned q)
{
	if (q == VCON_TXQ)
		vcon_tx(v);
	if (q == VCON_RXQ && v->st->rx_starved) {
		v->st->rx_starved = 0;
		v->io->rx_space(v->io->ctx);
	}
}

void vcon_resume(struct vcon *v)
{
	struct vcon_state *s = v->st;
	if (s->magic != VCON_MAGIC) {
		memset(s, 0, sizeof(*s));
		s->rx[0].head = s->rx[1].head = VCON_NO_HEAD;
		s->rx[0].done = s->rx[1].done = 1;
	}
	virtio_mmio_resume(v->dev, &vcon_id);
	s->magic = VCON_MAGIC;
	vcon_rx_finish(v);
	vcon_tx(v);
	if (s->rx_starved) { /* the console may have input waiting */
		s->rx_starved = 0;
		v->io->rx_space(v->io->ctx);
	}
}
