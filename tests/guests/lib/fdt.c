/*
 * Flattened device tree (devicetree.org spec, chapter 5), read in place:
 *
 *   header (big-endian u32s)        structure block tokens
 *   0x00 magic 0xd00dfeed           1 BEGIN_NODE  name, NUL, pad to 4
 *   0x04 totalsize                  2 END_NODE
 *   0x08 off_dt_struct              3 PROP        len, nameoff, value, pad
 *   0x0c off_dt_strings             4 NOP
 *   0x14 version                    9 END
 *   0x24 size_dt_struct (v17)
 *
 * A node's properties come before its children, but its own
 * #address-cells may come after its `ranges`, so reg/ranges are decoded
 * at END_NODE, when everything about the node is known.
 */
#include "fdt.h"

#include <stddef.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MAX_SIZE (4u << 20) /* refuse anything larger: not a tree */
#define FDT_MAX_DEPTH 16

enum { TOK_BEGIN = 1, TOK_END_NODE = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_END = 9 };

struct node {
	const char *name;
	uint32_t ac, sc; /* #address-cells/#size-cells for its children */
	const uint32_t *reg, *ranges;
	uint32_t reg_len, ranges_len;
	bool memory;
};

struct walk {
	const uint8_t *base, *strings;
	uint32_t strings_len;
	const uint32_t *tok, *end;
	unsigned depth;
	struct node stack[FDT_MAX_DEPTH];
	fdt_window_fn *fn;
	void *ctx;
	const char *bootargs; /* a NUL-terminated "bootargs" property, if any */
};

/* Shifts, not __builtin_bswap32: riscv64's guests (no Zbb, no libgcc)
 * would call __bswapsi2; GCC makes these a rev where there is one. */
static uint32_t be32(const uint32_t *p)
{
	uint32_t v = *(const volatile uint32_t *)p;
	return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}

