/*
 * cfg_parse.c — entry point: JSON text to struct cfg_system.
 *
 * Three passes, each collecting every error it finds:
 *   1. cJSON parses the text (a syntax error ends the run: there is no tree);
 *   2. the tree is read against the schema (cfg_parse.c, cfg_device.c),
 *      each error charged to the VM it was found in;
 *   3. checks across fields and VMs (cfg_check.c).
 * A VM is valid, and may start, when no error was charged to it.
 */
#include <string.h>

#include "cfg_internal.h"

#define RAM_ALIGN (2 * CFG_MIB)         /* one stage-2 block */

static const char *const root_keys[] = { "vms", "networks", NULL };
static const char *const root_required[] = { "vms", NULL };
static const char *const net_keys[] = { "name", "uplink", "subnet", "host_forwards", NULL };
static const char *const net_required[] = { "name", NULL };

static const char *const vm_keys[] = {
	"name", "vcpu_count", "mem_size_mib", "mem_base", "kernel_image_path",
	"initrd_path", "boot_args", "dtb_path", "devices", "restart",
	"kernel_load_addr", "entry_point", "firmware_path", "firmware_vars_path", NULL
};

static const char *const vm_required[] = {
	"name", "mem_size_mib", NULL /* and kernel_image_path or firmware_path */
};

static const struct cfg_restart restart_default = {
	.policy = CFG_RESTART_ON_FAILURE,
	.max_restarts = 5,
	.window_ms = 10000,
	.backoff_ms = 0,
};

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* obj.name into name[CFG_NAME_MAX]: a VM's or a network's. */
static void read_name_into(struct cfg_ctx *c, const cJSON *obj, char *name)
{
	const char *bad = NULL;
	size_t mark;

	if (cfg_get_str(c, obj, "name", name, CFG_NAME_MAX) != CFG_OK)
		return;
	for (const char *p = name; *p != '\0' && bad == NULL; p++)
		if (!name_char_ok(*p))
			bad = "use only a-z, 0-9, '-' and '_'";
	if (cfg_member(obj, "name") != NULL && name[0] == '\0')
		bad = "name is empty";
	if (bad == NULL)
		return;
	mark = cfg_path_key(c, "name");
	cfg_report(c, CFG_E_VALUE, cfg_member(obj, "name"), "\"%s\": %s",
		   name, bad);
	cfg_path_pop(c, mark);
	name[0] = '\0';        /* not compared in the duplicate check */
}

static void read_name(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	read_name_into(c, obj, vm->name);
}

static void read_vcpus(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	uint32_t n = vm->vcpu_count;
	size_t mark;

	if (cfg_get_u32(c, obj, "vcpu_count", 1, UINT32_MAX, &n) != CFG_OK)
		return;
	if (n <= cfg_max_vcpus(c->lim)) {
		vm->vcpu_count = n;
		return;
	}
	mark = cfg_path_key(c, "vcpu_count");
	cfg_report(c, CFG_E_TOO_MANY_VCPUS, cfg_member(obj, "vcpu_count"),
		   "%u vCPUs requested, the machine allows at most %u", n,
		   cfg_max_vcpus(c->lim));
	cfg_path_pop(c, mark);
}

static void read_ram(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	size_t before = c->errs->count;
	uint64_t size;
	size_t mark;

	cfg_get_u32(c, obj, "mem_size_mib", 1, CFG_GPA_END / CFG_MIB,
		    &vm->mem_size_mib);
	cfg_get_addr(c, obj, "mem_base", RAM_ALIGN, &vm->mem_base);
	size = vm->mem_size_mib * CFG_MIB;
	c->ram_bad[c->vm] = c->errs->count != before || size == 0;
	if (c->ram_bad[c->vm] || vm->mem_base <= CFG_GPA_END - size)
		return;
	mark = cfg_path_key(c, "mem_size_mib");
	cfg_report(c, CFG_E_RANGE, cfg_member(obj, "mem_size_mib"),
		   "RAM 0x%llx + %u MiB ends beyond the %d-bit guest-physical"
		   " space", (unsigned long long)vm->mem_base, vm->mem_size_mib,
		   CFG_GPA_BITS);
	cfg_path_pop(c, mark);
	c->ram_bad[c->vm] = true;
}

static void read_files(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	if (!cfg_read_firmware(c, obj, vm))
		cfg_get_path(c, obj, "kernel_image_path", vm->kernel_image_path);
	cfg_get_path(c, obj, "initrd_path", vm->initrd_path);
	cfg_get_path(c, obj, "dtb_path", vm->dtb_path);
	cfg_get_str(c, obj, "boot_args", vm->boot_args, sizeof(vm->boot_args));
}

/* A raw image needs both addresses, 4-byte aligned (an instruction's),
 * inside the VM's RAM with the entry at or above the load address; the
 * image's own size is checked where it is known (cfg_machine.c). */
