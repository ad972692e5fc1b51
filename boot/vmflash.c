/*
 * The CFI flash of a firmware VM (docs/firmware.md, keel/flash.h): root
 * makes both banks' frames and gives the flash server what it needs to
 * serve them and to map them into the guest:
 *
 *   bank 0   the firmware, copied into fresh 2 MiB frames (a boot blob's
 *            own frames are read-only, not executable); the server gets
 *            a read + execute copy of each, already mapped read-only at
 *            guest-physical 0 on (root's mapping also makes the stage-2
 *            tables the server cannot make), and a read-only view
 *   bank 1   KEEL_FLASH_BANK_FRAMES zeroed frames (as QEMU's unbacked
 *            second bank), mapped read-write in the server and read-only
 *            in the guest at KEEL_FLASH_BANK_SIZE on
 *
 * Root keeps every original in the VM's store, so bank 1 lives as long
 * as the VM, however often its server is restarted.
 *
 * With a vars file (firmware_vars_path, a disk of the machine) the flash
 * server is also the client of that disk's block driver server
 * (boot/blkdrv.c), whose table of where requests may point is bank 1 and
 * nothing else; bank 1 is then not left mapped in the guest: the server
 * maps it once it has read it from the file.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/flash.h>
#include <keel/object.h>
#include <keel/print.h>

#include "blkdrv.h"
#include "vm.h"

#define FRAME_BITS KEEL_LARGE_PAGE_BITS
#define RX (KEEL_R_READ | KEEL_R_EXEC)
#define RW (KEEL_R_READ | KEEL_R_WRITE)
/* root's staging view for the firmware's copy, inside the VM's view */
#define VIEW_FLASH 0xe0000000ull

_Static_assert(KEEL_FLASH_FRAME_SIZE == 1ull << FRAME_BITS, "flash frames are large frames");
_Static_assert(KEEL_FLASH_SLOT_DONE < 1u << KEEL_SRV_CNODE_BITS,
	       "the flash server's CNode holds both banks and the vars file's slots");
_Static_assert(KEEL_FLASH_BANK_FRAMES <= KEEL_BLK_RAM_MAX, "bank 1 fits a driver's table");

uint64_t vm_flash_frames(uint64_t firmware_size)
{
	return (firmware_size + KEEL_FLASH_FRAME_SIZE - 1) / KEEL_FLASH_FRAME_SIZE;
}

/* One frame at gpa: the original in orig (root's view at view_va, or
 * the server's at srv_va), a copy with guest_rights mapped into the
 * stage-2 space (which makes its tables; unmapped again unless keep)
 * and moved into the server's slot. */
static bool flash_frame(struct vm *vm, struct server *s, uint64_t orig, uint64_t gpa,
			unsigned guest_rights, unsigned slot, bool keep)
{
	uint64_t copy = root_alloc_slot();
	return copy && keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, orig,
				       guest_rights) == KEEL_OK &&
	       root_frame_map(copy, vm->s2, gpa, guest_rights) == KEEL_OK &&
	       (keep || keel_frame_unmap(copy) == KEEL_OK) &&
	       srv_grant_move(s, slot, copy) &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, orig) == KEEL_OK;
}

/* Bank 0 frame i: the firmware's bytes from i * 2 MiB, the rest zero. */
static bool flash_bank0(struct vm *vm, struct server *s, const struct keel_boot_module *fw,
			unsigned i)
{
	uint64_t off = i * KEEL_FLASH_FRAME_SIZE, va = vm->view + VIEW_FLASH + off;
	uint64_t n = fw->size - off < KEEL_FLASH_FRAME_SIZE ? fw->size - off : KEEL_FLASH_FRAME_SIZE;
	uint64_t orig = root_alloc(KEEL_OBJ_FRAME, FRAME_BITS), view = root_alloc_slot();
	if (!orig || !view || root_frame_map(orig, KEEL_ROOT_VSPACE, va, RW) != KEEL_OK)
		return false;
	memcpy((void *)(uintptr_t)va, (const uint8_t *)(uintptr_t)fw->vaddr + off, n);
	return keel_cnode_copy(KEEL_ROOT_CNODE, view, KEEL_ROOT_CNODE, orig, KEEL_R_READ) ==
		       KEEL_OK &&
	       root_frame_map(view, s->vspace, KEEL_FLASH_BANK0_VADDR + off, KEEL_R_READ) ==
		       KEEL_OK &&
	       keel_cnode_move(vm->store, vm->store_next++, KEEL_ROOT_CNODE, view) == KEEL_OK &&
	       flash_frame(vm, s, orig, KEEL_FLASH_BASE + off, RX, KEEL_FLASH_SLOT_BANK0(i), true);
}

