/* Debug-console printing: format into a buffer, then one trap per char. */
#include <stdio.h>

#include <keel/abi.h>
#include <keel/print.h>

void kputs(const char *s)
{
	while (*s)
		keel_debug_putc(*s++);
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
