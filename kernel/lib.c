/*
 * The little C library the kernel needs: memory and string functions (also
 * what Debian's libfdt.a links against), a printf for the debug console,
 * panic, and the ELF checks used at boot. Built with -mgeneral-regs-only, so
 * none of it touches FP/SIMD registers (which belong to user threads).
 */
#include <stdarg.h>

#include "elf.h"
#include "kernel.h"

void *kmemset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	if (((uintptr_t)p | n) % 8 == 0 && c == 0) {
		for (uint64_t *q = d; n; n -= 8)
			*q++ = 0;
		return d;
	}
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

/* A word at a time when both ends and the length are word-aligned, as
 * the kernel's copies of messages and registers are: GCC (riscv64) makes
 * calls of this even for a 16-byte __builtin_memcpy, and byte by byte
 * the IPC fastpath's message copy was 43 % of a round trip there
 * (docs/performance.md; the fastpaths now use arch_copy_mrs). */
typedef uint64_t __attribute__((may_alias)) kmem_word;

void *kmemcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if (((uintptr_t)d | (uintptr_t)s | n) % 8 == 0) {
		kmem_word *dw = d;
		const kmem_word *sw = s;
		for (; n; n -= 8)
			*dw++ = *sw++;
		return d;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

/* Names libfdt expects; declared here because the kernel has no libc. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);
void __stack_chk_fail(void);
extern uintptr_t __stack_chk_guard;

void *memset(void *d, int c, size_t n) { return kmemset(d, c, n); }
void *memcpy(void *d, const void *s, size_t n) { return kmemcpy(d, s, n); }

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if (dp <= sp || dp >= sp + n)
		return kmemcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	for (const uint8_t *p = s; n; n--, p++)
		if (*p == (uint8_t)c)
			return (void *)p;
	return NULL;
}

size_t strnlen(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i])
		i++;
	return i;
}

size_t strlen(const char *s) { return strnlen(s, (size_t)-1); }

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	(void)base; /* libfdt only parses decimal unit addresses */
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	if (end)
		*end = (char *)s;
	return v;
}

uintptr_t __stack_chk_guard = 0x5eed5eed5eed5eedull;
void __stack_chk_fail(void) { kpanic("stack smashed"); }

/* The kernel's own lines go where the threads' do (klog.c), in order. */
static void kputc(char c)
{
	klog_write(&c, 1, NULL, 0);
}

static void put_num(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		kputc(pad);
	while (n)
		kputc(buf[--n]);
}

static const char *put_one(const char *f, va_list *ap)
{
	int width = 0;
	char pad = ' ';
	if (*f == '0')
		pad = '0';
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	while (*f == 'l')
		f++;
	switch (*f) {
	case 'd': {
		long v = va_arg(*ap, long);
		if (v < 0)
			kputc('-');
		put_num(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, pad);
		break;
	}
	case 'u': put_num(va_arg(*ap, unsigned long), 10, width, pad); break;
	case 'x': put_num(va_arg(*ap, unsigned long), 16, width, pad); break;
	case 'p': put_num((uintptr_t)va_arg(*ap, void *), 16, width, pad); break;
	case 's':
		for (const char *s = va_arg(*ap, const char *); s && *s; s++)
			kputc(*s);
		break;
	default: kputc(*f); break;
	}
	return f + 1;
}

/* %d %u %x take long-sized arguments after any 'l'; plain %u/%d/%x are
 * promoted through va_arg(long) too, which is the same register on LP64. */
void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	while (*fmt) {
		if (*fmt != '%') {
			kputc(*fmt++);
			continue;
		}
		fmt = put_one(fmt + 1, &ap);
	}
	va_end(ap);
}

_Noreturn void kpanic(const char *why)
{
	klog_direct(); /* nobody may be left to read the log */
	kprintf("keel: PANIC: %s\n", why);
	for (;;)
		arch_halt();
}

bool elf_valid(const uint8_t *img, uint64_t size)
{
	const struct elf64_ehdr *eh = (const void *)img;
	if (size < sizeof(*eh) || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' ||
	    img[3] != 'F' || img[4] != 2 || eh->e_machine != ARCH_ELF_MACHINE)
		return false;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > size)
		return false;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(img, i);
		if (ph->p_type == PT_LOAD &&
		    (ph->p_offset + ph->p_filesz > size || ph->p_filesz > ph->p_memsz))
			return false;
	}
	return true;
}

const struct elf64_phdr *elf_phdr(const uint8_t *img, unsigned i)
{
	const struct elf64_ehdr *eh = (const void *)img;
	return (const struct elf64_phdr *)(img + eh->e_phoff) + i;
}