static void read_raw(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	const char *keys[] = { "kernel_load_addr", "entry_point" };
	uint64_t *vals[] = { &vm->kernel_load_addr, &vm->entry_point };
	uint64_t ram_end = vm->mem_base + (uint64_t)vm->mem_size_mib * CFG_MIB;
	size_t before = c->errs->count, mark;
	unsigned given = 0;

	for (unsigned i = 0; i < 2; i++) {
		if (cfg_member(obj, keys[i]) == NULL)
			continue;
		given++;
		cfg_get_addr(c, obj, keys[i], 4, vals[i]);
	}
	if (given == 0 || c->errs->count != before)
		return;
	vm->raw_image = true;
	for (unsigned i = 0; i < 2; i++) {
		const cJSON *m = cfg_member(obj, keys[i]);
		const char *other = keys[1 - i];

		mark = cfg_path_key(c, keys[i]);
		if (m != NULL && cfg_member(obj, other) == NULL)
			cfg_report(c, CFG_E_MISSING_KEY, m, "a raw image needs %s"
				   " too", other);
		else if (m != NULL && !c->ram_bad[c->vm] &&
			 (*vals[i] < vm->mem_base || *vals[i] >= ram_end))
			cfg_report(c, CFG_E_RANGE, m, "0x%llx is outside the VM's"
				   " RAM (0x%llx..0x%llx)",
				   (unsigned long long)*vals[i],
				   (unsigned long long)vm->mem_base,
				   (unsigned long long)ram_end - 1);
		cfg_path_pop(c, mark);
	}
	if (c->errs->count == before && vm->entry_point < vm->kernel_load_addr) {
		mark = cfg_path_key(c, "entry_point");
		cfg_report(c, CFG_E_RANGE, cfg_member(obj, "entry_point"),
			   "0x%llx is below kernel_load_addr 0x%llx",
			   (unsigned long long)vm->entry_point,
			   (unsigned long long)vm->kernel_load_addr);
		cfg_path_pop(c, mark);
	}
	vm->raw_image = c->errs->count == before;
}

static void read_vm(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	vm->vcpu_count = 1;
	vm->mem_base = cfg_arch_of(c->lim)->ram_base;   /* the board's */
	vm->restart = restart_default;
	if (cfg_expect(c, obj, cJSON_Object, "an object") != CFG_OK) {
		c->ram_bad[c->vm] = true;
		return;
	}
	c->vm_node[c->vm] = obj;
	cfg_check_keys(c, obj, vm_keys);
	cfg_require(c, obj, vm_required);
	read_name(c, obj, vm);
	read_vcpus(c, obj, vm);
	read_ram(c, obj, vm);
	read_files(c, obj, vm);
	read_raw(c, obj, vm);
	cfg_read_restart(c, obj, &vm->restart);
	cfg_read_devices(c, obj, vm);
	cfg_check_firmware(c, obj, vm);
}

static void read_vms(struct cfg_ctx *c, const cJSON *vms)
{
	size_t mark = cfg_path_key(c, "vms");
	bool is_array = cfg_expect(c, vms, cJSON_Array, "an array") == CFG_OK;
	size_t i = 0;

	if (is_array && vms->child == NULL)
		cfg_report(c, CFG_E_NO_VMS, vms, "at least one VM is needed");
	cfg_path_pop(c, mark);
	if (!is_array)
		return;
	for (const cJSON *v = vms->child; v != NULL; v = v->next, i++) {
		mark = cfg_path_index(c, "vms", i);
		if (i == CFG_MAX_VMS) {
			cfg_report(c, CFG_E_LIMIT, v, "more than %d VMs (the"
				   " loader's fixed limit)", CFG_MAX_VMS);
			cfg_path_pop(c, mark);
			break;
		}
		c->vm = (int)i;
		read_vm(c, v, &c->out->vms[i]);
		c->vm = -1;
		c->out->vm_count = i + 1;
		cfg_path_pop(c, mark);
	}
}

/* networks[i]: a name, unique among the networks. */
static void read_network(struct cfg_ctx *c, const cJSON *obj, size_t i)
{
	struct cfg_network *n = &c->out->networks[i];
	size_t mark;

	if (cfg_expect(c, obj, cJSON_Object, "an object") != CFG_OK)
		return;
	cfg_check_keys(c, obj, net_keys);
	cfg_require(c, obj, net_required);
	read_name_into(c, obj, n->name);
	cfg_read_uplink(c, obj, i);
	for (size_t j = 0; j < i && n->name[0] != '\0'; j++) {
		if (strcmp(c->out->networks[j].name, n->name) != 0)
			continue;
		mark = cfg_path_key(c, "name");
		cfg_report(c, CFG_E_DUP_NAME, cfg_member(obj, "name"),
			   "network \"%s\" is named twice (networks[%zu]"
			   " first)", n->name, j);
		cfg_path_pop(c, mark);
		n->name[0] = '\0';
		break;
	}
}

