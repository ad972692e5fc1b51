/*
 * Building a VM (docs/vm.md). Root makes every object and keeps every
 * original capability; each server gets only what its job needs:
 *
 *   vCPU thread   (one per vCPU i, on CPU (spec->cpu + i) % CPUs) its
 *                 stage-2 vspace, its VCPU, a fault endpoint that is the
 *                 VMM's exit endpoint badged KEEL_VMM_BADGE_VCPU(i); no
 *                 CNode, no IPC buffer
 *   VMM           the exit endpoint, each vCPU's thread and VCPU, device
 *                 endpoints, and mappings (not capabilities) of the VM
 *                 description, the guest image and guest RAM
 *   device        its endpoint and its state page
 *
 * Guest RAM is made of 2 MiB frames (stage-2 blocks) when its base and
 * size allow, else of 4 KiB pages. The frames live in a per-VM store
 * CNode: each is made in a scratch slot of root's CNode, mapped into the
 * stage-2 space (the original) and the VMM (a copy), then both are moved
 * into the store. A guest image or initrd that came as a boot blob is not
 * copied: the VMM maps read-only copies of the blob's frames; one packed
 * into the kernel image (test guests) is copied into fresh pages.
 *
 * Root's view of VM n's description and image (its own address space):
 *
 *   ROOT_VM_VIEW + n * ROOT_VM_VIEW_SIZE + 0          struct keel_vm_info
 *   ROOT_VM_VIEW + n * ROOT_VM_VIEW_SIZE + VIEW_IMAGE the image's pages
 *   ... + VIEW_INITRD, VIEW_DTB            the initrd's, a supplied tree's
 *   (only files packed into the kernel image are copied through these)
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/config.h>
#include <keel/flash.h>
#include <keel/object.h>
#include <keel/print.h>

#include "blkdrv.h"
#include "console.h" /* h-console */
#include "net.h"     /* h-net */
#include "vm.h"

#define ROOT_VM_VIEW 0x2000000000ull /* below ROOT_WINDOW_BASE (root.h) */
#define ROOT_VM_VIEW_SIZE 0x100000000ull
#define VIEW_IMAGE ROOT_PAGE_SIZE
#define VIEW_INITRD (ROOT_VM_VIEW_SIZE / 2) /* image, initrd: up to 1 GiB each */
#define VIEW_DTB (ROOT_VM_VIEW_SIZE / 4 * 3)
#define LARGE (1ull << KEEL_LARGE_PAGE_BITS)
#define VCPU_PRIO 100u /* below its VMM: an exit is answered at once */
#define RWX KEEL_R_ALL
#define RW (KEEL_R_READ | KEEL_R_WRITE)

static struct vm vms[VM_MAX];
static unsigned nvms;
static uint64_t scratch[2]; /* root slots a frame passes through */

/* The boot modules (or blobs) a VM's spec names. */
struct vm_files {
	const struct keel_boot_module *image, *initrd, *dtb;
};

static uint64_t units(uint64_t bytes, uint64_t unit)
{
	return (bytes + unit - 1) / unit;
}

/* Frame size for guest RAM: large when base and size allow. */
static unsigned ram_frame_bits(const struct vm_spec *spec)
{
	return (spec->ram_base | spec->ram_size) % LARGE ? KEEL_PAGE_BITS : KEEL_LARGE_PAGE_BITS;
}

/* Capabilities the store keeps for a file: one per blob frame, or two per
 * copied page. */
static uint64_t file_caps(const struct keel_boot_module *m)
{
	return !m ? 0 : m->frame_count ? m->frame_count : 2 * units(m->size, ROOT_PAGE_SIZE);
}

static bool vm_store(struct vm *vm, uint64_t ncaps)
{
	unsigned bits = KEEL_CNODE_MIN_BITS;
	while (bits < KEEL_CNODE_MAX_BITS && (1ull << bits) < ncaps)
		bits++;
	if ((1ull << bits) < ncaps)
		return false;
	vm->store = root_alloc(KEEL_OBJ_CNODE, bits);
	return vm->store != 0;
}

