/*
 * What kernel/lib.c gives the freestanding kernel, for the host: memory
 * helpers, kprintf into the fake console, and a kpanic that fails the test
 * that caused it instead of halting a CPU.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>

#include "kernel.h"

void *kmemset(void *d, int c, size_t n) { return memset(d, c, n); }
void *kmemcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }

void kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p; p++)
		arch_putc(*p);
}

_Noreturn void kpanic(const char *why)
{
	if (fake_arch.on_panic)
		fake_arch.on_panic(why);
	fprintf(stderr, "keel (fake arch): PANIC: %s\n", why);
	abort();
}
