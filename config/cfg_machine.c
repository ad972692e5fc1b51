/*
 * cfg_machine.c — what root builds: the rules the root server applies to a
 * VM the loader accepted, run here so that check-config (host) and root
 * (target) share them (docs/config.md, "What the machine runs").
 *
 *   - every device needs a server program (the type table, cfg_device.c);
 *   - a VMM takes at most CFG_VM_MAX_VCPUS vCPUs (cfg_max_vcpus), a
 *     command line of less than CFG_VM_CMDLINE_MAX bytes, at most
 *     CFG_VM_RAM_MAX_MIB of RAM and, where file sizes are known, images
 *     up to CFG_VM_IMAGE_MAX, CFG_VM_INITRD_MAX and CFG_VM_DTB_MAX, and a
 *     firmware_vars_path file that exists of exactly CFG_FLASH_VARS_BYTES;
 *   - root builds at most machine->max_vms VMs, the first valid ones;
 *   - on a machine of known size (check-config --machine-mib), each VM's
 *     memory must be carved as root carves it (boot/root.c
 *     root_pool_carve): its RAM plus CFG_VM_CARVE_EXTRA, rounded up to
 *     2 MiB, split into at most CFG_CARVE_MAX_PIECES power-of-two pieces,
 *     largest first, each taken first-fit, aligned to its size, from the
 *     machine's free RAM cut into naturally aligned power-of-two blocks
 *     (kernel/boot.c root_untyped).
 *
 * The free RAM of the model: [RAM base + CFG_MACHINE_KEEP, the blob
 * manifest), less QEMU's device tree (cfg_arch_dtb), where the manifest
 * lies below the boot blobs mkblobs packs at the top of RAM (the config
 * file and every distinct kernel, initrd and dtb file, each rounded up to
 * 2 MiB, stepping over the device tree: cfg_blob_below; disk files, a
 * firmware_vars_path too, are QEMU drives, not blobs). RAM base and the
 * tree's place are the arch's profile's (cfg_arch.c). The
 * first CFG_MACHINE_KEEP bytes hold the kernel and root's own objects;
 * root also carves from what of them is free, so the model may refuse a
 * VM root could just squeeze in, never admit one root cannot build.
 */
#include "cfg_internal.h"

#define LARGE_BITS 21u                  /* a carve piece is >= 2 MiB */
#define UNTYPED_MAX_BITS 47u            /* keel/abi.h KEEL_UNTYPED_MAX_BITS */
#define MODEL_MAX_BLOCKS 128u

struct block {
	uint64_t base, end, next;       /* next: the watermark */
};

