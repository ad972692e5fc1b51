/*
 * cfg_value.c — key checks and typed getters.
 *
 * A getter looks a key up in an object, leaves *out at its default when the
 * key is absent, and otherwise checks type, range and alignment, reporting
 * under "<current path>.<key>". Required keys are checked separately
 * (cfg_require), so getters never decide what is mandatory.
 */
#include <string.h>

#include "cfg_internal.h"

/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define EXACT_MAX 9007199254740992.0

const cJSON *cfg_member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *type_name(const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
		return "a boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "a number";
	case cJSON_String:
		return "a string";
	case cJSON_Array:
		return "an array";
	default:
		return "an object";
	}
}

enum cfg_err cfg_expect(struct cfg_ctx *c, const cJSON *node, int type_mask,
			const char *what)
{
	if ((node->type & 0xff & type_mask) != 0)
		return CFG_OK;
	return cfg_report(c, CFG_E_TYPE, node, "expected %s, got %s", what,
			  type_name(node));
}

static bool key_in(const char *const *keys, const char *key)
{
	for (; *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

static void report_unknown(struct cfg_ctx *c, const cJSON *m,
			   const char *const *keys)
{
	char list[CFG_DETAIL_MAX];
	size_t n = 0;

	list[0] = '\0';
	for (; *keys != NULL && n < sizeof(list); keys++)
		n += cfg_fmt(list + n, sizeof(list) - n, "%s%s",
			     n > 0 ? ", " : "", *keys);
	cfg_report(c, CFG_E_UNKNOWN_KEY, m, "unknown key (expected one of: %s)",
		   list);
}

static const cJSON *earlier_twin(const cJSON *obj, const cJSON *m)
{
	for (const cJSON *p = obj->child; p != m; p = p->next)
		if (strcmp(p->string, m->string) == 0)
			return p;
	return NULL;
}

/* Reports every key of obj that is not in keys, or given twice. */
enum cfg_err cfg_check_keys(struct cfg_ctx *c, const cJSON *obj,
			    const char *const *keys)
{
	enum cfg_err err = CFG_OK;

	for (const cJSON *m = obj->child; m != NULL; m = m->next) {
		size_t mark = cfg_path_key(c, m->string);
		const cJSON *twin = earlier_twin(obj, m);
		uint32_t line, col;

		if (!key_in(keys, m->string)) {
			report_unknown(c, m, keys);
			err = CFG_E_UNKNOWN_KEY;
		} else if (twin != NULL) {
			cfg_pos_linecol(c->text, c->len, cfg_pos_of(c, twin),
					&line, &col);
			err = cfg_report(c, CFG_E_DUP_KEY, m,
					 "key already given at %u:%u", line, col);
		}
		cfg_path_pop(c, mark);
	}
	return err;
}

enum cfg_err cfg_require(struct cfg_ctx *c, const cJSON *obj,
			 const char *const *keys)
{
	enum cfg_err err = CFG_OK;

	for (; *keys != NULL; keys++) {
		size_t mark;

		if (cfg_member(obj, *keys) != NULL)
			continue;
		mark = cfg_path_key(c, *keys);
		err = cfg_report(c, CFG_E_MISSING_KEY, obj,
				 "required key is missing");
		cfg_path_pop(c, mark);
	}
	return err;
}

static bool whole(double d, uint64_t *v)
{
	if (!(d >= 0 && d <= EXACT_MAX))
		return false;
	*v = (uint64_t)d;
	return (double)*v == d;
}

static enum cfg_err read_u32(struct cfg_ctx *c, const cJSON *m, uint32_t min,
			     uint32_t max, uint32_t *out)
{
	uint64_t v;

	TRY(cfg_expect(c, m, cJSON_Number, "a number"));
	if (!whole(m->valuedouble, &v))
		return cfg_report(c, CFG_E_RANGE, m,
				  "expected a whole number in %u..%u", min, max);
	if (v >= min && v <= max) {
		*out = (uint32_t)v;
		return CFG_OK;
	}
	if (max == UINT32_MAX)
		return cfg_report(c, CFG_E_RANGE, m, "%llu is less than %u",
				  (unsigned long long)v, min);
	return cfg_report(c, CFG_E_RANGE, m, "%llu is outside %u..%u",
			  (unsigned long long)v, min, max);
}

enum cfg_err cfg_get_u32(struct cfg_ctx *c, const cJSON *obj, const char *key,
			 uint32_t min, uint32_t max, uint32_t *out)
{
	const cJSON *m = cfg_member(obj, key);
	enum cfg_err err = CFG_OK;

	if (m != NULL) {
		size_t mark = cfg_path_key(c, key);

		err = read_u32(c, m, min, max, out);
		cfg_path_pop(c, mark);
	}
	return err;
}

int cfg_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "0x" and 1..16 hex digits, or 1..20 decimal digits without overflow. */
static bool parse_u64(const char *s, uint64_t *v)
{
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	for (*v = 0; *s != '\0'; s++) {
		int d = cfg_hex_digit(*s);

		if (d < 0 || (unsigned)d >= base ||
		    *v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		*v = *v * base + (uint64_t)d;
	}
	return true;
}

static void size_text(char *buf, size_t size, uint64_t n)
{
	if (n % CFG_MIB == 0)
		cfg_fmt(buf, size, "%llu MiB", (unsigned long long)(n / CFG_MIB));
	else if (n % 1024 == 0)
		cfg_fmt(buf, size, "%llu KiB", (unsigned long long)(n / 1024));
	else
		cfg_fmt(buf, size, "%llu bytes", (unsigned long long)n);
}

static enum cfg_err read_addr(struct cfg_ctx *c, const cJSON *m,
			      uint64_t align, uint64_t *out)
{
	char unit[24];
	uint64_t v = 0;

	TRY(cfg_expect(c, m, cJSON_Number | cJSON_String,
		       "a number or a \"0x...\" string"));
	if (cJSON_IsNumber(m) && !whole(m->valuedouble, &v))
		return cfg_report(c, CFG_E_RANGE, m, "expected a whole number"
				  " up to 2^53; write larger values as \"0x...\"");
	if (cJSON_IsString(m) && !parse_u64(m->valuestring, &v))
		return cfg_report(c, CFG_E_VALUE, m, "\"%s\" is not a number"
				  " (write \"0x\" and hex digits, or decimal"
				  " digits)", m->valuestring);
	if (v % align == 0) {
		*out = v;
		return CFG_OK;
	}
	size_text(unit, sizeof(unit), align);
	if (cJSON_IsString(m))  /* echo what the user wrote */
		return cfg_report(c, CFG_E_ALIGN, m, "\"%s\" is not a multiple"
				  " of %s", m->valuestring, unit);
	return cfg_report(c, CFG_E_ALIGN, m, "%llu is not a multiple of %s",
			  (unsigned long long)v, unit);
}

enum cfg_err cfg_get_addr(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  uint64_t align, uint64_t *out)
{
	const cJSON *m = cfg_member(obj, key);
	enum cfg_err err = CFG_OK;

	if (m != NULL) {
		size_t mark = cfg_path_key(c, key);

		err = read_addr(c, m, align, out);
		cfg_path_pop(c, mark);
	}
	return err;
}

static enum cfg_err read_str(struct cfg_ctx *c, const cJSON *m, char *out,
			     size_t size)
{
	size_t n;

	TRY(cfg_expect(c, m, cJSON_String, "a string"));
	n = strlen(m->valuestring);
	if (n >= size)
		return cfg_report(c, CFG_E_RANGE, m, "longer than %zu bytes",
				  size - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)m->valuestring[i];

		if (ch < ' ' || ch == 0x7f)
			return cfg_report(c, CFG_E_VALUE, m,
					  "control character at byte %zu", i);
	}
	memcpy(out, m->valuestring, n + 1);
	return CFG_OK;
}

enum cfg_err cfg_get_str(struct cfg_ctx *c, const cJSON *obj, const char *key,
			 char *out, size_t size)
{
	const cJSON *m = cfg_member(obj, key);
	enum cfg_err err = CFG_OK;

	if (m != NULL) {
		size_t mark = cfg_path_key(c, key);

		err = read_str(c, m, out, size);
		cfg_path_pop(c, mark);
	}
	return err;
}

/* A file path: a string of at most CFG_PATH_MAX - 1 bytes, not empty. */
enum cfg_err cfg_get_path(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  char *out)
{
	const cJSON *m = cfg_member(obj, key);
	size_t mark;

	TRY(cfg_get_str(c, obj, key, out, CFG_PATH_MAX));
	if (m == NULL || out[0] != '\0')
		return CFG_OK;
	mark = cfg_path_key(c, key);
	cfg_report(c, CFG_E_VALUE, m, "path is empty");
	cfg_path_pop(c, mark);
	return CFG_E_VALUE;
}

enum cfg_err cfg_get_bool(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  bool *out)
{
	const cJSON *m = cfg_member(obj, key);
	enum cfg_err err;
	size_t mark;

	if (m == NULL)
		return CFG_OK;
	mark = cfg_path_key(c, key);
	err = cfg_expect(c, m, cJSON_True | cJSON_False, "true or false");
	if (err == CFG_OK)
		*out = cJSON_IsTrue(m);
	cfg_path_pop(c, mark);
	return err;
}
