/*
 * The virtio-rng device (virtio 1.2, 5.4) over the shared transport
 * (device-servers/virtio/): one request queue; the device fills each
 * request's writable buffers with random bytes. This is the request core,
 * pure (no system calls), so the host tests (tests/vdev/) run it as the
 * server (main.c) does; the random source is passed in.
 *
 * Crash safety: a request is only ever taken and given back through the
 * transport's journal, and filling it again is harmless (the guest sees
 * the buffer only once it is given back), so a restarted server re-drives
 * every head in flight (vrng_resume) and nothing else needs keeping.
 */
#ifndef VRNG_H
#define VRNG_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VRNG_QSIZE 64u
/* At most this many bytes per request: a request is answered at once, and
 * the guest asks again for more (spec 5.4.6: the device may write less). */
#define VRNG_REQ_MAX 4096u
/* Tries of the random source for one 64-bit word before the request fails. */
#define VRNG_TRIES 10u

/* One 64-bit random word into *v; false: none this time (aarch64 RNDR
 * sets Z when it could not give one, e.g. the entropy source is busy). */
typedef bool (*vrng_rand_fn)(void *ctx, uint64_t *v);

struct vrng {
	struct virtio_dev *dev;
	vrng_rand_fn rand;
	void *ctx;
	uint64_t failed; /* requests given back empty: the source kept failing */
	uint64_t bytes;  /* random bytes given, all requests (for a trace) */
};

extern const struct virtio_mmio_id vrng_id;

/*
 * Fill chain c's writable buffers (at most VRNG_REQ_MAX bytes) and give
 * it back with the count written. If the source fails VRNG_TRIES times in
 * a row, the chain is given back with 0 bytes: never a non-random byte.
 */
void vrng_answer(struct vrng *r, const struct virtq_chain *c);
/* Answer every request waiting in the queue; the number answered. */
unsigned vrng_serve(struct vrng *r);
/* After a restart (virtio_mmio_resume done): answer every head in flight,
 * then the queue. */
unsigned vrng_resume(struct vrng *r);

#endif /* VRNG_H */