/* A RAM frame's place: the physical range, and the guest- to host-physical
 * table its block drivers check segments against (keel/blk.h), a frame
 * contiguous with the last range in both joining it. False if the table
 * is full (a VM's RAM comes from at most ROOT_CARVE_MAX pieces). */
static bool vm_note_ram(struct vm *vm, uint64_t frame, uint64_t gpa, uint64_t size)
{
	struct keel_blk_ram_table *t = &vm->ram;
	struct keel_blk_ram *last = t->n ? &t->r[t->n - 1] : NULL;
	uint64_t pa;
	if (keel_frame_address(frame, &pa) != KEEL_OK)
		return false;
	if (!vm->ram_pa_hi || pa < vm->ram_pa_lo)
		vm->ram_pa_lo = pa;
	if (pa + size > vm->ram_pa_hi)
		vm->ram_pa_hi = pa + size;
	if (last && last->gpa + last->size == gpa && last->pa + last->size == pa) {
		last->size += size;
		return true;
	}
	if (t->n == KEEL_BLK_RAM_MAX) { /* only a disk needs the table: vm_device refuses one */
		vm->ram_split = true;
		return true;
	}
	t->r[t->n++] = (struct keel_blk_ram){ .gpa = gpa, .pa = pa, .size = size };
	return true;
}

/* A new frame (1 << bits bytes) in scratch[0], mapped at va in vspace; its
 * copy with vmm_rights in scratch[1], mapped at vmm_va in the VMM. Then
 * both go to the store. fill (a page) is copied in through va. */
static bool vm_frame(struct vm *vm, unsigned bits, uint64_t vspace, uint64_t va,
		     unsigned rights, uint64_t vmm_va, unsigned vmm_rights, const void *fill)
{
	uint64_t a = scratch[0], b = scratch[1];
	if (root_alloc_at(KEEL_OBJ_FRAME, bits, KEEL_ROOT_CNODE, a) != KEEL_OK ||
	    root_frame_map(a, vspace, va, rights) != KEEL_OK)
		return false;
	if (vspace == vm->s2 && !vm_note_ram(vm, a, va, 1ull << bits))
		return false;
	if (fill)
		memcpy((void *)(uintptr_t)va, fill, ROOT_PAGE_SIZE);
	return keel_cnode_copy(KEEL_ROOT_CNODE, b, KEEL_ROOT_CNODE, a, vmm_rights) == KEEL_OK &&
	       root_frame_map(b, vm->vmm->vspace, vmm_va, vmm_rights) == KEEL_OK &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, a) == KEEL_OK &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, b) == KEEL_OK;
}

static bool vm_map_ram(struct vm *vm, const struct vm_spec *spec)
{
	unsigned bits = ram_frame_bits(spec);
	for (uint64_t off = 0; off < spec->ram_size; off += 1ull << bits)
		if (!vm_frame(vm, bits, vm->s2, spec->ram_base + off, RWX,
			      KEEL_VMM_RAM_VADDR + off, RW, NULL))
			return false;
	return true;
}

/* A blob's frames: a read-only copy of each, mapped at vmm_va on. */
static bool vm_map_blob(struct vm *vm, const struct keel_boot_module *m, uint64_t vmm_va)
{
	uint64_t b = scratch[1];
	for (uint32_t i = 0; i < m->frame_count; i++, vmm_va += LARGE)
		if (keel_cnode_copy(KEEL_ROOT_CNODE, b, KEEL_ROOT_CNODE, m->frame_first + i,
				    KEEL_R_READ) != KEEL_OK ||
		    root_frame_map(b, vm->vmm->vspace, vmm_va, KEEL_R_READ) != KEEL_OK ||
		    keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, b) != KEEL_OK)
			return false;
	return true;
}

/* A file for the VMM, read-only at vmm_va: a blob's own frames, or a
 * module packed in the kernel image copied page by page (the last padded
 * with zeros) through root's view at view_va. */
