/*
 * A flattened device tree writer (devicetree.org spec, chapter 5), just
 * what the VMM needs to describe a VM to its guest (dtb.c).
 *
 *   blob:  header (40 bytes) | reservation map (one empty entry, 16 bytes)
 *          | structure block | strings block
 *
 * Nodes and properties are appended to the structure block as they come;
 * property names are kept once each in the strings block. Every append is
 * bounded: once anything does not fit, the writer remembers it and
 * fdtw_finish fails.
 */
#include <string.h>

#include "fdtw.h"

enum { FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_END = 9 };
#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER 40u
#define FDT_RSVMAP 16u

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Append len bytes (NULL: zeros), padded to 4. */
static void st_put(struct fdtw *f, const void *p, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;
	if (f->bad || padded > sizeof(f->st) - f->st_len) {
		f->bad = true;
		return;
	}
	memset(f->st + f->st_len, 0, padded);
	if (p)
		memcpy(f->st + f->st_len, p, len);
	f->st_len += padded;
}

static void st_word(struct fdtw *f, uint32_t v)
{
	uint8_t b[4];
	put_be32(b, v);
	st_put(f, b, 4);
}

/* Offset of name in the strings block, adding it if new. */
static uint32_t str_offset(struct fdtw *f, const char *name)
{
	size_t n = strlen(name) + 1;
	for (size_t off = 0; off < f->str_len; off += strlen(f->str + off) + 1)
		if (strcmp(f->str + off, name) == 0)
			return (uint32_t)off;
	if (n > sizeof(f->str) - f->str_len) {
		f->bad = true;
		return 0;
	}
	memcpy(f->str + f->str_len, name, n);
	f->str_len += n;
	return (uint32_t)(f->str_len - n);
}

void fdtw_begin(struct fdtw *f)
{
	f->st_len = 0;
	f->str_len = 0;
	f->depth = 0;
	f->bad = false;
}

void fdtw_node(struct fdtw *f, const char *name)
{
	st_word(f, FDT_BEGIN_NODE);
	st_put(f, name, strlen(name) + 1);
	f->depth++;
}

void fdtw_end_node(struct fdtw *f)
{
	if (f->depth == 0)
		f->bad = true;
	else
		f->depth--;
	st_word(f, FDT_END_NODE);
}

void fdtw_prop(struct fdtw *f, const char *name, const void *val, size_t len)
{
	uint32_t off = str_offset(f, name);
	st_word(f, FDT_PROP);
	st_word(f, (uint32_t)len);
	st_word(f, off);
	st_put(f, val, len);
}

void fdtw_prop_cells(struct fdtw *f, const char *name, const uint32_t *cells, size_t n)
{
	uint8_t b[4 * FDT_MAX_CELLS];
	if (n > FDT_MAX_CELLS) {
		f->bad = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_be32(b + 4 * i, cells[i]);
	fdtw_prop(f, name, b, 4 * n);
}

void fdtw_prop_u32(struct fdtw *f, const char *name, uint32_t v)
{
	fdtw_prop_cells(f, name, &v, 1);
}

void fdtw_prop_str(struct fdtw *f, const char *name, const char *s)
{
	fdtw_prop(f, name, s, strlen(s) + 1);
}

size_t fdtw_finish(struct fdtw *f, uint8_t *out, size_t cap)
{
	size_t off_st = FDT_HEADER + FDT_RSVMAP, off_str, total;
	st_word(f, FDT_END);
	off_str = off_st + f->st_len;
	total = off_str + f->str_len;
	if (f->bad || f->depth != 0 || total > cap)
		return 0;
	memset(out, 0, off_st);
	put_be32(out + 0x00, FDT_MAGIC);
	put_be32(out + 0x04, (uint32_t)total);
	put_be32(out + 0x08, (uint32_t)off_st);
	put_be32(out + 0x0c, (uint32_t)off_str);
	put_be32(out + 0x10, FDT_HEADER);  /* reservation map */
	put_be32(out + 0x14, 17);          /* version */
	put_be32(out + 0x18, 16);          /* last compatible version */
	put_be32(out + 0x20, (uint32_t)f->str_len);
	put_be32(out + 0x24, (uint32_t)f->st_len);
	memcpy(out + off_st, f->st, f->st_len);
	memcpy(out + off_str, f->str, f->str_len);
	return total;
}
