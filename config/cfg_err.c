/*
 * cfg_err.c — the error vocabulary: strerror, the error list, key paths
 * and the one message format "file:line:col: keypath: detail".
 */
#include "cfg_internal.h"

static const char *const err_text[CFG_E_COUNT] = {
	[CFG_OK] = "no error",
	[CFG_E_SYNTAX] = "invalid JSON",
	[CFG_E_UNKNOWN_KEY] = "unknown key",
	[CFG_E_DUP_KEY] = "key given twice",
	[CFG_E_MISSING_KEY] = "required key missing",
	[CFG_E_TYPE] = "wrong type",
	[CFG_E_RANGE] = "value out of range",
	[CFG_E_VALUE] = "invalid value",
	[CFG_E_ALIGN] = "not aligned",
	[CFG_E_LIMIT] = "loader limit exceeded",
	[CFG_E_NO_VMS] = "no VMs",
	[CFG_E_DUP_NAME] = "name or MAC already used",
	[CFG_E_DUP_IRQ] = "interrupt already used",
	[CFG_E_OVERLAP] = "memory windows overlap",
	[CFG_E_TOO_MANY_VCPUS] = "more vCPUs than the machine allows",
	[CFG_E_NO_FILE] = "file not found",
	[CFG_E_TOO_MUCH_MEMORY] = "more memory than the machine has",
	[CFG_E_NO_ROOM] = "root cannot carve the VM's memory",
};

const char *cfg_strerror(enum cfg_err err)
{
	if ((unsigned)err >= CFG_E_COUNT)
		return "unknown error";
	return err_text[err];
}

static struct cfg_error *error_slot(struct cfg_ctx *c, enum cfg_err code)
{
	struct cfg_errors *errs = c->errs;
	struct cfg_error *e;

	if (c->vm >= 0 && c->vm < CFG_MAX_VMS)
		c->vm_errors[c->vm]++;
	if (errs->count++ >= CFG_MAX_ERRORS)
		return NULL;
	e = &errs->list[errs->count - 1];
	e->code = code;
	e->vm = c->vm;
	cfg_fmt(e->key, sizeof(e->key), "%s", c->plen > 0 ? c->path : "$");
	return e;
}

static void vreport(struct cfg_ctx *c, enum cfg_err code, size_t off,
		    const char *fmt, va_list ap)
{
	struct cfg_error *e = error_slot(c, code);

	if (e == NULL)
		return;
	cfg_pos_linecol(c->text, c->len, off, &e->line, &e->col);
	cfg_vfmt(e->detail, sizeof(e->detail), fmt, ap);
	/* Details quote user strings: keep every message on one line. */
	for (char *p = e->detail; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
}

/*
 * Records an error at node `at` (the position rule is in cfg_pos.c) under
 * the current key path, charged to the current VM. Returns code.
 */
enum cfg_err cfg_report(struct cfg_ctx *c, enum cfg_err code, const cJSON *at,
			const char *fmt, ...)
{
	va_list ap;
	size_t off = 0;

	/* Only kept errors need the position walk. */
	if (c->errs->count < CFG_MAX_ERRORS)
		off = cfg_pos_of(c, at);
	va_start(ap, fmt);
	vreport(c, code, off, fmt, ap);
	va_end(ap);
	return code;
}

enum cfg_err cfg_report_off(struct cfg_ctx *c, enum cfg_err code, size_t off,
			    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, code, off, fmt, ap);
	va_end(ap);
	return code;
}

static bool error_before(const struct cfg_error *a, const struct cfg_error *b)
{
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

/* Stable insertion sort by position: the list holds at most 32 entries. */
void cfg_errors_sort(struct cfg_errors *errs)
{
	size_t n = errs->count < CFG_MAX_ERRORS ? errs->count : CFG_MAX_ERRORS;

	for (size_t i = 1; i < n; i++) {
		struct cfg_error tmp = errs->list[i];
		size_t j = i;

		for (; j > 0 && error_before(&tmp, &errs->list[j - 1]); j--)
			errs->list[j] = errs->list[j - 1];
		errs->list[j] = tmp;
	}
}

size_t cfg_error_format(const struct cfg_errors *errs, size_t i, char *buf,
			size_t size)
{
	const struct cfg_error *e;

	if (i >= errs->count || i >= CFG_MAX_ERRORS) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	e = &errs->list[i];
	return cfg_fmt(buf, size, "%s:%u:%u: %s: %s", errs->file, e->line,
		       e->col, e->key, e->detail);
}

/* ---- key paths: "vms[1].devices[0].irq" ---------------------------------- */

static void path_putc(struct cfg_ctx *c, char ch)
{
	if (c->plen + 1 < sizeof(c->path)) {
		c->path[c->plen++] = ch;
		c->path[c->plen] = '\0';
	}
}

/* Appends ".key" (unknown keys come from the user: printable ASCII only). */
size_t cfg_path_key(struct cfg_ctx *c, const char *key)
{
	size_t old = c->plen;

	if (c->plen > 0)
		path_putc(c, '.');
	for (; *key != '\0'; key++)
		path_putc(c, *key > ' ' && *key < 0x7f ? *key : '?');
	return old;
}

size_t cfg_path_index(struct cfg_ctx *c, const char *key, size_t i)
{
	size_t old = cfg_path_key(c, key);
	char num[24];

	cfg_fmt(num, sizeof(num), "[%zu]", i);
	for (const char *p = num; *p != '\0'; p++)
		path_putc(c, *p);
	return old;
}

void cfg_path_pop(struct cfg_ctx *c, size_t len)
{
	if (len < sizeof(c->path)) {
		c->plen = len;
		c->path[len] = '\0';
	}
}

const char *cfg_file_name(const char *path)
{
	const char *name = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			name = p + 1;
	return name;
}
