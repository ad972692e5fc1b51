/*
 * Checked access to guest RAM (gmem.h). The only place in the virtio
 * library that turns a guest-physical address into a pointer.
 */
#include <string.h>

#include "gmem.h"

bool gmem_range_ok(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	uint64_t off;
	if (m->base == NULL || gpa < m->gpa)
		return false;
	off = gpa - m->gpa;
	/* off <= size first, so size - off cannot wrap */
	return off <= m->size && len <= m->size - off;
}

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (!gmem_range_ok(m, gpa, len))
		return NULL;
	return m->base + (size_t)(gpa - m->gpa);
}

bool gmem_read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = gmem_ptr(m, gpa, len);
	if (p == NULL)
		return false;
	memcpy(dst, p, (size_t)len);
	return true;
}

bool gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr(m, gpa, len);
	if (p == NULL)
		return false;
	memcpy(p, src, (size_t)len);
	return true;
}

/* A pointer for one aligned field of `len` bytes, or NULL. */
static void *gmem_field(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_ptr(m, gpa, len);
	if (p == NULL || ((uintptr_t)p & (len - 1)) != 0)
		return NULL;
	return p;
}

/*
 * Relaxed atomics: one load or store of the whole field, never split or
 * repeated by the compiler, while the guest changes the memory under us.
 */
bool gmem_load16(const struct gmem *m, uint64_t gpa, uint16_t *v)
{
	uint16_t *p = gmem_field(m, gpa, 2);
	if (p == NULL)
		return false;
	*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	return true;
}

bool gmem_load64(const struct gmem *m, uint64_t gpa, uint64_t *v)
{
	uint64_t *p = gmem_field(m, gpa, 8);
	if (p == NULL)
		return false;
	*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	return true;
}

bool gmem_store16(const struct gmem *m, uint64_t gpa, uint16_t v)
{
	uint16_t *p = gmem_field(m, gpa, 2);
	if (p == NULL)
		return false;
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
	return true;
}

bool gmem_store32(const struct gmem *m, uint64_t gpa, uint32_t v)
{
	uint32_t *p = gmem_field(m, gpa, 4);
	if (p == NULL)
		return false;
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
	return true;
}
