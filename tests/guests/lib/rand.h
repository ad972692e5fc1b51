/* xorshift64*: a fixed seed gives the same sequence on every run. */
#ifndef GUEST_RAND_H
#define GUEST_RAND_H

#include <stdint.h>

static inline uint64_t rand_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dUL;
}

#endif
