/*
 * cfg_pos.c — where a cJSON node sits in the text.
 *
 * cJSON keeps no positions, so to locate a node we walk the text and the
 * tree side by side from the root: at each object or array we step over the
 * children that do not hold the node (a bracket-counting skip; cJSON has
 * already checked the syntax) and descend into the one that does. Nothing is
 * stored, and only kept errors pay for a walk (one pass over the text).
 *
 * Position rule (docs/config.md, "Error messages"):
 *   - a member of an object is located at the opening quote of its key,
 *     for every kind of error, including a bad value;
 *   - an array element, and the document root, at the first byte of the
 *     value.
 *
 * The skips mirror cJSON 1.7: any byte <= 0x20 is whitespace, and a UTF-8
 * byte-order mark at the very start is ignored.
 */
#include "cfg_internal.h"

/* Deeper than any key the schema names (root.vms[].devices[].restart.x). */
#define POS_MAX_DEPTH 8

struct scan {
	const unsigned char *s;
	size_t len;
	size_t off;
};

static void skip_ws(struct scan *sc)
{
	while (sc->off < sc->len && sc->s[sc->off] <= ' ')
		sc->off++;
}

static void skip_string(struct scan *sc)
{
	sc->off++;      /* opening quote */
	while (sc->off < sc->len && sc->s[sc->off] != '"')
		sc->off += sc->s[sc->off] == '\\' ? 2 : 1;
	sc->off++;      /* closing quote */
}

static void skip_nested(struct scan *sc)
{
	size_t depth = 0;

	do {
		unsigned char ch = sc->s[sc->off];

		if (ch == '"') {
			skip_string(sc);
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']')
			depth--;
		sc->off++;
	} while (depth > 0 && sc->off < sc->len);
}

static bool ends_scalar(unsigned char ch)
{
	return ch <= ' ' || ch == ',' || ch == ']' || ch == '}';
}

static void skip_value(struct scan *sc)
{
	if (sc->off >= sc->len)
		return;
	if (sc->s[sc->off] == '"')
		skip_string(sc);
	else if (sc->s[sc->off] == '{' || sc->s[sc->off] == '[')
		skip_nested(sc);
	else
		while (sc->off < sc->len && !ends_scalar(sc->s[sc->off]))
			sc->off++;
}

static bool contains(const cJSON *tree, const cJSON *node, int depth)
{
	if (depth == 0)
		return false;
	for (const cJSON *ch = tree->child; ch != NULL; ch = ch->next)
		if (ch == node || contains(ch, node, depth - 1))
			return true;
	return false;
}

/*
 * sc is at the '{' or '[' of parent. Steps to the child that is or holds
 * node, leaves sc at that child's value and *at where the child is located.
 */
static const cJSON *enter_child(struct scan *sc, const cJSON *parent,
				const cJSON *node, size_t *at)
{
	bool obj = cJSON_IsObject(parent);

	sc->off++;
	for (const cJSON *ch = parent->child; ch != NULL; ch = ch->next) {
		skip_ws(sc);
		*at = sc->off;
		if (obj) {
			skip_string(sc);
			skip_ws(sc);
			sc->off++;      /* ':' */
			skip_ws(sc);
		}
		if (ch == node || contains(ch, node, POS_MAX_DEPTH))
			return ch;
		skip_value(sc);
		skip_ws(sc);
		sc->off++;              /* ',' */
	}
	return NULL;
}

size_t cfg_pos_start(const char *text, size_t len)
{
	struct scan sc = { (const unsigned char *)text, len, 0 };

	if (len >= 3 && sc.s[0] == 0xef && sc.s[1] == 0xbb && sc.s[2] == 0xbf)
		sc.off = 3;
	skip_ws(&sc);
	return sc.off;
}

size_t cfg_pos_of(const struct cfg_ctx *c, const cJSON *node)
{
	struct scan sc = { (const unsigned char *)c->text, c->len, 0 };
	const cJSON *cur = c->root;
	size_t at;

	sc.off = cfg_pos_start(c->text, c->len);
	at = sc.off;
	while (cur != node && cur != NULL && sc.off < sc.len)
		cur = enter_child(&sc, cur, node, &at);
	return at;
}

void cfg_pos_linecol(const char *text, size_t len, size_t off, uint32_t *line,
		     uint32_t *col)
{
	size_t line_start = 0;
	uint32_t n = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			n++;
			line_start = i + 1;
		}
	}
	*line = n;
	*col = (uint32_t)(off - line_start + 1);
}
