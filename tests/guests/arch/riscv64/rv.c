/*
 * The riscv64 test guests' shared helpers (rv.h).
 */
#include "rv.h"

static char line[200];
static unsigned line_len;

void out(const char *s)
{
	while (*s && line_len < sizeof(line) - 1)
		line[line_len++] = *s++;
}

void out_hex(unsigned long v)
{
	char b[19] = "0x";
	unsigned n = 2;
	for (int sh = 60; sh >= 0; sh -= 4)
		if ((v >> sh) || sh == 0 || n > 2)
			b[n++] = "0123456789abcdef"[(v >> sh) & 15];
	b[n] = 0;
	out(b);
}

void out_dec(unsigned long v)
{
	char b[21];
	unsigned n = sizeof(b) - 1;
	b[n] = 0;
	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out(b + n);
}

struct sbiret flush(void)
{
	struct sbiret r;
	line[line_len++] = '\n';
	r = sbi(EXT_DBCN, 0, line_len, (unsigned long)line, 0);
	line_len = 0;
	return r;
}

uint32_t be32(const void *v)
{
	const uint8_t *p = v;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* p past key if p starts with it, else NULL */
static const char *word_at(const char *p, const char *key)
{
	while (*key)
		if (*p++ != *key++)
			return NULL;
	return p;
}

static unsigned long parse_num(const char *p)
{
	unsigned long v = 0, base = 10;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
			     *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) : 99;
		if (d >= base)
			return v;
		v = v * base + d;
	}
}

unsigned long dtb_param(const void *dtb, const char *key, unsigned long dflt)
{
	const char *t = dtb;
	uint32_t size;
	if (!dtb || be32(dtb) != 0xd00dfeedu)
		return dflt;
	size = be32((const uint8_t *)dtb + 4);
	for (uint32_t i = 4; i + 8 < size; i++) {
		/* a word: after a space, or at the start of a property's value,
		 * which is 4-byte aligned in the blob */
		const char *v = t[i - 1] == ' ' || i % 4 == 0 ? word_at(t + i, key) : NULL;
		if (v)
			return parse_num(v);
	}
	return dflt;
}