static bool vm_map_file(struct vm *vm, const struct keel_boot_module *m, uint64_t vmm_va,
			uint64_t view_va)
{
	static uint8_t tail[ROOT_PAGE_SIZE];
	const uint8_t *img = (const uint8_t *)(uintptr_t)m->vaddr;
	if (m->frame_count)
		return vm_map_blob(vm, m, vmm_va);
	for (uint64_t off = 0; off < m->size; off += ROOT_PAGE_SIZE) {
		const uint8_t *src = img + off;
		if (m->size - off < ROOT_PAGE_SIZE) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, src, m->size - off);
			src = tail;
		}
		if (!vm_frame(vm, KEEL_PAGE_BITS, KEEL_ROOT_VSPACE, view_va + off, RW,
			      vmm_va + off, KEEL_R_READ, src))
			return false;
	}
	return true;
}

/* Could device d have a post page (keel/abi.h, struct keel_post_page)?
 * The first routed UART of a VM (*uart: seen one): the kernel answers the
 * guest's FR (PL011) or LSR (16550) reads and queues its DR or THR writes
 * there, so printing a character costs no switch to the server; and a
 * routed virtio disk: its
 * InterruptStatus reads and InterruptACK writes, two of each request's
 * accesses (device-servers/virtio-blk/main.c). */
static bool vm_dev_may_post(const struct vm_spec *spec, unsigned d, bool *uart)
{
	const struct vm_dev_spec *x = &spec->dev[d];
	if (x->via_vmm || x->no_post)
		return false;
	if ((x->kind == KEEL_VM_DEV_PL011 || x->kind == KEEL_VM_DEV_NS16550) && !*uart)
		return *uart = true;
	return x->kind == KEEL_VM_DEV_VIRTIO && x->disk >= 0;
}

/* Those that do: a vCPU has KEEL_VCPU_POSTS at most, the first ones. */
static bool vm_dev_posts(const struct vm_spec *spec, unsigned d)
{
	bool uart = false;
	unsigned n = 0;
	for (unsigned e = 0; e < d; e++)
		n += vm_dev_may_post(spec, e, &uart);
	return vm_dev_may_post(spec, d, &uart) && n < KEEL_VCPU_POSTS;
}

static void vm_fill_info(struct vm *vm, const struct vm_spec *spec, const struct vm_files *f)
{
	struct keel_vm_info *info = (struct keel_vm_info *)(uintptr_t)vm->view;
	memset(info, 0, sizeof(*info));
	info->magic = KEEL_VM_INFO_MAGIC;
	snprintf(info->name, sizeof(info->name), "%s", spec->name);
	info->ram_base = spec->ram_base;
	info->ram_size = spec->ram_size;
	info->image_size = f->image->size;
	info->image_raw = spec->raw_image;
	info->raw_load = spec->raw_load;
	info->raw_entry = spec->raw_entry;
	info->firmware = spec->firmware;
	info->initrd_size = f->initrd ? f->initrd->size : 0;
	info->dtb_size = f->dtb ? f->dtb->size : 0;
	snprintf(info->cmdline, sizeof(info->cmdline), "%s", spec->cmdline ? spec->cmdline : "");
	info->vcpu_count = vm->nvcpus;
	info->dev_count = spec->ndev;
	for (unsigned d = 0; d < spec->ndev; d++)
		info->dev[d] = (struct keel_vm_dev){ .base = spec->dev[d].base,
			.size = spec->dev[d].size, .kind = spec->dev[d].kind,
			.intid = spec->dev[d].intid, .via_vmm = spec->dev[d].via_vmm,
			.post = vm_dev_posts(spec, d) };
	for (unsigned d = 0; d < spec->ndev; d++) /* h-vdev: console input to hvc0 */
		if (spec->dev[d].hvc && !info->input_dev)
			info->input_dev = d + 1;
}

/* The description page: root's view read-write, the VMM's read-only. */
static bool vm_map_info(struct vm *vm)
{
	uint64_t copy = root_alloc_slot();
	vm->info = root_alloc(KEEL_OBJ_FRAME, 0);
	return vm->info && copy && root_frame_map(vm->info, KEEL_ROOT_VSPACE, vm->view, RW) == KEEL_OK &&
	       keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, vm->info,
			       KEEL_R_READ) == KEEL_OK &&
	       root_frame_map(copy, vm->vmm->vspace, KEEL_VMM_INFO_VADDR, KEEL_R_READ) == KEEL_OK;
}