/* Bank 1 frame i, its host-physical range added to the vars file's
 * driver's table t (merged with the last where contiguous). */
static bool flash_bank1(struct vm *vm, struct server *s, unsigned i, bool vars,
			struct keel_blk_ram_table *t)
{
	uint64_t off = i * KEEL_FLASH_FRAME_SIZE, gpa = KEEL_FLASH_BASE + KEEL_FLASH_BANK_SIZE + off;
	uint64_t orig = root_alloc(KEEL_OBJ_FRAME, FRAME_BITS), pa;
	struct keel_blk_ram *last = t->n ? &t->r[t->n - 1] : NULL;
	if (!orig || root_frame_map(orig, s->vspace, KEEL_FLASH_BANK1_VADDR + off, RW) != KEEL_OK ||
	    keel_frame_address(orig, &pa) != KEEL_OK)
		return false;
	if (last && last->gpa + last->size == gpa && last->pa + last->size == pa)
		last->size += KEEL_FLASH_FRAME_SIZE;
	else
		t->r[t->n++] = (struct keel_blk_ram){ .gpa = gpa, .pa = pa,
						      .size = KEEL_FLASH_FRAME_SIZE };
	return flash_frame(vm, s, orig, gpa, KEEL_R_READ, KEEL_FLASH_SLOT_BANK1(i), !vars);
}

/* The vars file's disk: its driver, whose client is the flash server
 * (the driver's notification in KEEL_FLASH_SLOT_DRV; its completions on
 * a notification the server holds to wait on, KEEL_FLASH_SLOT_DONE). */
static bool flash_vars(struct vm *vm, const struct vm_spec *spec, unsigned d, struct server *s,
		       const struct keel_blk_ram_table *bank1)
{
	char name[SRV_NAME_MAX];
	int t = blkdrv_transport((unsigned)spec->dev[d].disk);
	struct blkdrv_client client = { .s = s, .slot = KEEL_FLASH_SLOT_DRV, .ram = bank1,
		.ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0) };
	if (t < 0) {
		kprintf("[root] VM %s: no disk %d on the machine for its vars file\n", spec->name,
			spec->dev[d].disk);
		return false;
	}
	snprintf(name, sizeof(name), "%s-varsdrv", spec->name);
	return client.ntfn && srv_grant_copy(s, KEEL_FLASH_SLOT_DONE, client.ntfn, KEEL_R_READ) &&
	       (vm->drv[d] = blkdrv_create(name, (unsigned)t, spec->cpu, VM_PRIO, &client)) != NULL;
}

bool vm_flash_device(struct vm *vm, const struct vm_spec *spec, unsigned d, struct server *s)
{
	static struct keel_blk_ram_table bank1; /* copied into the driver's info page */
	bool vars = spec->dev[d].disk >= 0;
	const struct keel_boot_module *fw = srv_module(spec->image);
	uint64_t n0 = fw ? vm_flash_frames(fw->size) : 0;
	if (!fw || n0 == 0 || n0 > KEEL_FLASH_BANK0_MAX) {
		kprintf("[root] VM %s: its firmware is empty or larger than %llu MiB\n", spec->name,
			(unsigned long long)(KEEL_FLASH_BANK0_MAX * KEEL_FLASH_FRAME_SIZE >> 20));
		return false;
	}
	if (!srv_grant_copy(s, KEEL_FLASH_SLOT_S2, vm->s2, KEEL_R_WRITE))
		return false;
	for (unsigned i = 0; i < n0; i++)
		if (!flash_bank0(vm, s, fw, i))
			return false;
	bank1.n = 0;
	for (unsigned i = 0; i < KEEL_FLASH_BANK_FRAMES; i++)
		if (!flash_bank1(vm, s, i, vars, &bank1))
			return false;
	return !vars || flash_vars(vm, spec, d, s, &bank1);
}
