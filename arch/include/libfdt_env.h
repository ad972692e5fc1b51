/*
 * The environment Debian's libfdt.h and fdt.h expect (their libfdt_env.h
 * contract), for the freestanding kernel. Debian's own libfdt_env.h pulls in
 * <stdlib.h> and <string.h>, i.e. a C library's headers, which the kernel
 * never sees (-nostdinc). The Makefile copies only libfdt.h and fdt.h from
 * the sysroot into $(B)/fdt-include; their #include <libfdt_env.h> lands here.
 *
 * The string functions are declared, not defined: kernel/lib.c provides
 * them, and Debian's libfdt.a (linked into keel.elf) calls them by these
 * names.
 */
#ifndef KEEL_LIBFDT_ENV_H
#define KEEL_LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sparse's annotations in Debian's header; plain types for gcc */
#define FDT_FORCE
#define FDT_BITWISE

/* Device tree cells are big-endian; these hold the raw (on-blob) value. */
typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t fdt16_to_cpu(fdt16_t x) { return __builtin_bswap16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return __builtin_bswap32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return __builtin_bswap64(x); }
#else
static inline uint16_t fdt16_to_cpu(fdt16_t x) { return x; }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return x; }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return x; }
#endif

/* The swap is its own inverse. */
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return fdt16_to_cpu(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return fdt32_to_cpu(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return fdt64_to_cpu(x); }

/* What libfdt.a and libfdt.h call; defined in kernel/lib.c. */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);

#endif /* KEEL_LIBFDT_ENV_H */