static uint64_t read_cells(const uint32_t *p, uint32_t n)
{
	return n == 2 ? (uint64_t)be32(p) << 32 | be32(p + 1) : be32(p);
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* "memory" or "memory@..." */
static bool is_memory_name(const char *s)
{
	const char *m = "memory";

	while (*m && *s == *m) {
		s++;
		m++;
	}
	return !*m && (*s == '\0' || *s == '@');
}

/* Emits each (addr, size) of a reg list: skip, addr cells, size cells. */
static void emit_list(struct walk *w, const struct node *n, const uint32_t *p,
		      uint32_t len, uint32_t skip, uint32_t ac, uint32_t sc,
		      bool memory)
{
	uint32_t stride = skip + ac + sc;

	if (ac == 0 || ac > 2 || sc > 2 || skip > 3)
		return; /* not a CPU-visible address */
	for (uint32_t i = 0; i + stride <= len / 4; i += stride) {
		struct fdt_window win = {
			.base = read_cells(p + i + skip, ac),
			.size = sc ? read_cells(p + i + skip + ac, sc) : 0,
			.memory = memory,
			.node = n->name,
		};
		w->fn(w->ctx, &win);
	}
}

static void end_node(struct walk *w)
{
	const struct node *n = &w->stack[w->depth];
	const struct node *parent = &w->stack[w->depth - 1];

	if (n->reg)
		emit_list(w, n, n->reg, n->reg_len, 0, parent->ac, parent->sc,
			  n->memory);
	if (n->ranges)
		emit_list(w, n, n->ranges, n->ranges_len, n->ac, parent->ac,
			  n->sc, false);
}

static void take_prop(struct walk *w, const char *name, const uint32_t *val,
		      uint32_t len)
{
	struct node *n = &w->stack[w->depth];

	if (str_eq(name, "#address-cells") && len == 4)
		n->ac = be32(val);
	else if (str_eq(name, "#size-cells") && len == 4)
		n->sc = be32(val);
	else if (str_eq(name, "reg")) {
		n->reg = val;
		n->reg_len = len;
	} else if (str_eq(name, "ranges")) {
		n->ranges = val;
		n->ranges_len = len;
	} else if (str_eq(name, "bootargs") && len > 0 &&
		   ((const char *)val)[len - 1] == '\0') {
		w->bootargs = (const char *)val;
	} else if (str_eq(name, "device_type") && len == 7 &&
		   str_eq((const char *)val, "memory")) {
		n->memory = true;
	}
}

/* Words taken by a NUL-terminated string, padded to 4 bytes. */
static uint32_t str_words(const uint32_t *p, const uint32_t *end)
{
	const char *s = (const char *)p, *e = (const char *)end;
	uint32_t n = 0;

	while (s + n < e && s[n])
		n++;
	return s + n < e ? (n + 4) / 4 : (uint32_t)(end - p) + 1;
}

static const char *begin_node(struct walk *w)
{
	const char *name = (const char *)w->tok;

	w->tok += str_words(w->tok, w->end);
	if (w->tok > w->end)
		return "node name runs off the structure block";
	if (++w->depth >= FDT_MAX_DEPTH)
		return "nodes nested too deep";
	w->stack[w->depth] = (struct node){ .name = name, .ac = 2, .sc = 1 };
	w->stack[w->depth].memory = w->depth == 2 && is_memory_name(name);
	return NULL;
}

static const char *prop(struct walk *w)
{
	if (w->tok + 2 > w->end)
		return "property header runs off the structure block";
	uint32_t len = be32(w->tok), nameoff = be32(w->tok + 1);
	const uint32_t *val = w->tok + 2;

	if (len > (uint32_t)((w->end - val) * 4))
		return "property value runs off the structure block";
	w->tok = val + (len + 3) / 4;
	if (w->depth < 1)
		return "property outside any node";
	if (nameoff >= w->strings_len)
		return "property name outside the strings block";
	take_prop(w, (const char *)w->strings + nameoff, val, len);
	return NULL;
}

static const char *step(struct walk *w, bool *done)
{
	switch (be32(w->tok++)) {
	case TOK_BEGIN:
		return begin_node(w);
	case TOK_PROP:
		return prop(w);
	case TOK_END_NODE:
		if (w->depth < 1)
			return "unbalanced END_NODE";
		if (w->depth > 1)
			end_node(w);
		w->depth--;
		return NULL;
	case TOK_NOP:
		return NULL;
	case TOK_END:
		*done = true;
		return w->depth ? "END inside a node" : NULL;
	default:
		return "unknown structure token";
	}
}

static const char *walk_init(struct walk *w, const void *dtb)
{
	const uint32_t *h = dtb;

	if (!dtb || ((uintptr_t)dtb & 7))
		return "no device tree (x0 is 0 or unaligned)";
	if (be32(h) != FDT_MAGIC)
		return "no device tree (bad magic at x0)";
	uint32_t total = be32(h + 1), off_struct = be32(h + 2);
	uint32_t off_strings = be32(h + 3), version = be32(h + 5);
	/* size_dt_struct exists from version 17 on. */
	uint32_t size_struct = version >= 17 ? be32(h + 9) : total - off_struct;
	if (total > FDT_MAX_SIZE || off_struct >= total || off_strings >= total ||
	    size_struct > total - off_struct || (off_struct & 3))
		return "device tree header out of bounds";
	w->base = dtb;
	w->strings = w->base + off_strings;
	w->strings_len = total - off_strings;
	w->tok = (const uint32_t *)(w->base + off_struct);
	w->end = w->tok + size_struct / 4;
	return NULL;
}

static const char *walk_run(struct walk *w, const void *dtb)
{
	const char *err = walk_init(w, dtb);
	bool done = false;

	/* Depth 0 stands above the root, whose own reg is never decoded. */
	w->stack[0] = (struct node){ .name = "", .ac = 2, .sc = 1 };
	while (!err && !done) {
		if (w->tok >= w->end)
			return "structure block has no END token";
		err = step(w, &done);
	}
	return err;
}

const char *fdt_walk(const void *dtb, fdt_window_fn *fn, void *ctx)
{
	struct walk w = { .fn = fn, .ctx = ctx };

	return walk_run(&w, dtb);
}

static void ignore_window(void *ctx, const struct fdt_window *win)
{
	(void)ctx;
	(void)win;
}

const char *fdt_bootargs(const void *dtb)
{
	struct walk w = { .fn = ignore_window };

	if (walk_run(&w, dtb) || !w.bootargs)
		return "";
	return w.bootargs;
}

uint64_t bootargs_num(const char *args, const char *key)
{
	uint64_t n = 0;

	for (const char *p = args; *p; p++) {
		unsigned i = 0;
		while (key[i] && p[i] == key[i])
			i++;
		if (key[i])
			continue;
		for (p += i; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		return n;
	}
	return 0;
}

static void collect_ram(void *ctx, const struct fdt_window *win)
{
	struct ram_map *ram = ctx;

	if (!win->memory || !win->size)
		return;
	if (ram->n < MAX_RAM_REGIONS)
		ram->r[ram->n] = (struct region){ win->base, win->size };
	ram->n++;
}

const char *fdt_ram(const void *dtb, struct ram_map *ram)
{
	const char *err;

	ram->n = 0;
	err = fdt_walk(dtb, collect_ram, ram);
	if (err)
		return err;
	if (ram->n == 0)
		return "device tree has no memory node";
	if (ram->n > MAX_RAM_REGIONS)
		return "device tree has more than 8 RAM regions";
	return NULL;
}
