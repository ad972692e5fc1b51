/*
 * cfg_check.c — checks that need more than one field: windows that overlap,
 * interrupts used twice, VM names used twice, a MAC used twice on one
 * network, files that are missing (host) and RAM totals above the
 * machine's (target).
 *
 * Each error is reported at the later of the two parties and names the
 * earlier one, so it reads like "x: ... already used by vms[0]". Fields that
 * failed their own checks are left out, so one mistake gives one message: a
 * device whose base or size is bad takes no part in the overlap checks, and
 * an interrupt that is bad stays 0 and takes no part in the interrupt check.
 */
#include "cfg_internal.h"

struct window {
	uint64_t start;
	uint64_t end;   /* exclusive */
};

void cfg_path_at(struct cfg_ctx *c, int v, int d, const char *key)
{
	cfg_path_pop(c, 0);
	cfg_path_index(c, "vms", (size_t)v);
	if (d >= 0)
		cfg_path_index(c, "devices", (size_t)d);
	if (key != NULL)
		cfg_path_key(c, key);
	c->vm = v;
}

static const cJSON *dev_key(const struct cfg_ctx *c, int v, int d,
			    const char *key)
{
	return cfg_member(c->dev_node[v][d], key);
}

static struct window dev_window(const struct cfg_device *dev)
{
	return (struct window){ dev->base, dev->base + dev->size };
}

static bool overlap(struct window a, struct window b)
{
	return a.start < b.end && b.start < a.end;
}

static void check_ram(struct cfg_ctx *c, int v, int d)
{
	const struct cfg_vm *vm = &c->out->vms[v];
	struct window ram = { vm->mem_base,
			      vm->mem_base + vm->mem_size_mib * CFG_MIB };
	struct window w = dev_window(&vm->devices[d]);

	if (c->ram_bad[v] || !overlap(ram, w))
		return;
	cfg_path_at(c, v, d, "base");
	cfg_report(c, CFG_E_OVERLAP, dev_key(c, v, d, "base"),
		   "window 0x%08llx..0x%08llx overlaps RAM 0x%08llx..0x%08llx",
		   (unsigned long long)w.start, (unsigned long long)w.end - 1,
		   (unsigned long long)ram.start, (unsigned long long)ram.end - 1);
}

static void check_devices(struct cfg_ctx *c, int v, int d)
{
	const struct cfg_vm *vm = &c->out->vms[v];
	struct window w = dev_window(&vm->devices[d]);

	for (int e = 0; e < d; e++) {
		struct window o = dev_window(&vm->devices[e]);

		if (c->dev_bad[v][e] || !overlap(w, o))
			continue;
		cfg_path_at(c, v, d, "base");
		cfg_report(c, CFG_E_OVERLAP, dev_key(c, v, d, "base"),
			   "window 0x%08llx..0x%08llx overlaps vms[%d].devices[%d]"
			   " (0x%08llx..0x%08llx)", (unsigned long long)w.start,
			   (unsigned long long)w.end - 1, v, e,
			   (unsigned long long)o.start,
			   (unsigned long long)o.end - 1);
	}
}

/* irq stays 0 unless it was read without error, so bad devices can join. */
static void check_irq(struct cfg_ctx *c, int v, int d)
{
	const struct cfg_vm *vm = &c->out->vms[v];
	uint32_t irq = vm->devices[d].irq;

	for (int e = 0; e < d && irq != 0; e++) {
		if (vm->devices[e].irq != irq)
			continue;
		cfg_path_at(c, v, d, "irq");
		cfg_report(c, CFG_E_DUP_IRQ, dev_key(c, v, d, "irq"),
			   "interrupt %u already used by vms[%d].devices[%d]",
			   irq, v, e);
		return;
	}
}

static bool same_mac_on_network(const struct cfg_device *a, const struct cfg_device *b)
{
	if (a->type != CFG_DEV_VIRTIO_NET || b->type != CFG_DEV_VIRTIO_NET ||
	    a->network < 0 || a->network != b->network)
		return false;
	for (int i = 0; i < 6; i++)
		if (a->guest_mac[i] != b->guest_mac[i])
			return false;
	return true;
}

/*
 * The switch learns a port by its MAC and drops a frame whose source is not
 * its port's: two NICs of one network with one MAC would take each other's
 * frames. The MAC compared is the one the NIC gets, guest_mac or its
 * default, so a guest_mac that copies another NIC's default is caught too;
 * reported at the later NIC's guest_mac (at its network without one).
 */
