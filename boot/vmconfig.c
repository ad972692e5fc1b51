/*
 * VM configuration on the target: the JSON config -> struct vm_spec.
 *
 * The loader (config/, the same sources check-config uses) does the
 * checking and reports every error located; this file prints those errors,
 * adds what only the target knows (the RAM left for guests, which device
 * kinds have a server program, how many VMs root can build) and fills a
 * spec for each VM that passes. A VM with any problem is refused with a
 * reason, the others are kept (docs/config.md, "Which VMs start").
 *
 * Root has no malloc (brk and mmap fail: docs/libc.md), so cJSON allocates
 * from a static arena that is emptied before every parse; the loader frees
 * the tree before cfg_parse() returns, so nothing outlives it.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <keel/config.h>
#include <keel/flash.h>
#include <keel/print.h>

#include "root.h"
#include "vmconfig.h"

_Static_assert(sizeof(((struct vm *)0)->name) == CFG_NAME_MAX, "root keeps a config's whole VM name");

#define HEAP_ALIGN 16u

/* fill_spec copies every device the loader accepts into a vm_spec. */
_Static_assert(CFG_MAX_DEVICES <= KEEL_VMM_MAX_DEVICES, "vm_spec holds every config device");
/* The loader's machine rules (keel/config.h) are root's limits. */
_Static_assert(CFG_VM_MAX_VCPUS == KEEL_VMM_MAX_VCPUS && CFG_ROOT_MAX_VMS == VM_MAX &&
		       ((uint64_t)CFG_VM_RAM_MAX_MIB << 20) == KEEL_VMM_RAM_MAX &&
		       CFG_VM_CMDLINE_MAX == sizeof(((struct keel_vm_info *)0)->cmdline) &&
		       CFG_VM_IMAGE_MAX == KEEL_VMM_IMAGE_MAX && CFG_VM_INITRD_MAX == KEEL_VMM_INITRD_MAX &&
		       CFG_VM_DTB_MAX == KEEL_VMM_DTB_MAX,
	       "keel/config.h's machine rules match root's");

static _Alignas(HEAP_ALIGN) unsigned char heap[VMCONFIG_HEAP_BYTES];
static size_t heap_used;
static bool heap_short;

/* The parsed config: the specs' strings point into it. */
static struct cfg_system sys;
static struct cfg_errors errs;
static struct srv_policy vm_policy[CFG_MAX_VMS];
static struct srv_policy dev_policy[CFG_MAX_VMS][CFG_MAX_DEVICES];

