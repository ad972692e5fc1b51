/*
 * The fuzzers' view of their input: a cursor over libFuzzer's bytes. Past
 * the end every read is 0 and fz_more says so, so a harness never reads
 * outside the buffer whatever its length.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline bool fz_more(const struct fz_in *in)
{
	return in->left != 0;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* n bytes (n <= 8), little-endian */
static inline uint64_t fz_bytes(struct fz_in *in, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	return fz_bytes(in, 8);
}

/* A broken invariant: libFuzzer reports the abort and keeps the input. */
#define FZ_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#endif /* FUZZ_INPUT_H */
