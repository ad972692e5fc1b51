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
 * Guest RAM is one 4 KiB frame per page. Root's CNode is too small to
 * hold them, so they live in a per-VM store CNode: each frame is made in
 * a scratch slot of root's CNode, mapped into the stage-2 space (the
 * original) and the VMM (a copy), then both are moved into the store.
 *
 * Root's view of VM n's description and image (its own address space):
 *
 *   ROOT_VM_VIEW + n * ROOT_VM_VIEW_SIZE + 0          struct keel_vm_info
 *   ROOT_VM_VIEW + n * ROOT_VM_VIEW_SIZE + VIEW_IMAGE the image's pages
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>

#include "vm.h"

#define ROOT_VM_VIEW 0x2000000000ull /* below ROOT_WINDOW_BASE (root.h) */
#define ROOT_VM_VIEW_SIZE 0x100000000ull
#define VIEW_IMAGE ROOT_PAGE_SIZE
#define VM_PRIO 150u   /* VMM and device servers */
#define VCPU_PRIO 100u /* below its VMM: an exit is answered at once */
#define RWX KEEL_R_ALL
#define RW (KEEL_R_READ | KEEL_R_WRITE)

static struct vm vms[VM_MAX];
static unsigned nvms;
static uint64_t scratch[2]; /* root slots a frame passes through */

static uint64_t pages(uint64_t bytes)
{
	return (bytes + ROOT_PAGE_SIZE - 1) / ROOT_PAGE_SIZE;
}

/* A store big enough for two capabilities per page. */
static bool vm_store(struct vm *vm, uint64_t npages)
{
	unsigned bits = KEEL_CNODE_MIN_BITS;
	while (bits < KEEL_CNODE_MAX_BITS && (1ull << bits) < 2 * npages)
		bits++;
	if ((1ull << bits) < 2 * npages)
		return false;
	vm->store = root_alloc(KEEL_OBJ_CNODE, bits);
	return vm->store != 0;
}

/* A new frame in scratch[0], mapped at va in vspace; its copy with rights
 * in scratch[1], mapped at vmm_va in the VMM. Then both go to the store. */
static bool vm_page(struct vm *vm, uint64_t vspace, uint64_t va, unsigned rights,
		    uint64_t vmm_va, unsigned vmm_rights, const void *fill)
{
	uint64_t a = scratch[0], b = scratch[1];
	uint64_t pa;
	if (root_alloc_at(KEEL_OBJ_FRAME, 0, KEEL_ROOT_CNODE, a) != KEEL_OK ||
	    root_map(a, vspace, va, rights) != KEEL_OK)
		return false;
	if (vspace == vm->s2) { /* guest RAM: note its physical range */
		if (keel_frame_address(a, &pa) != KEEL_OK)
			return false;
		if (!vm->ram_pa_hi || pa < vm->ram_pa_lo)
			vm->ram_pa_lo = pa;
		if (pa + ROOT_PAGE_SIZE > vm->ram_pa_hi)
			vm->ram_pa_hi = pa + ROOT_PAGE_SIZE;
	}
	if (fill)
		memcpy((void *)(uintptr_t)va, fill, ROOT_PAGE_SIZE);
	return keel_cnode_copy(KEEL_ROOT_CNODE, b, KEEL_ROOT_CNODE, a, vmm_rights) == KEEL_OK &&
	       root_map(b, vm->vmm->vspace, vmm_va, vmm_rights) == KEEL_OK &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, a) == KEEL_OK &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, b) == KEEL_OK;
}

static bool vm_map_ram(struct vm *vm, const struct vm_spec *spec)
{
	for (uint64_t off = 0; off < spec->ram_size; off += ROOT_PAGE_SIZE)
		if (!vm_page(vm, vm->s2, spec->ram_base + off, RWX, KEEL_VMM_RAM_VADDR + off,
			     RW, NULL))
			return false;
	return true;
}

/* The image's pages, read-only in the VMM; the last one padded with zeros. */
static bool vm_map_image(struct vm *vm, const struct keel_boot_module *m)
{
	static uint8_t tail[ROOT_PAGE_SIZE];
	const uint8_t *img = (const uint8_t *)(uintptr_t)m->vaddr;
	for (uint64_t off = 0; off < m->size; off += ROOT_PAGE_SIZE) {
		const uint8_t *src = img + off;
		if (m->size - off < ROOT_PAGE_SIZE) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, src, m->size - off);
			src = tail;
		}
		if (!vm_page(vm, KEEL_ROOT_VSPACE, vm->view + VIEW_IMAGE + off, RW,
			     KEEL_VMM_IMAGE_VADDR + off, KEEL_R_READ, src))
			return false;
	}
	return true;
}

static void vm_fill_info(struct vm *vm, const struct vm_spec *spec, uint64_t image_size)
{
	struct keel_vm_info *info = (struct keel_vm_info *)(uintptr_t)vm->view;
	memset(info, 0, sizeof(*info));
	info->magic = KEEL_VM_INFO_MAGIC;
	snprintf(info->name, sizeof(info->name), "%s", spec->name);
	info->ram_base = spec->ram_base;
	info->ram_size = spec->ram_size;
	info->image_size = image_size;
	info->vcpu_count = vm->nvcpus;
	info->dev_count = spec->ndev;
	for (unsigned d = 0; d < spec->ndev; d++)
		info->dev[d] = (struct keel_vm_dev){ .base = spec->dev[d].base,
			.size = spec->dev[d].size, .kind = spec->dev[d].kind,
			.intid = spec->dev[d].intid };
}