static long vcpu_bind(uint64_t tcb, uint64_t vcpu)
{
	uint64_t mr[6] = { vcpu, 0, 0, 0, 0, 0 };
	return keel_invoke(tcb, KEEL_TCB_BIND_VCPU, 1, mr);
}

/* vCPU i's thread: stage-2 space, VCPU, exits to the VMM badged with
 * its index; no CNode. Not started: the VMM resumes it. */
static bool vm_vcpu(struct vm *vm, unsigned i, unsigned cpu)
{
	uint64_t fault = root_alloc_slot();
	vm->vcpu[i] = root_alloc(KEEL_OBJ_VCPU, 0);
	vm->vcpu_tcb[i] = root_alloc(KEEL_OBJ_TCB, 0);
	if (!fault || !vm->vcpu[i] || !vm->vcpu_tcb[i] ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, fault, KEEL_ROOT_CNODE, vm->exit_ep, KEEL_R_WRITE,
			    KEEL_VMM_BADGE_VCPU(i)) != KEEL_OK)
		return false;
	return keel_tcb_configure(vm->vcpu_tcb[i], fault, 0, vm->s2, 0, 0) == KEEL_OK &&
	       vcpu_bind(vm->vcpu_tcb[i], vm->vcpu[i]) == KEEL_OK &&
	       keel_tcb_set_priority(vm->vcpu_tcb[i], VCPU_PRIO) == KEEL_OK &&
	       keel_tcb_set_affinity(vm->vcpu_tcb[i], cpu) == KEEL_OK;
}

static bool vm_vcpus(struct vm *vm, const struct vm_spec *spec)
{
	unsigned ncpus = root_boot_info()->ncpus ? root_boot_info()->ncpus : 1;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (!vm_vcpu(vm, i, (spec->cpu + i) % ncpus))
			return false;
	return true;
}

/* A virtio device server sees the guest's RAM (the rings and buffers are
 * there): a copy of each RAM frame (store slots 2k hold them) mapped
 * read-write at KEEL_DEV_RAM_VADDR, kept in the store. */
static bool vm_device_ram(struct vm *vm, const struct vm_spec *spec, struct server *s)
{
	unsigned bits = ram_frame_bits(spec);
	uint64_t b = scratch[1];
	for (uint64_t k = 0, off = 0; off < spec->ram_size; k++, off += 1ull << bits)
		if (keel_cnode_copy(KEEL_ROOT_CNODE, b, vm->store, 2 * k, RW) != KEEL_OK ||
		    root_frame_map(b, s->vspace, KEEL_DEV_RAM_VADDR + off, RW) != KEEL_OK ||
		    keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, b) != KEEL_OK)
			return false;
	return true;
}

/* The post page, kept by root like the state page, mapped into the
 * server; the notification the kernel signals when it queued a write,
 * bound to the server's thread (bound: one already is, the disk's driver's
 * completions); the VMM holds both only to hand them to the kernel with
 * the route. */
static bool vm_device_post(struct vm *vm, unsigned d, struct server *s, uint64_t bound)
{
	uint64_t page = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t ntfn = bound ? bound : root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	uint64_t copy = root_alloc_slot();
	return page && ntfn && copy &&
	       keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, page, RW) == KEEL_OK &&
	       root_frame_map(copy, s->vspace, KEEL_DEV_POST_VADDR, RW) == KEEL_OK &&
	       (bound || keel_tcb_bind_notification(s->tcb, ntfn) == KEEL_OK) &&
	       srv_grant_copy(vm->vmm, KEEL_VMM_SLOT_DEV_POST(d), page, RW) &&
	       srv_grant_mint(vm->vmm, KEEL_VMM_SLOT_DEV_POST_NTFN(d), ntfn, KEEL_R_WRITE,
			      KEEL_DEV_POST_BADGE);
}

