/*
 * cfg_internal.h — shared by the loader's files, not part of the API.
 *
 * Module map:
 *   cfg_parse.c   entry point, document root, one VM
 *   cfg_device.c  devices and restart policies
 *   cfg_value.c   key checks and typed getters (number, address, string)
 *   cfg_check.c   checks across fields: overlap, interrupts, names, files,
 *                 memory totals
 *   cfg_machine.c what root builds: device servers, VM count, a VMM's
 *                 limits, the carve of each VM's memory from the machine
 *   cfg_pos.c     byte offset of a cJSON node in the text, line:column
 *   cfg_err.c     error list, key paths, strerror, message format
 *   cfg_fmt.c     a small printf subset (the target has no stdio)
 */
#ifndef CFG_INTERNAL_H
#define CFG_INTERNAL_H

#include <stdarg.h>
#include <cjson/cJSON.h>
#include <keel/config.h>

#define CFG_MIB (UINT64_C(1) << 20)
#define CFG_GPA_END (UINT64_C(1) << CFG_GPA_BITS)

/* Stop the current step on the first error; the caller goes on with the next. */
#define TRY(expr)                                   \
	do {                                        \
		enum cfg_err try_err_ = (expr);     \
		if (try_err_ != CFG_OK)             \
			return try_err_;            \
	} while (0)

#define CFG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* One loader run. */
struct cfg_ctx {
	const char *text;
	size_t len;
	const cJSON *root;
	const struct cfg_limits *lim;
	struct cfg_system *out;
	struct cfg_errors *errs;
	int vm;                             /* VM being read, or -1 */
	size_t vm_errors[CFG_MAX_VMS];
	const cJSON *vm_node[CFG_MAX_VMS];
	const cJSON *dev_node[CFG_MAX_VMS][CFG_MAX_DEVICES];
	bool dev_bad[CFG_MAX_VMS][CFG_MAX_DEVICES];  /* window unreadable */
	bool ram_bad[CFG_MAX_VMS];
	size_t plen;                        /* key path being built */
	char path[CFG_KEYPATH_MAX];
};

/* cfg_fmt.c: %s %c %d %u %zu %llu %llx, flag '0', width, '%%'. */
size_t cfg_vfmt(char *dst, size_t size, const char *fmt, va_list ap);
size_t cfg_fmt(char *dst, size_t size, const char *fmt, ...) CFG_PRINTF(3, 4);

/* cfg_err.c */
enum cfg_err cfg_report(struct cfg_ctx *c, enum cfg_err code, const cJSON *at,
			const char *fmt, ...) CFG_PRINTF(4, 5);
enum cfg_err cfg_report_off(struct cfg_ctx *c, enum cfg_err code, size_t off,
			    const char *fmt, ...) CFG_PRINTF(4, 5);
void cfg_errors_sort(struct cfg_errors *errs);
size_t cfg_path_key(struct cfg_ctx *c, const char *key);
size_t cfg_path_index(struct cfg_ctx *c, const char *key, size_t i);
void cfg_path_pop(struct cfg_ctx *c, size_t len);

/* cfg_pos.c */
size_t cfg_pos_of(const struct cfg_ctx *c, const cJSON *node);
size_t cfg_pos_start(const char *text, size_t len);
void cfg_pos_linecol(const char *text, size_t len, size_t off, uint32_t *line,
		     uint32_t *col);

/* cfg_value.c: every getter leaves *out alone when the key is absent. */
enum cfg_err cfg_check_keys(struct cfg_ctx *c, const cJSON *obj,
			    const char *const *keys);
enum cfg_err cfg_require(struct cfg_ctx *c, const cJSON *obj,
			 const char *const *keys);
enum cfg_err cfg_expect(struct cfg_ctx *c, const cJSON *node, int type_mask,
			const char *what);
int cfg_hex_digit(char ch);    /* -1 if not a hex digit */
const cJSON *cfg_member(const cJSON *obj, const char *key);
enum cfg_err cfg_get_u32(struct cfg_ctx *c, const cJSON *obj, const char *key,
			 uint32_t min, uint32_t max, uint32_t *out);
enum cfg_err cfg_get_addr(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  uint64_t align, uint64_t *out);
enum cfg_err cfg_get_str(struct cfg_ctx *c, const cJSON *obj, const char *key,
			 char *out, size_t size);
enum cfg_err cfg_get_path(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  char *out);
enum cfg_err cfg_get_bool(struct cfg_ctx *c, const cJSON *obj, const char *key,
			  bool *out);

void cfg_read_restart(struct cfg_ctx *c, const cJSON *obj,
		      struct cfg_restart *r);
void cfg_read_devices(struct cfg_ctx *c, const cJSON *vm_obj,
		      struct cfg_vm *vm);

/* cfg_firmware.c: firmware_path read into vm->kernel_image_path (true)
 * or not given (false: kernel_image_path is required); then the keys
 * and windows a firmware VM may not have. */
bool cfg_read_firmware(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm);
void cfg_check_firmware(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm);

/* cfg_check.c */
void cfg_read_uplink(struct cfg_ctx *c, const cJSON *obj, size_t i);
void cfg_check_system(struct cfg_ctx *c);
/* Sets the key path to vms[v].devices[d].key (d < 0: vms[v].key, key
 * NULL: vms[v]) and charges what follows to VM v. */
void cfg_path_at(struct cfg_ctx *c, int v, int d, const char *key);

/* cfg_machine.c: the machine pass, run by cfg_check_system on the VMs
 * still valid, in file order. */
struct cfg_carver;
uint32_t cfg_max_vcpus(const struct cfg_limits *lim);
struct cfg_carver *cfg_machine_begin(struct cfg_ctx *c);
bool cfg_machine_vm(struct cfg_ctx *c, int v);           /* VM-local rules */
bool cfg_machine_admit(struct cfg_ctx *c, struct cfg_carver *k, int v);

#endif /* CFG_INTERNAL_H */
