/*
 * Console output: printf and the test markers, a character at a time
 * through con_putc (lib/pl011.c's PL011, or riscv64's 16550 for a guest
 * that links arch/riscv64/ns16550.c instead).
 */
#include "guest.h"

static void put_str(const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		con_putc(*s++);
}

/* An unsigned number in base 10 or 16, at least `width` digits wide. */
static void put_num(uint64_t v, unsigned base, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < sizeof(buf));
	while (width > n) {
		con_putc(pad);
		width--;
	}
	while (n)
		con_putc(buf[--n]);
}

/* A conversion's flags: %[0][width][l|ll|z]. */
struct spec {
	char pad;
	unsigned width, longs;
};

static const char *parse_spec(const char *fmt, struct spec *sp)
{
	sp->pad = ' ';
	sp->width = 0;
	sp->longs = 0;
	if (*fmt == '0')
		sp->pad = *fmt++;
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (unsigned)(*fmt++ - '0');
	while (*fmt == 'l' || *fmt == 'z') {
		sp->longs++;
		fmt++;
	}
	return fmt;
}

/* The argument of a d/i/u/x conversion, widened by its length modifier. */
static uint64_t take_arg(va_list *ap, unsigned longs, bool is_signed)
{
	if (longs)
		return va_arg(*ap, uint64_t);
	if (is_signed)
		return (uint64_t)(int64_t)va_arg(*ap, int);
	return va_arg(*ap, unsigned);
}

static void put_conv(char conv, const struct spec *sp, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = (int64_t)take_arg(ap, sp->longs, true);
		if (v < 0)
			con_putc('-');
		put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, sp->width, sp->pad);
		break;
	}
	case 'u':
		put_num(take_arg(ap, sp->longs, false), 10, sp->width, sp->pad);
		break;
	case 'x':
		put_num(take_arg(ap, sp->longs, false), 16, sp->width, sp->pad);
		break;
	case 'p':
		put_str("0x");
		put_num((uint64_t)va_arg(*ap, void *), 16, 0, ' ');
		break;
	case 's':
		put_str(va_arg(*ap, const char *));
		break;
	case 'c':
		con_putc((char)va_arg(*ap, int));
		break;
	default:
		con_putc(conv);
	}
}

/* Supports %[0][width][l|ll|z](d|i|u|x|s|c|p|%). */
void con_vprintf(const char *fmt, va_list ap)
{
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			con_putc(*fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (!*fmt)
			break;
		put_conv(*fmt, &sp, &aq);
	}
	va_end(aq);
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}

bool test_report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	con_printf("[test] %s %s", ok ? "PASS" : "FAIL", name);
	if (fmt && *fmt) {
		put_str(": ");
		va_start(ap, fmt);
		con_vprintf(fmt, ap);
		va_end(ap);
	}
	con_putc('\n');
	return ok;
}

void test_done(void)
{
	con_printf("[test] DONE %s\n", guest_name);
}