/* The top-level "networks" (optional): read before the VMs, whose NICs
 * name them. */
static void read_networks(struct cfg_ctx *c, const cJSON *list)
{
	size_t mark = cfg_path_key(c, "networks"), i = 0;
	bool is_array = cfg_expect(c, list, cJSON_Array, "an array") == CFG_OK;

	cfg_path_pop(c, mark);
	if (!is_array)
		return;
	for (const cJSON *n = list->child; n != NULL; n = n->next, i++) {
		mark = cfg_path_index(c, "networks", i);
		if (i == CFG_MAX_NETWORKS) {
			cfg_report(c, CFG_E_LIMIT, n, "more than %d networks"
				   " (the loader's fixed limit)",
				   CFG_MAX_NETWORKS);
			cfg_path_pop(c, mark);
			break;
		}
		read_network(c, n, i);
		c->out->network_count = i + 1;
		cfg_path_pop(c, mark);
	}
}

static void read_root(struct cfg_ctx *c)
{
	const cJSON *vms, *nets;

	if (cfg_expect(c, c->root, cJSON_Object, "an object") != CFG_OK)
		return;
	vms = cfg_member(c->root, "vms");
	nets = cfg_member(c->root, "networks");
	cfg_check_keys(c, c->root, root_keys);
	cfg_require(c, c->root, root_required);
	if (nets != NULL)
		read_networks(c, nets);
	if (vms != NULL)
		read_vms(c, vms);
}

static bool blank_from(const char *text, size_t len, size_t off)
{
	for (; off < len; off++)
		if ((unsigned char)text[off] > ' ')
			return false;
	return true;
}

/*
 * Where cJSON stopped, moved back over whitespace so it points at a visible
 * byte (cJSON stops one byte past a bad key, which is often the line end).
 */
static size_t visible(const struct cfg_ctx *c, size_t off)
{
	if (off >= c->len)
		off = c->len - 1;
	while (off > 0 && (unsigned char)c->text[off] <= ' ')
		off--;
	return off;
}

/*
 * cJSON reports the last byte when the input ran out. If the text ends in
 * whitespace, or in a byte that must be followed by more ('[', '{', ',', ':'
 * or '"'), the file was cut short; otherwise cJSON refused that byte.
 */
static void report_syntax(struct cfg_ctx *c, size_t cjson_off)
{
	size_t off = visible(c, cjson_off);
	unsigned char ch = (unsigned char)c->text[off];
	bool cut = cjson_off >= c->len || blank_from(c->text, c->len, cjson_off) ||
		   (off + 1 == c->len && (ch == '[' || ch == '{' || ch == ',' ||
					  ch == ':' || ch == '"'));

	if (cut)
		cfg_report_off(c, CFG_E_SYNTAX, off,
			       "invalid JSON: unexpected end of input");
	else if (ch > ' ' && ch < 0x7f)
		cfg_report_off(c, CFG_E_SYNTAX, off, "invalid JSON near '%c'", ch);
	else
		cfg_report_off(c, CFG_E_SYNTAX, off,
			       "invalid JSON near byte 0x%02x", ch);
}

/* cJSON gives the offset it stopped at; text after the value is ours to refuse. */
static cJSON *parse_json(struct cfg_ctx *c)
{
	const char *end = c->text;
	cJSON *root;
	size_t off;

	if (c->text == NULL || c->len == 0) {
		cfg_report_off(c, CFG_E_SYNTAX, 0,
			       "invalid JSON: the file is empty");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(c->text, c->len, &end, 0);
	off = (size_t)(end - c->text);
	if (root == NULL) {
		report_syntax(c, off);
		return NULL;
	}
	while (off < c->len && (unsigned char)c->text[off] <= ' ')
		off++;
	if (off == c->len)
		return root;
	cfg_report_off(c, CFG_E_SYNTAX, off,
		       "invalid JSON: text after the top-level value");
	cJSON_Delete(root);
	return NULL;
}

size_t cfg_parse(const char *file_name, const char *text, size_t len,
		 const struct cfg_limits *lim, struct cfg_system *out,
		 struct cfg_errors *errs)
{
	static const struct cfg_limits no_limits = { UINT32_MAX, 0, NULL, NULL, NULL, NULL };
	struct cfg_ctx c = { .text = text, .len = len, .out = out, .errs = errs,
			     .lim = lim != NULL ? lim : &no_limits, .vm = -1 };
	cJSON *root;

	memset(out, 0, sizeof(*out));
	memset(errs, 0, sizeof(*errs));
	errs->file = file_name;
	root = parse_json(&c);
	if (root != NULL) {
		c.root = root;
		read_root(&c);
		cfg_check_system(&c);
		cJSON_Delete(root);
	}
	for (size_t i = 0; i < out->vm_count; i++)
		out->vms[i].valid = c.vm_errors[i] == 0;
	cfg_errors_sort(errs);
	return errs->count;
}
