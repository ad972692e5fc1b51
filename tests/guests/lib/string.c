/*
 * GCC expects memset and memcpy even from freestanding code (struct
 * initialisation, copies). guests.mk builds with
 * -fno-tree-loop-distribute-patterns, so these loops are not turned back
 * into calls to themselves.
 */
#include "guest.h"

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