/* The description page: root's view read-write, the VMM's read-only. */
static bool vm_map_info(struct vm *vm)
{
	uint64_t copy = root_alloc_slot();
	vm->info = root_alloc(KEEL_OBJ_FRAME, 0);
	return vm->info && copy && root_map(vm->info, KEEL_ROOT_VSPACE, vm->view, RW) == KEEL_OK &&
	       keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, vm->info,
			       KEEL_R_READ) == KEEL_OK &&
	       root_map(copy, vm->vmm->vspace, KEEL_VMM_INFO_VADDR, KEEL_R_READ) == KEEL_OK;
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
	unsigned ncpus = root_bootinfo()->ncpus ? root_bootinfo()->ncpus : 1;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (!vm_vcpu(vm, i, (spec->cpu + i) % ncpus))
			return false;
	return true;
}

/* Device d: its server, endpoint and state page, and the VMM's way in. */
static bool vm_device(struct vm *vm, const struct vm_spec *spec, unsigned d)
{
	const char *args[] = { spec->name, spec->dev[d].arg, NULL };
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0), state = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t copy = root_alloc_slot();
	char name[24];
	struct server *s;
	snprintf(name, sizeof(name), "%s-%s", spec->name, spec->dev[d].prog);
	s = srv_create(spec->dev[d].prog, name, args, spec->cpu, VM_PRIO);
	if (!s || !ep || !state || !copy)
		return false;
	vm->dev[vm->ndev++] = s;
	vm->dev_state[d] = state;
	return keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, state, RW) == KEEL_OK &&
	       root_map(copy, s->vspace, KEEL_DEV_STATE_VADDR, RW) == KEEL_OK &&
	       srv_grant_report(s) && srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_READ) &&
	       srv_grant_mint(vm->vmm, KEEL_VMM_SLOT_DEV(d), ep, KEEL_R_WRITE, d + 1);
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

static struct vm *vm_new(const struct vm_spec *spec)
{
	struct vm *vm;
	char name[24];
	if (nvms == VM_MAX || spec->ndev > KEEL_VMM_MAX_DEVICES ||
	    spec->vcpus > KEEL_VMM_MAX_VCPUS || strlen(spec->name) >= sizeof(vm->name))
		return NULL;
	if (!scratch[0] && (!(scratch[0] = root_alloc_slot()) || !(scratch[1] = root_alloc_slot())))
		return NULL;
	vm = &vms[nvms];
	memset(vm, 0, sizeof(*vm));
	vm->index = nvms++;
	vm->nvcpus = spec->vcpus ? spec->vcpus : 1;
	strcpy(vm->name, spec->name);
	vm->view = ROOT_VM_VIEW + vm->index * ROOT_VM_VIEW_SIZE;
	snprintf(name, sizeof(name), "%s-vmm", spec->name);
	vm->vmm = srv_create("vmm", name, NULL, spec->cpu, VM_PRIO);
	vm->s2 = root_alloc(KEEL_OBJ_VSPACE, 0);
	vm->exit_ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	return vm->vmm && vm->s2 && vm->exit_ep ? vm : NULL;
}

struct vm *vm_create(const struct vm_spec *spec)
{
	const struct keel_boot_module *m = srv_module(spec->image);
	struct vm *vm = NULL;
	const char *why = NULL;
	if (!m)
		why = "no boot module holds its image";
	else if (spec->ram_size % ROOT_PAGE_SIZE || spec->ram_size > KEEL_VMM_RAM_MAX ||
		 m->size > KEEL_VMM_IMAGE_MAX)
		why = "RAM or image size out of range";
	else if (!(vm = vm_new(spec)))
		why = "too many VMs or vCPUs, or no memory for its VMM";
	else if (!vm_store(vm, pages(spec->ram_size) + pages(m->size)))
		why = "RAM too large for one store CNode, or no memory";
	else if (!vm_map_ram(vm, spec))
		why = "cannot map its RAM";
	else if (!vm_map_image(vm, m) || !vm_map_info(vm))
		why = "cannot map its image or description";
	else if (!vm_vcpus(vm, spec) || !vm_grant_vmm(vm))
		why = "cannot make its vCPUs";
	for (unsigned d = 0; !why && d < spec->ndev; d++)
		if (!vm_device(vm, spec, d))
			why = "cannot make a device server";
	if (why) {
		kprintf("[root] cannot create VM %s: %s\n", spec->name, why);
		return NULL;
	}
	vm_fill_info(vm, spec, m->size);
	kprintf("[root] VM %s: %lu MiB RAM at 0x%lx, image %s (%lu bytes), %u devices, "
		"%u vCPUs\n", vm->name, (unsigned long)(spec->ram_size >> 20),
		(unsigned long)spec->ram_base, spec->image, (unsigned long)m->size, spec->ndev,
		vm->nvcpus);
	return vm;
}

bool vm_start(struct vm *vm)
{
	for (unsigned d = 0; d < vm->ndev; d++)
		if (!srv_start(vm->dev[d]))
			return false;
	return srv_start(vm->vmm);
}

void vm_stop(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		keel_tcb_suspend(vm->vcpu_tcb[i]);
	srv_stop(vm->vmm);
	for (unsigned d = 0; d < vm->ndev; d++)
		srv_stop(vm->dev[d]);
}
