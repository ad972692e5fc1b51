/*
 * cfg_device.c — a VM's "devices" list and the "restart" policies.
 *
 * Which keys a device takes depends on its type; the table below is the one
 * place that says so (docs/config.md, "Devices", must list the same).
 */
#include <string.h>

#include "cfg_internal.h"

#define DEV_BASE_ALIGN UINT64_C(0x1000)   /* one stage-2 page */
#define DEV_SIZE_ALIGN UINT64_C(0x200)    /* one virtio-mmio window */

static const char *const restart_keys[] = {
	"policy", "max_restarts", "window_ms", "backoff_ms", NULL
};

static const char *const plain_keys[] = {
	"type", "base", "size", "irq", "restart", NULL
};
static const char *const blk_keys[] = {
	"type", "base", "size", "irq", "restart", "path_on_host",
	"is_read_only", NULL
};
static const char *const net_keys[] = {
	"type", "base", "size", "irq", "restart", "guest_mac", "network", NULL
};
static const char *const any_keys[] = {   /* while the type is unknown */
	"type", "base", "size", "irq", "restart", "path_on_host",
	"is_read_only", "guest_mac", "network", NULL
};
static const char *const plain_required[] = { "type", "base", "irq", NULL };
static const char *const net_required[] = {
	"type", "base", "irq", "network", NULL
};
static const char *const blk_required[] = {
	"type", "base", "irq", "path_on_host", NULL
};

struct dev_kind {
	const char *name;
	enum cfg_dev_type type;
	uint64_t size;                  /* default window size */
	const char *const *keys;
	const char *const *required;
	const char *server;             /* its server program; NULL: none yet */
};

/* The one table of device types: when a virtio server program is added,
 * name it here and root builds the type (cfg_machine.c, boot/vmconfig.c). */
static const struct dev_kind kinds[] = {
	{ "pl011", CFG_DEV_PL011, 0x1000, plain_keys, plain_required, "pl011" },
	{ "virtio-console", CFG_DEV_VIRTIO_CONSOLE, 0x200, plain_keys,
	  plain_required, "vcon" },
	{ "virtio-blk", CFG_DEV_VIRTIO_BLK, 0x200, blk_keys, blk_required, "vblk" },
	{ "virtio-net", CFG_DEV_VIRTIO_NET, 0x200, net_keys, net_required, "vnet" },
	{ "virtio-rng", CFG_DEV_VIRTIO_RNG, 0x200, plain_keys, plain_required, "vrng" },
	/* QEMU virt's UART: a riscv64 VM's console (docs/riscv64.md) */
	{ "ns16550a", CFG_DEV_NS16550, 0x1000, plain_keys, plain_required, "ns16550" },
};

#define KIND_COUNT (sizeof(kinds) / sizeof(kinds[0]))