/* What a virtio device server needs beyond a PL011's: the guest's RAM, a
 * way to tell the VMM its lines changed, and for a disk its block driver
 * (boot/blkdrv.c) with a notification bound to the server for the
 * driver's completions; the driver gets the VM's RAM table, not its RAM. */
static bool vm_device_virtio(struct vm *vm, const struct vm_spec *spec, unsigned d,
			     struct server *s)
{
	char name[SRV_NAME_MAX];
	int t;
	struct blkdrv_client client;
	if (!vm_device_ram(vm, spec, s) ||
	    !srv_grant_mint(s, KEEL_SRV_NTFN, vm->ntfn, KEEL_R_WRITE, KEEL_VMM_BADGE_DEV(d)))
		return false;
	if (spec->dev[d].net_name)
		return net_attach(spec, d, s); /* h-net: its switch port */
	if (spec->dev[d].disk < 0)
		return true;
	if (vm->ram_split) { /* its driver could not check the guest's buffers */
		kprintf("[root] VM %s: its RAM is in more than %u pieces of machine memory, too many "
			"for a disk's driver to check; no disk for it\n", spec->name, KEEL_BLK_RAM_MAX);
		return false;
	}
	snprintf(name, sizeof(name), "%s-blkdrv%u", spec->name, d);
	if ((t = blkdrv_transport((unsigned)spec->dev[d].disk)) < 0) {
		kprintf("[root] VM %s: no disk %d on the machine for its device %u\n", spec->name,
			spec->dev[d].disk, d);
		return false;
	}
	client = (struct blkdrv_client){ .s = s, .slot = KEEL_SRV_FREE, .ram = &vm->ram,
		.ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0) };
	return client.ntfn && keel_tcb_bind_notification(s->tcb, client.ntfn) == KEEL_OK &&
	       (!vm_dev_posts(spec, d) || vm_device_post(vm, d, s, client.ntfn)) &&
	       (vm->drv[d] = blkdrv_create(name, (unsigned)t, spec->cpu, VM_PRIO, &client)) != NULL;
}

/* A UART (PL011 or 16550) whose guest accesses are routed to it
 * (keel/vmm.h, MMIO routes) tells the VMM when its interrupt line changed, as a virtio
 * server does: the VMM's notification, badged with the device. */
static bool vm_device_lines(struct vm *vm, const struct vm_spec *spec, unsigned d,
			    struct server *s)
{
	return srv_grant_mint(s, KEEL_SRV_NTFN, vm->ntfn, KEEL_R_WRITE, KEEL_VMM_BADGE_DEV(d)) &&
	       (!vm_dev_posts(spec, d) || vm_device_post(vm, d, s, 0));
}

/* Device d: its server, endpoint and state page, and the VMM's way in. */
static bool vm_device(struct vm *vm, const struct vm_spec *spec, unsigned d)
{
	char base[20], size[20];
	const char *args[] = { spec->name, base, size, spec->dev[d].read_only ? "ro" : "rw",
			       vm_dev_posts(spec, d) ? "post" : NULL, NULL };
	const uint8_t *m = spec->dev[d].mac;
	char mac[18]; /* h-net: a NIC's server is told its MAC */
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0), state = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t copy = root_alloc_slot();
	char name[SRV_NAME_MAX];
	struct server *s;
	snprintf(name, sizeof(name), "%s-%s", spec->name, spec->dev[d].prog);
	snprintf(base, sizeof(base), "%llx", (unsigned long long)spec->ram_base);
	snprintf(size, sizeof(size), "%llx", (unsigned long long)spec->ram_size);
	if (spec->dev[d].kind != KEEL_VM_DEV_VIRTIO) { /* a UART or the flash: the VM's name */
		args[1] = vm_dev_posts(spec, d) ? "post" : NULL;
		if (spec->dev[d].kind == KEEL_VM_DEV_FLASH && spec->dev[d].disk >= 0)
			args[1] = "vars"; /* bank 1 on a vars file */
		args[2] = NULL;
	}
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	if (spec->dev[d].net_name)
		args[3] = mac;
	s = srv_create(spec->dev[d].prog, name, args, spec->cpu, VM_PRIO);
	if (!s || !ep || !state || !copy)
		return false;
	srv_set_policy(s, spec->dev[d].restart);
	vm->dev[vm->ndev++] = s;
	vm->dev_state[d] = state;
	return keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, state, RW) == KEEL_OK &&
	       root_frame_map(copy, s->vspace, KEEL_DEV_STATE_VADDR, RW) == KEEL_OK &&
	       srv_grant_report(s) && srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_READ) &&
	       srv_grant_mint(vm->vmm, KEEL_VMM_SLOT_DEV(d), ep, KEEL_R_WRITE, d + 1) &&
	       (spec->dev[d].kind != KEEL_VM_DEV_VIRTIO || vm_device_virtio(vm, spec, d, s)) &&
	       (spec->dev[d].kind != KEEL_VM_DEV_FLASH || vm_flash_device(vm, spec, d, s)) &&
	       (!keel_vm_dev_is_uart(spec->dev[d].kind) || vm_device_lines(vm, spec, d, s));
}