static void *heap_alloc(size_t n)
{
	size_t need = (n + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
	void *p;
	if (need == 0)
		need = HEAP_ALIGN; /* malloc(0) may return a unique pointer */
	if (need < n || need > sizeof(heap) - heap_used) {
		heap_short = true;
		return NULL;
	}
	p = heap + heap_used;
	heap_used += need;
	return p;
}

/* Nothing to do: the whole arena is dropped before the next parse. */
static void heap_free(void *p)
{
	(void)p;
}

static void print_errors(size_t n)
{
	char line[CFG_KEYPATH_MAX + CFG_DETAIL_MAX + 300];
	for (size_t i = 0; i < n && i < CFG_MAX_ERRORS; i++) {
		cfg_error_format(&errs, i, line, sizeof(line));
		kprintf("%s\n", line);
	}
	if (n > CFG_MAX_ERRORS)
		kprintf("%s: %lu more errors not shown\n", errs.file,
			(unsigned long)(n - CFG_MAX_ERRORS));
}

/* The VM description's kind of a config device type: the UARTs are
 * their own, every virtio type is a virtio-mmio transport. */
static uint32_t vm_dev_kind(enum cfg_dev_type type)
{
	if (type == CFG_DEV_PL011)
		return KEEL_VM_DEV_PL011;
	return type == CFG_DEV_NS16550 ? KEEL_VM_DEV_NS16550 : KEEL_VM_DEV_VIRTIO;
}

static struct srv_policy policy_of(const struct cfg_restart *r)
{
	return (struct srv_policy){ .never = r->policy == CFG_RESTART_NEVER,
				    .max_restarts = r->max_restarts,
				    .window_ms = r->window_ms,
				    .backoff_ms = r->backoff_ms };
}

/* Why VM v cannot start on this target, or NULL. What root builds (a
 * server for every device, at most max VMs, a VMM's limits) the loader
 * checks with the rules check-config uses (config/cfg_machine.c). */
static const char *vm_refusal(unsigned v, unsigned taken, unsigned max)
{
	if (!sys.vms[v].valid)
		return "errors in the configuration (above)";
	/* cannot happen (the loader admits at most max): out[] stays in bounds */
	return taken < max ? NULL : "root builds no more VMs";
}

static void fill_spec(unsigned v, struct vm_spec *spec)
{
	const struct cfg_vm *vm = &sys.vms[v];
	memset(spec, 0, sizeof(*spec));
	spec->name = vm->name;
	spec->image = cfg_file_name(vm->kernel_image_path);
	spec->dtb = vm->dtb_path[0] != '\0' ? cfg_file_name(vm->dtb_path) : NULL;
	spec->ram_base = vm->mem_base;
	spec->ram_size = (uint64_t)vm->mem_size_mib << 20;
	spec->raw_image = vm->raw_image;
	spec->raw_load = vm->kernel_load_addr;
	spec->raw_entry = vm->entry_point;
	spec->vcpus = vm->vcpu_count;
	spec->initrd = vm->initrd_path[0] != '\0' ? cfg_file_name(vm->initrd_path) : NULL;
	spec->cmdline = vm->boot_args;
	vm_policy[v] = policy_of(&vm->restart);
	spec->restart = &vm_policy[v];
	spec->ndev = (unsigned)vm->device_count;
	for (unsigned d = 0; d < spec->ndev; d++) {
		const struct cfg_device *dev = &vm->devices[d];
		dev_policy[v][d] = policy_of(&dev->restart);
		spec->dev[d] = (struct vm_dev_spec){ .prog = cfg_dev_server(dev->type),
			.kind = vm_dev_kind(dev->type),
			.base = dev->base, .size = dev->size, .intid = dev->irq,
			.restart = &dev_policy[v][d],
			.disk = dev->type == CFG_DEV_VIRTIO_BLK ? (int)cfg_disk_index(&sys, v, (int)d) : -1,
			.read_only = dev->is_read_only, .rng = dev->type == CFG_DEV_VIRTIO_RNG,
			.hvc = dev->type == CFG_DEV_VIRTIO_CONSOLE,
			.net_name = dev->type == CFG_DEV_VIRTIO_NET && dev->network >= 0
					    ? sys.networks[dev->network].name : NULL };
		memcpy(spec->dev[d].mac, dev->guest_mac, 6);
		spec->dev[d].uplink = spec->dev[d].net_name && sys.networks[dev->network].uplink;
	}
	spec->firmware = vm->firmware; /* its flash: one more device (the loader left room) */
	if (vm->firmware && spec->ndev < KEEL_VMM_MAX_DEVICES)
		spec->dev[spec->ndev++] = (struct vm_dev_spec){ .prog = "flash",
			.kind = KEEL_VM_DEV_FLASH, .base = KEEL_FLASH_BASE,
			.size = KEEL_FLASH_BANKS * KEEL_FLASH_BANK_SIZE,
			.disk = vm->firmware_vars_path[0] ? (int)cfg_disk_index(&sys, v, -1) : -1 };
}

/* A file the config names is a boot blob, known by its file name
 * (mkblobs): its size, for the loader's checks that need one (a file
 * too large for the VMM's window, a raw image's entry point and its room
 * below the device tree), so that root refuses such a VM located and in
 * check-config's words. A file that is no blob (a vars file, a disk) is
 * unknown, as to check-config a file that does not exist. */
static bool vmconfig_file_size(void *ctx, const char *path, uint64_t *size)
{
	const struct keel_boot_module *m = srv_module(cfg_file_name(path));
	(void)ctx;
	if (!m)
		return false;
	*size = m->size;
	return true;
}

const struct cfg_errors *vmconfig_errors(void)
{
	return &errs;
}

unsigned vmconfig_load(const char *file, const char *text, size_t len, uint64_t avail_bytes,
		       struct vm_spec *out, unsigned max)
{
	struct cJSON_Hooks hooks = { .malloc_fn = heap_alloc, .free_fn = heap_free };
	struct cfg_machine machine = { .max_vms = max, .file_size = vmconfig_file_size };
	struct cfg_limits lim = { .max_vcpus = KEEL_VMM_MAX_VCPUS,
				  .phys_mem_bytes = avail_bytes, .machine = &machine,
				  .arch = root_arch_cfg() };
	unsigned taken = 0;
	size_t n;

	heap_used = 0;
	heap_short = false;
	cJSON_InitHooks(&hooks);
	n = cfg_parse(file, text, len, &lim, &sys, &errs);
	if (heap_short)
		kprintf("[root] config: %s needs more than %u KiB to parse\n", file,
			VMCONFIG_HEAP_BYTES / 1024);
	print_errors(n);
	for (unsigned v = 0; v < sys.vm_count; v++) {
		const char *no = vm_refusal(v, taken, max);
		if (no) {
			kprintf("[root] VM %s not started: %s\n",
				sys.vms[v].name[0] ? sys.vms[v].name : "(unnamed)", no);
			continue;
		}
		fill_spec(v, &out[taken++]);
	}
	kprintf("[root] config: %u of %lu VMs valid\n", taken, (unsigned long)sys.vm_count);
	return taken;
}