static void check_mac(struct cfg_ctx *c, int v, int d)
{
	const struct cfg_device *dev = &c->out->vms[v].devices[d];
	const uint8_t *m = dev->guest_mac;
	const char *key = dev_key(c, v, d, "guest_mac") != NULL ? "guest_mac" : "network";

	for (int w = 0; w <= v; w++) {
		int n = w < v ? (int)c->out->vms[w].device_count : d;

		for (int e = 0; e < n && c->vm_node[w] != NULL; e++) {
			if (!same_mac_on_network(dev, &c->out->vms[w].devices[e]))
				continue;
			cfg_path_at(c, v, d, key);
			cfg_report(c, CFG_E_DUP_NAME, dev_key(c, v, d, key),
				   "MAC %02x:%02x:%02x:%02x:%02x:%02x already used by"
				   " vms[%d].devices[%d] on network \"%s\"", m[0], m[1], m[2],
				   m[3], m[4], m[5], w, e, c->out->networks[dev->network].name);
			return;
		}
	}
}

static void check_vm_devices(struct cfg_ctx *c, int v)
{
	for (int d = 0; d < (int)c->out->vms[v].device_count; d++) {
		check_irq(c, v, d);
		check_mac(c, v, d);
		if (c->dev_bad[v][d])
			continue;
		check_ram(c, v, d);
		check_devices(c, v, d);
	}
}

static bool same_name(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* A name that failed its own check was cleared, and is skipped here. */
static void check_name(struct cfg_ctx *c, int v)
{
	const char *name = c->out->vms[v].name;

	for (int w = 0; w < v && name[0] != '\0'; w++) {
		if (!same_name(name, c->out->vms[w].name))
			continue;
		cfg_path_at(c, v, -1, "name");
		cfg_report(c, CFG_E_DUP_NAME, cfg_member(c->vm_node[v], "name"),
			   "name \"%s\" already used by vms[%d]", name, w);
		return;
	}
}

static void check_file(struct cfg_ctx *c, int v, int d, const char *key,
		       const char *path)
{
	const cJSON *obj = d < 0 ? c->vm_node[v] : c->dev_node[v][d];

	if (path[0] == '\0' || c->lim->file_exists(c->lim->file_ctx, path))
		return;
	cfg_path_at(c, v, d, key);
	cfg_report(c, CFG_E_NO_FILE, cfg_member(obj, key), "file not found: %s",
		   path);
}

/* Not firmware_vars_path: make run makes it when it is missing (mkblobs). */
static void check_vm_files(struct cfg_ctx *c, int v)
{
	const struct cfg_vm *vm = &c->out->vms[v];

	check_file(c, v, -1, vm->firmware ? "firmware_path" : "kernel_image_path",
		   vm->kernel_image_path);
	check_file(c, v, -1, "initrd_path", vm->initrd_path);
	check_file(c, v, -1, "dtb_path", vm->dtb_path);
	for (int d = 0; d < (int)vm->device_count; d++)
		if (vm->devices[d].type == CFG_DEV_VIRTIO_BLK)
			check_file(c, v, d, "path_on_host",
				   vm->devices[d].path_on_host);
}

/* VM v's RAM on top of total, if it fits under the limit (0: none). */
static bool take_memory(struct cfg_ctx *c, int v, uint64_t *total)
{
	uint64_t need = c->out->vms[v].mem_size_mib * CFG_MIB;
	uint64_t limit = c->lim->phys_mem_bytes;

	if (limit == 0 || need <= limit - *total) {
		*total += need;
		return true;
	}
	cfg_path_at(c, v, -1, "mem_size_mib");
	cfg_report(c, CFG_E_TOO_MUCH_MEMORY,
		   cfg_member(c->vm_node[v], "mem_size_mib"),
		   "%u MiB more would bring VM RAM to %llu MiB; the machine"
		   " has %llu MiB", c->out->vms[v].mem_size_mib,
		   (unsigned long long)((*total + need) / CFG_MIB),
		   (unsigned long long)(limit / CFG_MIB));
	return false;
}

/*
 * Runs last. Every VM is held to the machine's rules for one VM (a server
 * for every device, ...); then the VMs still valid are admitted in file
 * order, as root builds them: each must fit the RAM total and, with a
 * machine, be among the VMs root builds and have its memory carved. One
 * that fails is refused; later ones may still be admitted (a smaller one
 * may still fit).
 */
static void check_admission(struct cfg_ctx *c)
{
	struct cfg_carver *k = cfg_machine_begin(c);
	uint64_t total = 0;

	/* A VM's own rules first, on every VM: all its reasons are shown. */
	for (int v = 0; v < (int)c->out->vm_count; v++)
		if (c->vm_node[v] != NULL)
			cfg_machine_vm(c, v);
	for (int v = 0; v < (int)c->out->vm_count; v++) {
		if (c->vm_errors[v] != 0 || c->vm_node[v] == NULL)
			continue;
		if (take_memory(c, v, &total))
			cfg_machine_admit(c, k, v);
	}
}

void cfg_check_system(struct cfg_ctx *c)
{
	for (int v = 0; v < (int)c->out->vm_count; v++) {
		if (c->vm_node[v] == NULL)
			continue;       /* not an object: already reported */
		check_vm_devices(c, v);
		check_name(c, v);
		if (c->lim->file_exists != NULL)
			check_vm_files(c, v);
	}
	check_admission(c);
	cfg_path_pop(c, 0);
	c->vm = -1;
}