struct cfg_carver {
	bool model;                     /* a machine of known RAM */
	uint32_t built;                 /* VMs admitted */
	unsigned nblocks;
	uint64_t free_bytes;            /* all blocks at the start */
	uint64_t carved;                /* taken from them since (lost too) */
	uint64_t blob_low;              /* lowest blob; 0: blobs do not fit */
	struct block block[MODEL_MAX_BLOCKS];
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

uint64_t cfg_vm_carve_bytes(uint64_t ram_bytes)
{
	return align_up(ram_bytes + CFG_VM_CARVE_EXTRA, CFG_VM_CARVE_ALIGN);
}

uint64_t cfg_blob_slot(uint64_t size)
{
	return size == 0 ? CFG_BLOB_ALIGN : align_up(size, CFG_BLOB_ALIGN);
}

uint32_t cfg_max_vcpus(const struct cfg_limits *lim)
{
	if (lim->machine != NULL && lim->max_vcpus > CFG_VM_MAX_VCPUS)
		return CFG_VM_MAX_VCPUS;
	return lim->max_vcpus;
}

/* ---- the machine's free RAM ------------------------------------------- */

/* [base, end) as naturally aligned power-of-two blocks of >= 2 MiB, in
 * address order, as the kernel cuts root's untyped memory. */
static void cut_blocks(struct cfg_carver *k, uint64_t base, uint64_t end)
{
	base = align_up(base, UINT64_C(1) << LARGE_BITS);
	while (base < end && k->nblocks < MODEL_MAX_BLOCKS) {
		unsigned bits = UNTYPED_MAX_BITS;

		while (bits > LARGE_BITS && ((base & ((UINT64_C(1) << bits) - 1)) ||
					     base + (UINT64_C(1) << bits) > end))
			bits--;
		if (base + (UINT64_C(1) << bits) > end)
			return;
		k->block[k->nblocks++] = (struct block){
			base, base + (UINT64_C(1) << bits), base };
		k->free_bytes += UINT64_C(1) << bits;
		base += UINT64_C(1) << bits;
	}
}

static bool same_str(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Has a blob named like path's file already been counted? (mkblobs
 * makes one blob per file name.) */
static bool blob_seen(const struct cfg_system *sys, size_t v, size_t f,
		      const char *path)
{
	for (size_t w = 0; w <= v; w++) {
		const struct cfg_vm *vm = &sys->vms[w];
		const char *paths[] = { vm->kernel_image_path, vm->initrd_path,
					vm->dtb_path };

		for (size_t g = 0; g < 3 && (w < v || g < f); g++)
			if (paths[g][0] != '\0' &&
			    same_str(cfg_file_name(paths[g]), cfg_file_name(path)))
				return true;
	}
	return false;
}

/* The lowest address mkblobs gives a blob (or the manifest), as tools/
 * mkblobs.c lays them out from the top of RAM; 0 if they do not fit. */
static uint64_t blobs_low(const struct cfg_ctx *c)
{
	const struct cfg_machine *m = c->lim->machine;
	const struct cfg_arch *a = cfg_arch_of(c->lim);
	const struct cfg_system *sys = c->out;
	uint64_t low = cfg_blob_below(a, m->ram_bytes, a->ram_base + m->ram_bytes,
				      cfg_blob_slot(c->len), CFG_BLOB_ALIGN), size;
	unsigned n = 1;

	for (size_t v = 0; v < sys->vm_count && low != 0; v++) {
		const struct cfg_vm *vm = &sys->vms[v];
		const char *paths[] = { vm->kernel_image_path, vm->initrd_path,
					vm->dtb_path };

		for (size_t f = 0; f < 3 && low != 0; f++) {
			if (paths[f][0] == '\0' || blob_seen(sys, v, f, paths[f]))
				continue;
			size = 0;
			if (m->file_size == NULL ||
			    !m->file_size(c->lim->file_ctx, paths[f], &size))
				size = 0;       /* unknown: one slot at least */
			low = cfg_blob_below(a, m->ram_bytes, low, cfg_blob_slot(size),
					     CFG_BLOB_ALIGN);
			n++;
		}
	}
	if (low == 0 || n > CFG_BLOB_MAX)
		return 0;
	return cfg_blob_below(a, m->ram_bytes, low,
			      CFG_BLOB_HEADER_BYTES + (uint64_t)n * CFG_BLOB_ENTRY_BYTES,
			      CFG_BLOB_MANIFEST_ALIGN);
}

static void model_build(struct cfg_ctx *c, struct cfg_carver *k)
{
	const struct cfg_arch *a = cfg_arch_of(c->lim);
	uint64_t ram = c->lim->machine->ram_bytes;
	uint64_t keep = a->ram_base + CFG_MACHINE_KEEP, dtb, dtb_end;

	cfg_arch_dtb(a, ram, &dtb, &dtb_end);
	k->model = true;
	k->blob_low = ram > CFG_MACHINE_KEEP ? blobs_low(c) : 0;
	if (k->blob_low == 0)
		return;
	if (dtb_end <= keep || dtb >= k->blob_low) {
		cut_blocks(k, keep, k->blob_low);
		return;
	}
	cut_blocks(k, keep, dtb > keep ? dtb : keep);
	cut_blocks(k, dtb_end, k->blob_low);
}

struct cfg_carver *cfg_machine_begin(struct cfg_ctx *c)
{
	static struct cfg_carver k;     /* ~3 KiB: off small stacks */