static bool vm_grant_vmm(struct vm *vm)
{
	struct server *s = vm->vmm;
	if (!srv_grant_report(s) || !srv_grant_copy(s, KEEL_SRV_EP, vm->exit_ep, KEEL_R_READ))
		return false;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (!srv_grant_copy(s, KEEL_VMM_SLOT_VCPU_TCB(i), vm->vcpu_tcb[i], KEEL_R_WRITE) ||
		    !srv_grant_copy(s, KEEL_VMM_SLOT_VCPU(i), vm->vcpu[i], KEEL_R_WRITE))
			return false;
	return true;
}

/* A VM's carve: its RAM and what its servers need besides
 * (cfg_vm_carve_bytes, shared with check-config's machine model). */
#define VM_CARVE_SLOTS 1024u
_Static_assert(CFG_CARVE_MAX_PIECES == ROOT_CARVE_MAX, "check-config carves as root does");

/* An entry for the VM: a dead one whose carve is large enough, or a new
 * one with a new carve (from root's own pool). */
static struct vm *vm_entry(const struct vm_spec *spec)
{
	uint64_t bytes = cfg_vm_carve_bytes(spec->ram_size +
					    (spec->firmware ? CFG_FLASH_CARVE_BYTES : 0));
	struct vm *vm = NULL;
	for (unsigned i = 0; i < nvms && !vm; i++)
		if (!vms[i].live && !vms[i].kept && vms[i].carve_bytes >= bytes)
			vm = &vms[i];
	if (!vm && nvms < VM_MAX) {
		vm = &vms[nvms];
		vm->index = nvms++;
		if (!root_pool_carve(&vm->carve, bytes, VM_CARVE_SLOTS)) {
			kprintf("[root] no %lu MiB (or %u slots) left for a VM\n",
				(unsigned long)(bytes >> 20), VM_CARVE_SLOTS);
			return NULL; /* what was carved stays with the entry */
		}
		vm->carve_bytes = bytes;
	}
	return vm;
}

/* Everything but the carve and the entry's place is made afresh. */
static bool vm_new(struct vm *vm, const struct vm_spec *spec)
{
	char name[SRV_NAME_MAX];
	struct root_carve carve = vm->carve;
	unsigned index = vm->index;
	uint64_t carve_bytes = vm->carve_bytes;
	memset(vm, 0, sizeof(*vm));
	vm->carve = carve;
	vm->index = index;
	vm->carve_bytes = carve_bytes;
	vm->live = true;
	vm->spec = *spec;
	vm->nvcpus = spec->vcpus ? spec->vcpus : 1;
	snprintf(vm->name, sizeof(vm->name), "%s", spec->name);
	vm->view = ROOT_VM_VIEW + vm->index * ROOT_VM_VIEW_SIZE;
	snprintf(name, sizeof(name), "%s-vmm", spec->name);
	vm->vmm = srv_create("vmm", name, NULL, spec->cpu, VM_PRIO);
	if (vm->vmm)
		srv_set_policy(vm->vmm, spec->restart);
	vm->s2 = root_alloc(KEEL_OBJ_VSPACE, 0);
	vm->exit_ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	vm->ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	return vm->vmm && vm->s2 && vm->exit_ep && vm->ntfn &&
	       keel_tcb_bind_notification(vm->vmm->tcb, vm->ntfn) == KEEL_OK &&
	       keel_vmid_pool_assign(KEEL_ROOT_VMID_POOL, vm->s2, &vm->vmid) == KEEL_OK;
}