static const struct dev_kind *kind_of(enum cfg_dev_type type)
{
	for (size_t i = 0; i < KIND_COUNT; i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

const char *cfg_dev_type_name(enum cfg_dev_type type)
{
	const struct dev_kind *k = kind_of(type);

	return k != NULL ? k->name : "?";
}

const char *cfg_dev_server(enum cfg_dev_type type)
{
	const struct dev_kind *k = kind_of(type);

	return k != NULL ? k->server : NULL;
}

unsigned cfg_disk_index(const struct cfg_system *sys, size_t v, int d)
{
	unsigned n = 0;

	for (size_t w = 0; w <= v && w < sys->vm_count; w++) {
		const struct cfg_vm *vm = &sys->vms[w];
		size_t end = w < v || d < 0 ? vm->device_count : (size_t)d;

		for (size_t e = 0; e < end && e < vm->device_count; e++)
			n += vm->devices[e].type == CFG_DEV_VIRTIO_BLK;
		n += w < v && vm->firmware_vars_path[0] != '\0';
	}
	return n;
}

static void read_policy(struct cfg_ctx *c, const cJSON *obj,
			enum cfg_policy *p)
{
	const cJSON *m = cfg_member(obj, "policy");
	size_t mark;

	if (m == NULL)
		return;
	mark = cfg_path_key(c, "policy");
	if (cfg_expect(c, m, cJSON_String, "a string") == CFG_OK) {
		if (strcmp(m->valuestring, "on-failure") == 0)
			*p = CFG_RESTART_ON_FAILURE;
		else if (strcmp(m->valuestring, "never") == 0)
			*p = CFG_RESTART_NEVER;
		else
			cfg_report(c, CFG_E_VALUE, m, "\"%s\" is not a policy"
				   " (expected \"on-failure\" or \"never\")",
				   m->valuestring);
	}
	cfg_path_pop(c, mark);
}

/*
 * Reads obj.restart over *r: keys given replace, keys absent keep what *r
 * holds (the defaults, or for a device the policy of its VM).
 */
void cfg_read_restart(struct cfg_ctx *c, const cJSON *obj,
		      struct cfg_restart *r)
{
	const cJSON *m = cfg_member(obj, "restart");
	size_t mark;

	if (m == NULL)
		return;
	mark = cfg_path_key(c, "restart");
	if (cfg_expect(c, m, cJSON_Object, "an object") == CFG_OK) {
		cfg_check_keys(c, m, restart_keys);
		read_policy(c, m, &r->policy);
		cfg_get_u32(c, m, "max_restarts", 0, 1000, &r->max_restarts);
		cfg_get_u32(c, m, "window_ms", 1, 3600000, &r->window_ms);
		cfg_get_u32(c, m, "backoff_ms", 0, 600000, &r->backoff_ms);
	}
	cfg_path_pop(c, mark);
}

/* "02:00:00:00:00:01": six hex pairs joined by ':'. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = cfg_hex_digit(s[0]), lo = cfg_hex_digit(s[1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void read_mac(struct cfg_ctx *c, const cJSON *obj, uint8_t mac[6])
{
	const cJSON *m = cfg_member(obj, "guest_mac");
	uint8_t tmp[6];
	size_t mark;

	if (m == NULL)
		return;
	mark = cfg_path_key(c, "guest_mac");
	if (cfg_expect(c, m, cJSON_String, "a string") == CFG_OK) {
		if (!parse_mac(m->valuestring, tmp))
			cfg_report(c, CFG_E_VALUE, m, "\"%s\" is not a MAC address"
				   " (expected six hex pairs like"
				   " \"02:00:00:00:00:01\")", m->valuestring);
		else if (tmp[0] & 1)
			cfg_report(c, CFG_E_VALUE, m, "\"%s\" is a multicast"
				   " address", m->valuestring);
		else
			memcpy(mac, tmp, sizeof(tmp));
	}
	cfg_path_pop(c, mark);
}

/* The NICs already on network n, in VMs and devices read before. */
static size_t network_ports(const struct cfg_ctx *c, int n)
{
	size_t ports = 0;

	for (int v = 0; v <= c->vm && v < CFG_MAX_VMS; v++) {
		const struct cfg_vm *vm = &c->out->vms[v];

		for (size_t d = 0; d < vm->device_count; d++)
			ports += vm->devices[d].type == CFG_DEV_VIRTIO_NET &&
				 vm->devices[d].network == n;
	}
	return ports;
}

/* "network": the name of one of the top-level networks. */
static void read_network(struct cfg_ctx *c, const cJSON *obj,
			 struct cfg_device *dev)
{
	const cJSON *m = cfg_member(obj, "network");
	size_t mark;

	if (m == NULL)
		return;
	mark = cfg_path_key(c, "network");
	if (cfg_expect(c, m, cJSON_String, "a string") == CFG_OK) {
		for (size_t i = 0; i < c->out->network_count; i++)
			if (c->out->networks[i].name[0] != '\0' &&
			    strcmp(c->out->networks[i].name, m->valuestring) == 0)
				dev->network = (int)i;
		if (dev->network < 0)
			cfg_report(c, CFG_E_VALUE, m, "no network \"%s\" (the"
				   " top-level \"networks\" list names each"
				   " one)", m->valuestring);
		else if (network_ports(c, dev->network) >= (size_t)CFG_NET_MAX_PORTS -
				 c->out->networks[dev->network].uplink) /* its port */
			cfg_report(c, CFG_E_LIMIT, m, "more than %d NICs on"
				   " network \"%s\"", CFG_NET_MAX_PORTS -
				   (int)c->out->networks[dev->network].uplink,
				   m->valuestring);
	}
	cfg_path_pop(c, mark);
}

static const struct dev_kind *read_kind(struct cfg_ctx *c, const cJSON *obj)
{
	const cJSON *m = cfg_member(obj, "type");
	size_t mark;

	if (m == NULL)
		return NULL;            /* reported by cfg_require */
	mark = cfg_path_key(c, "type");
	if (cfg_expect(c, m, cJSON_String, "a string") != CFG_OK) {
		cfg_path_pop(c, mark);
		return NULL;
	}
	for (size_t i = 0; i < KIND_COUNT; i++) {
		if (strcmp(m->valuestring, kinds[i].name) == 0) {
			cfg_path_pop(c, mark);
			return &kinds[i];
		}
	}
	cfg_report(c, CFG_E_VALUE, m, "unknown device type \"%s\" (expected"
		   " pl011, virtio-console, virtio-blk, virtio-net or"
		   " virtio-rng)",
		   m->valuestring);
	cfg_path_pop(c, mark);
	return NULL;
}

static void read_window(struct cfg_ctx *c, const cJSON *obj,
			struct cfg_device *dev)
{
	size_t before = c->errs->count;
	size_t mark;
	bool fits;

	cfg_get_addr(c, obj, "base", DEV_BASE_ALIGN, &dev->base);
	if (cfg_get_addr(c, obj, "size", DEV_SIZE_ALIGN, &dev->size) == CFG_OK &&
	    dev->size == 0) {
		mark = cfg_path_key(c, "size");
		cfg_report(c, CFG_E_RANGE, cfg_member(obj, "size"),
			   "a window needs a size above 0");
		cfg_path_pop(c, mark);
	}
	fits = dev->size <= CFG_GPA_END && dev->base <= CFG_GPA_END - dev->size;
	if (c->errs->count != before || cfg_member(obj, "base") == NULL || fits)
		return;
	mark = cfg_path_key(c, "base");
	cfg_report(c, CFG_E_RANGE, cfg_member(obj, "base"), "window 0x%llx +"
		   " 0x%llx ends beyond the %d-bit guest-physical space",
		   (unsigned long long)dev->base, (unsigned long long)dev->size,
		   CFG_GPA_BITS);
	cfg_path_pop(c, mark);
}

/*
 * A NIC without guest_mac: locally administered and unicast (02), "K"
 * (4b), then 32 bits of FNV-1a over "<VM name>/<device index>", so it
 * stays the same from run to run and differs between NICs.
 */
static void default_mac(const char *vm_name, size_t d, uint8_t mac[6])
{
	uint32_t h = 2166136261u;
	char idx[24];

	cfg_fmt(idx, sizeof(idx), "/%zu", d);
	for (const char *p = vm_name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = idx; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x4b;
	for (int i = 0; i < 4; i++)
		mac[2 + i] = (uint8_t)(h >> (24 - 8 * i));
}

/* Returns whether the window (base, size) was read without error. */
static bool read_device(struct cfg_ctx *c, const cJSON *obj,
			const struct cfg_vm *vm, struct cfg_device *dev)
{
	const struct dev_kind *kind;
	size_t d = (size_t)(dev - vm->devices), before;
	bool window_ok;

	if (cfg_expect(c, obj, cJSON_Object, "an object") != CFG_OK)
		return false;
	kind = read_kind(c, obj);
	cfg_check_keys(c, obj, kind != NULL ? kind->keys : any_keys);
	cfg_require(c, obj, kind != NULL ? kind->required : plain_required);
	dev->type = kind != NULL ? kind->type : CFG_DEV_PL011;
	dev->size = kind != NULL ? kind->size : DEV_SIZE_ALIGN;
	before = c->errs->count;
	read_window(c, obj, dev);
	window_ok = c->errs->count == before && cfg_member(obj, "base") != NULL;
	cfg_get_u32(c, obj, "irq", cfg_arch_of(c->lim)->irq_min,
		    cfg_arch_of(c->lim)->irq_max, &dev->irq);
	dev->restart = vm->restart;
	cfg_read_restart(c, obj, &dev->restart);
	default_mac(vm->name, d, dev->guest_mac);
	if (kind == NULL || kind->keys == blk_keys) {
		cfg_get_path(c, obj, "path_on_host", dev->path_on_host);
		cfg_get_bool(c, obj, "is_read_only", &dev->is_read_only);
	}
	dev->network = -1;
	if (kind == NULL || kind->keys == net_keys) {
		read_mac(c, obj, dev->guest_mac);
		read_network(c, obj, dev);
	}
	return window_ok;
}

void cfg_read_devices(struct cfg_ctx *c, const cJSON *vm_obj,
		      struct cfg_vm *vm)
{
	const cJSON *list = cfg_member(vm_obj, "devices");
	size_t mark, i = 0;

	if (list == NULL)
		return;
	mark = cfg_path_key(c, "devices");
	if (cfg_expect(c, list, cJSON_Array, "an array") != CFG_OK) {
		cfg_path_pop(c, mark);
		return;
	}
	cfg_path_pop(c, mark);
	for (const cJSON *d = list->child; d != NULL; d = d->next, i++) {
		mark = cfg_path_index(c, "devices", i);
		if (i == CFG_MAX_DEVICES) {
			cfg_report(c, CFG_E_LIMIT, d, "more than %d devices in"
				   " one VM (the loader's fixed limit)",
				   CFG_MAX_DEVICES);
			cfg_path_pop(c, mark);
			break;
		}
		c->dev_node[c->vm][i] = d;
		c->dev_bad[c->vm][i] = !read_device(c, d, vm, &vm->devices[i]);
		vm->device_count = i + 1;
		cfg_path_pop(c, mark);
	}
}