	k = (struct cfg_carver){ .model = false };
	if (c->lim->machine != NULL && c->lim->machine->ram_bytes != 0)
		model_build(c, &k);
	return &k;
}

/* ---- one VM ------------------------------------------------------------ */

static bool check_vmm_limits(struct cfg_ctx *c, int v)
{
	const struct cfg_vm *vm = &c->out->vms[v];
	bool ok = true;
	size_t n = 0;

	while (vm->boot_args[n] != '\0')
		n++;
	if (n >= CFG_VM_CMDLINE_MAX) {
		cfg_path_at(c, v, -1, "boot_args");
		cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], "boot_args"),
			   "%zu bytes; a VMM passes at most %u to its guest", n,
			   CFG_VM_CMDLINE_MAX - 1);
		ok = false;
	}
	if (vm->mem_size_mib > CFG_VM_RAM_MAX_MIB) {
		cfg_path_at(c, v, -1, "mem_size_mib");
		cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], "mem_size_mib"),
			   "%u MiB; a VMM maps at most %u MiB of guest RAM",
			   vm->mem_size_mib, CFG_VM_RAM_MAX_MIB);
		ok = false;
	}
	return ok;
}

/* A file the VMM maps must fit its window (sizes known on the host). */
static bool check_file_size(struct cfg_ctx *c, int v, const char *key,
			    const char *path, uint64_t max)
{
	const struct cfg_machine *m = c->lim->machine;
	uint64_t size;

	if (path[0] == '\0' || m->file_size == NULL ||
	    !m->file_size(c->lim->file_ctx, path, &size) || size <= max)
		return true;
	cfg_path_at(c, v, -1, key);
	cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], key),
		   "%s is %llu bytes; a VMM maps at most %llu", path,
		   (unsigned long long)size, (unsigned long long)max);
	return false;
}

/* firmware_vars_path is bank 1 byte for byte, so it must be exactly its
 * size; a file that does not exist yet (file_size false) is no error:
 * make run makes it (tools/mkblobs.c). */
static bool check_vars_size(struct cfg_ctx *c, int v)
{
	const struct cfg_machine *m = c->lim->machine;
	const char *path = c->out->vms[v].firmware_vars_path;
	uint64_t size;

	if (path[0] == '\0' || m->file_size == NULL ||
	    !m->file_size(c->lim->file_ctx, path, &size) || size == CFG_FLASH_VARS_BYTES)
		return true;
	cfg_path_at(c, v, -1, "firmware_vars_path");
	cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], "firmware_vars_path"),
		   "%s is %llu bytes; the flash's bank 1 is %llu (%llu MiB)", path,
		   (unsigned long long)size, (unsigned long long)CFG_FLASH_VARS_BYTES,
		   (unsigned long long)(CFG_FLASH_VARS_BYTES / CFG_MIB));
	return false;
}

static bool check_file_sizes(struct cfg_ctx *c, int v)
{
	const struct cfg_vm *vm = &c->out->vms[v];
	bool ok = vm->firmware ?
		check_file_size(c, v, "firmware_path", vm->kernel_image_path, CFG_FIRMWARE_MAX) :
		check_file_size(c, v, "kernel_image_path", vm->kernel_image_path,
				CFG_VM_IMAGE_MAX);

	ok = check_file_size(c, v, "initrd_path", vm->initrd_path,
			     CFG_VM_INITRD_MAX) && ok;
	ok = check_vars_size(c, v) && ok;
	return check_file_size(c, v, "dtb_path", vm->dtb_path,
			       CFG_VM_DTB_MAX) && ok;
}

/* A raw image's bytes lie inside RAM below the device tree's region and
 * hold the entry point (an Image's header is checked by the VMM). */
