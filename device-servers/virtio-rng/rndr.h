/* The CPU's random number instruction (arch/<arch>/rndr.c). */
#ifndef VRNG_RNDR_H
#define VRNG_RNDR_H

#include <stdbool.h>
#include <stdint.h>

/* One 64-bit random word; false: the CPU had none this time (retry). */
bool vrng_rndr(void *ctx, uint64_t *v);

#endif /* VRNG_RNDR_H */
