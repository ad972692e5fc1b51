/*
 * Guest memory as a device server sees it: one window of the guest's RAM
 * mapped at `base`, covering guest-physical [gpa, gpa + size). Every
 * access a virtio device makes to guest memory goes through these
 * functions, which check that the whole range lies inside the window (with
 * no overflow) before touching a byte; nothing else in the library does
 * arithmetic on guest pointers.
 *
 * The guest may change its memory at any moment (other vCPUs run), so
 * ring fields are read once into locals (gmem_load*) and checked there.
 */
#ifndef VIRTIO_GMEM_H
#define VIRTIO_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem {
	uint8_t *base; /* where the window is mapped in the server */
	uint64_t gpa;  /* guest-physical address of base[0] */
	uint64_t size; /* bytes */
};

/* True if [gpa, gpa + len) lies inside the window (len 0: gpa <= end). */
bool gmem_range_ok(const struct gmem *m, uint64_t gpa, uint64_t len);
/* A pointer to [gpa, gpa + len), or NULL if it is not all guest RAM. */
void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Copies; false (nothing copied) if the range is not all guest RAM. */
bool gmem_read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len);
bool gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len);
/*
 * Naturally aligned single loads and stores of ring fields (little-endian
 * guests, and Keel's servers are little-endian too: virtio 1.x rings are
 * little-endian). False if out of the window or misaligned.
 */
bool gmem_load16(const struct gmem *m, uint64_t gpa, uint16_t *v);
bool gmem_load64(const struct gmem *m, uint64_t gpa, uint64_t *v);
bool gmem_store16(const struct gmem *m, uint64_t gpa, uint16_t v);
bool gmem_store32(const struct gmem *m, uint64_t gpa, uint32_t v);

#endif /* VIRTIO_GMEM_H */