static bool check_raw_image(struct cfg_ctx *c, int v)
{
	const struct cfg_machine *m = c->lim->machine;
	const struct cfg_vm *vm = &c->out->vms[v];
	uint64_t size, ram_end = vm->mem_base + (uint64_t)vm->mem_size_mib * CFG_MIB;
	uint64_t room = ram_end - CFG_VM_DTB_REGION;

	if (!vm->raw_image || m->file_size == NULL ||
	    !m->file_size(c->lim->file_ctx, vm->kernel_image_path, &size))
		return true;
	if (vm->kernel_load_addr < room && size <= room - vm->kernel_load_addr &&
	    vm->entry_point - vm->kernel_load_addr < size)
		return true;
	if (vm->entry_point - vm->kernel_load_addr >= size) {
		cfg_path_at(c, v, -1, "entry_point");
		cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], "entry_point"),
			   "entry_point 0x%llx is not inside the %llu-byte image"
			   " loaded at 0x%llx", (unsigned long long)vm->entry_point,
			   (unsigned long long)size,
			   (unsigned long long)vm->kernel_load_addr);
	} else {
		cfg_path_at(c, v, -1, "kernel_load_addr");
		cfg_report(c, CFG_E_RANGE, cfg_member(c->vm_node[v], "kernel_load_addr"),
			   "the %llu-byte image at 0x%llx runs into the device"
			   " tree's last 2 MiB of RAM (from 0x%llx)",
			   (unsigned long long)size,
			   (unsigned long long)vm->kernel_load_addr,
			   (unsigned long long)room);
	}
	return false;
}

/* An image the VMM would refuse (not its format, too large for RAM, no
 * room for the device tree or the initrd), in the VMM's words. */
static bool check_image(struct cfg_ctx *c, int v)
{
	const struct cfg_machine *m = c->lim->machine;
	const struct cfg_vm *vm = &c->out->vms[v];
	const char *why;

	if (m->image_check == NULL || vm->kernel_image_path[0] == '\0' || vm->firmware ||
	    (why = m->image_check(c->lim->file_ctx, vm)) == NULL)
		return true;
	cfg_path_at(c, v, -1, "kernel_image_path");
	cfg_report(c, CFG_E_VALUE, cfg_member(c->vm_node[v], "kernel_image_path"),
		   "%s: %s", vm->kernel_image_path, why);
	return false;
}

/* Every device's server program is built for the arch (riscv64 has no
 * vrng: its profile's no_servers, arch/riscv64/arch.mk ARCH_NO_PROGS). */
static bool check_servers(struct cfg_ctx *c, int v)
{
	const struct cfg_arch *a = cfg_arch_of(c->lim);
	const struct cfg_vm *vm = &c->out->vms[v];
	bool ok = true;

	for (size_t d = 0; d < vm->device_count; d++) {
		const char *server = cfg_dev_server(vm->devices[d].type);

		if (server == NULL || cfg_arch_builds(a, server))
			continue;
		cfg_path_at(c, v, (int)d, "type");
		cfg_report(c, CFG_E_VALUE, cfg_member(c->dev_node[v][d], "type"),
			   "%s has no device server on %s (%s is not built there)",
			   cfg_dev_type_name(vm->devices[d].type), a->name, server);
		ok = false;
	}
	return ok;
}

bool cfg_machine_vm(struct cfg_ctx *c, int v)
{
	bool ok;

	if (c->lim->machine == NULL)
		return true;
	ok = check_servers(c, v);
	ok = check_file_sizes(c, v) && ok;
	ok = check_raw_image(c, v) && ok;
	ok = check_image(c, v) && ok;
	return check_vmm_limits(c, v) && ok;
}

/* ---- admission: the VM count and the carve ------------------------------ */

/* One piece of 1 << bits, first-fit, aligned to its size. */
static bool carve_piece(struct cfg_carver *k, unsigned bits)
{
	uint64_t size = UINT64_C(1) << bits;

	for (unsigned i = 0; i < k->nblocks; i++) {
		struct block *b = &k->block[i];
		uint64_t at = align_up(b->next, size);

		if (at >= b->next && at <= b->end && b->end - at >= size) {
			b->next = at + size;
			k->carved += size;
			return true;
		}
	}
	return false;
}