static void vm_files_find(const struct vm_spec *spec, struct vm_files *f)
{
	f->image = srv_module(spec->image);
	f->initrd = spec->initrd ? srv_module(spec->initrd) : NULL;
	f->dtb = spec->dtb ? srv_module(spec->dtb) : NULL;
}

/* Capabilities the VM's store must hold: two per RAM frame, one more per
 * frame for each virtio device (its view of RAM), and the files'. */
static uint64_t store_caps(const struct vm_spec *spec, const struct vm_files *f)
{
	uint64_t views = 2;
	for (unsigned d = 0; d < spec->ndev; d++)
		views += spec->dev[d].kind == KEEL_VM_DEV_VIRTIO;
	return views * (spec->ram_size >> ram_frame_bits(spec)) + file_caps(f->image) +
	       file_caps(f->initrd) + file_caps(f->dtb) +
	       (spec->firmware ? 2 * vm_flash_frames(f->image->size) + KEEL_FLASH_BANK_FRAMES : 0);
}

static const char *vm_check(const struct vm_spec *spec, const struct vm_files *f)
{
	if (!f->image)
		return "no boot module holds its image";
	if (spec->initrd && !f->initrd)
		return "no boot module holds its initrd";
	if (spec->dtb && !f->dtb)
		return "no boot module holds its device tree";
	if (spec->ram_size % ROOT_PAGE_SIZE || spec->ram_size > KEEL_VMM_RAM_MAX ||
	    f->image->size > KEEL_VMM_IMAGE_MAX ||
	    (f->initrd && f->initrd->size > KEEL_VMM_INITRD_MAX) ||
	    (f->dtb && f->dtb->size > KEEL_VMM_DTB_MAX))
		return "RAM, image, initrd or device tree size out of range";
	if (spec->cmdline && strlen(spec->cmdline) >= sizeof(((struct keel_vm_info *)0)->cmdline))
		return "command line too long";
	if (spec->vcpus > KEEL_VMM_MAX_VCPUS)
		return "too many vCPUs";
	for (unsigned d = 0; d < spec->ndev; d++) /* h-vdev */
		if (spec->dev[d].rng && !(root_boot_info()->cpu_features & KEEL_CPU_F_RNG))
			return "its virtio-rng needs the CPU's random number instruction "
			       "(RNDR, FEAT_RNG), which this CPU does not have";
	return NULL;
}

static const char *vm_build(struct vm *vm, const struct vm_spec *spec,
			    const struct vm_files *f)
{
	const char *why = NULL;
	if (!vm_new(vm, spec))
		why = "no memory for its VMM";
	else if (!vm_store(vm, store_caps(spec, f)))
		why = "RAM too large for one store CNode, or no memory";
	else if (!vm_map_ram(vm, spec))
		why = "cannot map its RAM";
	else if (!vm_map_file(vm, f->image, KEEL_VMM_IMAGE_VADDR, vm->view + VIEW_IMAGE) ||
		 (f->initrd &&
		  !vm_map_file(vm, f->initrd, KEEL_VMM_INITRD_VADDR, vm->view + VIEW_INITRD)) ||
		 (f->dtb && !vm_map_file(vm, f->dtb, KEEL_VMM_DTB_VADDR, vm->view + VIEW_DTB)) ||
		 !vm_map_info(vm))
		why = "cannot map its image, initrd, device tree or description";
	else if (!vm_vcpus(vm, spec) || !vm_grant_vmm(vm))
		why = "cannot make its vCPUs";
	for (unsigned d = 0; !why && d < spec->ndev; d++)
		if (!vm_device(vm, spec, d))
			why = "cannot make a device server";
	if (!why && !console_attach(vm, spec)) /* h-console: output and input */
		why = "cannot connect it to the console server";
	return why;
}

