/*
 * cfg_fmt.c — the printf subset the loader's messages need.
 *
 * The root server has no stdio, so messages are built here. Supported:
 * %s %c %d %u %x, the length modifiers z and ll, the '0' flag and a width,
 * and %%. The format attribute in cfg_internal.h lets the compiler check
 * every call against real printf rules, so the subset must stay a subset.
 */
#include "cfg_internal.h"

struct fmt_out {
	char *dst;
	size_t size;
	size_t len;     /* length the full text needs */
};

struct fmt_spec {
	bool zero;
	unsigned width;
	unsigned lmod;  /* 0 = int, 1 = size_t, 2 = long long */
	char conv;
};

static void out_putc(struct fmt_out *o, char ch)
{
	if (o->len + 1 < o->size)
		o->dst[o->len] = ch;
	o->len++;
}

static void out_puts(struct fmt_out *o, const char *s)
{
	if (s == NULL)
		s = "(null)";
	while (*s != '\0')
		out_putc(o, *s++);
}

static void out_number(struct fmt_out *o, uint64_t v, unsigned base,
		       const struct fmt_spec *sp)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	for (unsigned pad = n; pad < sp->width; pad++)
		out_putc(o, sp->zero ? '0' : ' ');
	while (n > 0)
		out_putc(o, tmp[--n]);
}

/* Reads flags, width and length modifier after '%'; returns the next char. */
static const char *parse_spec(const char *f, struct fmt_spec *sp)
{
	*sp = (struct fmt_spec){ 0 };
	if (*f == '0') {
		sp->zero = true;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	if (*f == 'z') {
		sp->lmod = 1;
		f++;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->lmod = 2;
		f += 2;
	}
	sp->conv = *f;
	return *f != '\0' ? f + 1 : f;
}

static uint64_t arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	if (sp->lmod == 1)
		return va_arg(*ap, size_t);
	if (sp->lmod == 2)
		return va_arg(*ap, unsigned long long);
	return va_arg(*ap, unsigned);
}

static void out_signed(struct fmt_out *o, const struct fmt_spec *sp, int v)
{
	uint64_t mag = (uint64_t)(v < 0 ? -(int64_t)v : v);

	if (v < 0)
		out_putc(o, '-');
	out_number(o, mag, 10, sp);
}

static void out_conv(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 's':
		out_puts(o, va_arg(*ap, const char *));
		break;
	case 'c':
		out_putc(o, (char)va_arg(*ap, int));
		break;
	case 'd':
		out_signed(o, sp, va_arg(*ap, int));
		break;
	case 'u':
		out_number(o, arg_unsigned(sp, ap), 10, sp);
		break;
	case 'x':
		out_number(o, arg_unsigned(sp, ap), 16, sp);
		break;
	default:        /* "%%", or a conversion outside the subset */
		out_putc(o, '%');
		break;
	}
}

size_t cfg_vfmt(char *dst, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { dst, size, 0 };
	struct fmt_spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			out_putc(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		out_conv(&o, &sp, &args);
	}
	va_end(args);
	if (size > 0)
		dst[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t cfg_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = cfg_vfmt(dst, size, fmt, ap);
	va_end(ap);
	return n;
}