/* As root_pool_carve: power-of-two pieces, largest first, a size no block
 * has taken in halves, at most CFG_CARVE_MAX_PIECES; the pieces taken
 * before it fails stay taken. *missing: the bytes left uncarved. */
static bool carve(struct cfg_carver *k, uint64_t bytes, uint64_t *missing)
{
	unsigned bits = UNTYPED_MAX_BITS, pieces = 0;

	while (bytes && bits >= LARGE_BITS) {
		bool took = false;

		if (bytes >= (UINT64_C(1) << bits)) {
			if (pieces == CFG_CARVE_MAX_PIECES)
				break;
			took = carve_piece(k, bits);
		}
		if (!took) {
			bits--;
			continue;
		}
		pieces++;
		bytes -= UINT64_C(1) << bits;
	}
	*missing = bytes;
	return bytes == 0;
}

static void report_carve(struct cfg_ctx *c, const struct cfg_carver *k, int v,
			 uint64_t bytes, uint64_t missing, uint64_t before)
{
	const struct cfg_machine *m = c->lim->machine;
	const struct cfg_vm *vm = &c->out->vms[v];
	unsigned long long mib = m->ram_bytes / CFG_MIB;

	cfg_path_at(c, v, -1, "mem_size_mib");
	if (k->blob_low == 0)
		cfg_report(c, CFG_E_NO_ROOM, cfg_member(c->vm_node[v], "mem_size_mib"),
			   "a %llu MiB machine has no room for VMs: the boot blobs"
			   " do not fit above its first %llu MiB", mib,
			   (unsigned long long)(CFG_MACHINE_KEEP / CFG_MIB));
	else if (before + bytes > k->free_bytes)
		cfg_report(c, CFG_E_NO_ROOM, cfg_member(c->vm_node[v], "mem_size_mib"),
			   "%u MiB of RAM + %llu MiB for its servers would bring"
			   " the VMs' memory to %llu MiB; a %llu MiB machine has"
			   " %llu MiB for VMs", vm->mem_size_mib,
			   (unsigned long long)((bytes - vm->mem_size_mib * CFG_MIB) / CFG_MIB),
			   (unsigned long long)((before + bytes) / CFG_MIB), mib,
			   (unsigned long long)(k->free_bytes / CFG_MIB));
	else
		cfg_report(c, CFG_E_NO_ROOM, cfg_member(c->vm_node[v], "mem_size_mib"),
			   "root carves %llu MiB (RAM + servers) in at most %u"
			   " power-of-two blocks, each aligned to its size; %llu"
			   " MiB of it finds no room on a %llu MiB machine",
			   (unsigned long long)(bytes / CFG_MIB), CFG_CARVE_MAX_PIECES,
			   (unsigned long long)(missing / CFG_MIB), mib);
}

bool cfg_machine_admit(struct cfg_ctx *c, struct cfg_carver *k, int v)
{
	const struct cfg_machine *m = c->lim->machine;
	uint64_t bytes, missing = 0, before = k->carved;

	if (m == NULL)
		return true;
	if (k->built >= m->max_vms) {
		cfg_path_at(c, v, -1, NULL);
		cfg_report(c, CFG_E_LIMIT, c->vm_node[v],
			   "root builds at most %u VMs: this would be one more",
			   m->max_vms);
		return false;
	}
	bytes = cfg_vm_carve_bytes(c->out->vms[v].mem_size_mib * CFG_MIB +
				   (c->out->vms[v].firmware ? CFG_FLASH_CARVE_BYTES : 0));
	if (k->model && (k->blob_low == 0 || !carve(k, bytes, &missing))) {
		report_carve(c, k, v, bytes, missing, before);
		return false;
	}
	k->built++;
	return true;
}
