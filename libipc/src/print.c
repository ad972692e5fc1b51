/* Debug-console printing: format into a buffer, then one trap per
 * KEEL_DEBUG_WRITE_MAX bytes. */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

void kputs(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		unsigned k = n < KEEL_DEBUG_WRITE_MAX ? (unsigned)n : KEEL_DEBUG_WRITE_MAX;
		keel_debug_write(s, k);
		s += k;
		n -= k;
	}
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KEEL_PRINT_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	kputs(buf);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