/* Every server of the VM is forgotten and every object made for it
 * destroyed: its memory and slots are free for the next VM. */
static void vm_clear(struct vm *vm)
{
	if (vm->vmm)
		srv_forget(vm->vmm);
	for (unsigned d = 0; d < vm->ndev; d++)
		srv_forget(vm->dev[d]);
	for (unsigned d = 0; d < KEEL_VMM_MAX_DEVICES; d++)
		if (vm->drv[d])
			srv_forget(vm->drv[d]);
	root_carve_clear(&vm->carve);
	vm->live = false;
}

/* Into the entry vm (a reset) or a free one (vm NULL). */
static struct vm *vm_create_in(struct vm *vm, const struct vm_spec *spec)
{
	struct vm_files f;
	const char *why;
	struct keel_alloc *old;
	vm_files_find(spec, &f);
	why = vm_check(spec, &f);
	if (!why && !scratch[0] &&
	    (!(scratch[0] = root_alloc_slot()) || !(scratch[1] = root_alloc_slot())))
		why = "no slots";
	if (!why && !vm && !(vm = vm_entry(spec)))
		why = "too many VMs, or not enough memory";
	if (!why)
		console_ensure(spec->cpu); /* h-console: from root's pool, not the VM's */
	if (!why && !net_ensure(spec)) /* h-net: switches and ports, root's pool too */
		why = "cannot make its network's switch or port";
	if (!why) {
		old = root_pool_use(&vm->carve.pool);
		why = vm_build(vm, spec, &f);
		root_pool_use(old);
		if (why)
			vm_clear(vm);
	}
	if (why) {
		kprintf("[root] cannot create VM %s: %s\n", spec->name, why);
		return NULL;
	}
	vm_fill_info(vm, spec, &f);
	kprintf("[root] VM %s: %lu MiB RAM at 0x%lx, image %s (%lu bytes), %u devices, "
		"%u vCPUs%s%s\n", vm->name, (unsigned long)(spec->ram_size >> 20),
		(unsigned long)spec->ram_base, spec->image, (unsigned long)f.image->size,
		spec->ndev, vm->nvcpus, f.dtb ? ", device tree " : "", f.dtb ? spec->dtb : "");
	return vm;
}

bool vm_start(struct vm *vm)
{
	for (unsigned d = 0; d < vm->ndev; d++)
		if ((vm->drv[d] && !srv_start(vm->drv[d])) || !srv_start(vm->dev[d]))
			return false;
	return srv_start(vm->vmm);
}

struct vm *vm_by_index(unsigned index)
{
	return index < nvms && vms[index].live ? &vms[index] : NULL;
}

struct vm *vm_entry_at(unsigned index)
{
	return index < nvms ? &vms[index] : NULL;
}

bool vm_servers_up(const struct vm *vm)
{
	bool up = vm->live && vm->vmm->state == SRV_RUNNING;
	for (unsigned d = 0; up && d < vm->ndev; d++)
		up = vm->dev[d]->state == SRV_RUNNING || vm->dev[d]->restart_due;
	return up;
}

struct vm *vm_create(const struct vm_spec *spec)
{
	return vm_create_in(NULL, spec);
}

void vm_stop(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		keel_tcb_suspend(vm->vcpu_tcb[i]);
	srv_stop(vm->vmm);
	for (unsigned d = 0; d < vm->ndev; d++) {
		srv_stop(vm->dev[d]);
		if (vm->drv[d])
			srv_stop(vm->drv[d]);
	}
}

void vm_destroy(struct vm *vm)
{
	if (!vm->live)
		return;
	vm_stop(vm);
	vm_clear(vm);
	console_detach(vm);
	net_detach(&vm->spec); /* h-net: its ports are not live until it is built again */
	kprintf("[root] VM %s destroyed: its servers are gone, its memory is free\n", vm->name);
}

bool vm_reset(struct vm *vm)
{
	struct vm_spec spec = vm->spec;
	vm_destroy(vm); /* nothing if it is destroyed already */
	return vm_create_in(vm, &spec) && vm_start(vm);
}
