/* The virtio-rng request core (rng.h). */
#include <string.h>

#include "rng.h"

const struct virtio_mmio_id vrng_id = { .device_id = VIRTIO_ID_RNG, .num_queues = 1,
					.queue_num_max = VRNG_QSIZE, .features = 0 };

/* One word from the source, retried; false: it failed every time. */
static bool vrng_word(struct vrng *r, uint64_t *v)
{
	for (unsigned t = 0; t < VRNG_TRIES; t++)
		if (r->rand(r->ctx, v))
			return true;
	return false;
}

/* Fill n bytes at gpa; false: the source failed (or the buffer is not
 * guest RAM, which virtq_pop already ruled out). */
static bool vrng_fill(struct vrng *r, uint64_t gpa, uint32_t n)
{
	uint8_t buf[256];
	while (n) {
		uint32_t k = n < sizeof(buf) ? n : (uint32_t)sizeof(buf);
		for (uint32_t i = 0; i < k; i += 8) {
			uint64_t w;
			if (!vrng_word(r, &w))
				return false;
			memcpy(buf + i, &w, k - i < 8 ? k - i : 8);
		}
		if (!gmem_write(&r->dev->mem, gpa, buf, k))
			return false;
		gpa += k, n -= k;
	}
	return true;
}

void vrng_answer(struct vrng *r, const struct virtq_chain *c)
{
	uint32_t written = 0;
	for (uint16_t i = 0; i < c->n && written < VRNG_REQ_MAX; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint32_t n = b->len < VRNG_REQ_MAX - written ? b->len : VRNG_REQ_MAX - written;
		if (!b->write)
			continue;
		if (!vrng_fill(r, b->gpa, n)) {
			/* what was filled is random, but the count says which bytes
			 * are: report none rather than a partly written buffer */
			written = 0;
			r->failed++;
			break;
		}
		written += n;
	}
	r->bytes += written;
	virtq_push(r->dev, 0, c->head, written);
}

unsigned vrng_serve(struct vrng *r)
{
	static struct virtq_chain c;
	unsigned n = 0;
	while (virtq_pop(r->dev, 0, &c) == 1) {
		vrng_answer(r, &c);
		n++;
	}
	return n;
}

unsigned vrng_resume(struct vrng *r)
{
	static struct virtq_chain c;
	unsigned n = 0;
	for (int h = virtq_inflight_next(r->dev->s, 0, 0); h >= 0;
	     h = virtq_inflight_next(r->dev->s, 0, (unsigned)h + 1))
		if (virtq_chain_load(r->dev, 0, (uint16_t)h, &c)) {
			vrng_answer(r, &c);
			n++;
		}
	return n + vrng_serve(r);
}
