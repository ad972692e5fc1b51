/*
 * Root server entry: check the boot info, build the allocator over the
 * boot untyped memory, start the VMs of the configuration blob (vmrun.c)
 * and serve faults and reports on root's endpoint forever.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/alloc.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>

#include "console.h"
#include "ctl.h"
#include "root.h"

static struct keel_alloc root_pool;
static uint64_t root_ram; /* bytes of RAM untyped root started with */
static struct keel_alloc *pool = &root_pool; /* where root_alloc takes from */
static uint64_t root_ep;
static uint64_t root_ntfn; /* bound to root's thread: its timer */

const struct keel_bootinfo *root_boot_info(void)
{
	return (const struct keel_bootinfo *)(uintptr_t)KEEL_BOOTINFO_VADDR;
}

uint64_t root_alloc(unsigned type, unsigned size_bits)
{
	return keel_alloc_object(pool, type, size_bits);
}

uint64_t root_ram_bytes(void)
{
	return root_ram;
}

uint64_t root_alloc_slot(void)
{
	return keel_alloc_slot(pool);
}

struct keel_alloc *root_pool_use(struct keel_alloc *p)
{
	struct keel_alloc *old = pool;
	pool = p ? p : &root_pool;
	return old;
}

/* Untyped children of root's pool adding up to bytes and a range of
 * nslots of root's slots: a pool of its own. Each child is a power of two
 * (an untyped is one), aligned to its size, none below a large page:
 * largest first, and a size no free block has is taken in halves, so a
 * VM of any size fits wherever ROOT_CARVE_MAX pieces of free memory hold
 * it (config/cfg_machine.c models the same for check-config). */
bool root_pool_carve(struct root_carve *c, uint64_t bytes, unsigned nslots)
{
	unsigned bits = KEEL_UNTYPED_MAX_BITS;
	memset(c, 0, sizeof(*c));
	if (root_pool.end_slot - root_pool.next_slot < nslots)
		return false;
	c->slot_first = root_pool.next_slot;
	c->slot_end = c->slot_first + nslots;
	root_pool.next_slot = c->slot_end;
	bytes = (bytes + (1ull << KEEL_LARGE_PAGE_BITS) - 1) & ~((1ull << KEEL_LARGE_PAGE_BITS) - 1);
	while (bytes && bits >= KEEL_LARGE_PAGE_BITS) {
		uint64_t ut = 0;
		if (bytes >= (1ull << bits)) {
			if (c->nut == ROOT_CARVE_MAX)
				return false;
			ut = keel_alloc_object(&root_pool, KEEL_OBJ_UNTYPED, bits);
		}
		if (!ut) {
			bits--;
			continue;
		}
		c->ut[c->nut++] = ut;
		bytes -= 1ull << bits;
	}
	root_carve_reset(c);
	return bytes == 0;
}

void root_carve_reset(struct root_carve *c)
{
	keel_alloc_init(&c->pool, KEEL_ROOT_CNODE, c->slot_first, c->slot_end);
	for (unsigned i = 0; i < c->nut; i++)
		keel_alloc_add_untyped(&c->pool, c->ut[i]);
}

/* Destroy every object made from the carve and empty its slots (copies of
 * objects from elsewhere may sit there too); its memory is free again.
 * The carve's pool hands its slots out in order, so only those below its
 * cursor can hold anything: the rest of its VM_CARVE_SLOTS are not
 * visited (a call each; on riscv64 in QEMU a call costs about 100 us). */
void root_carve_clear(struct root_carve *c)
{
	uint64_t used = c->pool.next_slot < c->slot_end ? c->pool.next_slot : c->slot_end;
	for (unsigned i = 0; i < c->nut; i++)
		keel_cnode_revoke(KEEL_ROOT_CNODE, c->ut[i]);
	for (uint64_t s = c->slot_first; s < used; s++)
		keel_cnode_delete(KEEL_ROOT_CNODE, s);
	root_carve_reset(c);
}

/* As root_alloc, into a given slot (of a CNode root holds), so objects
 * can be kept outside root's own CNode (boot/vm.c: guest RAM). */
long root_alloc_at(unsigned type, unsigned size_bits, uint64_t cnode, uint64_t index)
{
	return keel_alloc_into(pool, type, size_bits, cnode, index);
}

long root_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr, unsigned rights)
{
	return keel_alloc_map(pool, frame, vspace, vaddr, rights);
}

/* One timer on root's notification serves both the restart back-offs
 * and the hook's deadline: the earlier of the two. */
void root_timer_arm(void)
{
	uint64_t restart = srv_next_restart(), hook = root_hook_deadline();
	uint64_t mr[6] = { restart && (!hook || restart < hook) ? restart : hook, 0, 0, 0, 0, 0 };
	if (root_ntfn)
		keel_invoke(root_ntfn, KEEL_NTFN_SET_TIMER, 2, mr);
}

static void root_notified(void *ctx, uint64_t bits)
{
	uint64_t due;
	(void)ctx;
	(void)bits;
	fault_timer();
	due = root_hook_deadline();
	if (due && due <= root_arch_now_ticks())
		root_hook_timer(root_arch_now_ticks());
	root_timer_arm();
}

uint64_t root_endpoint(void)
{
	return root_ep;
}

/* Hand all RAM untyped to the allocator; device memory stays unused. */
static uint64_t root_pool_init(const struct keel_bootinfo *bi)
{
	uint64_t bytes = 0;
	keel_alloc_init(&root_pool, KEEL_ROOT_CNODE, bi->first_free_slot,
			1ull << bi->cnode_bits);
	for (uint32_t i = 0; i < bi->untyped_count && i < KEEL_BOOT_MAX_UNTYPED; i++) {
		if (bi->untyped[i].is_device)
			continue;
		keel_alloc_add_untyped(&root_pool, bi->untyped_first + i);
		bytes += 1ull << bi->untyped[i].size_bits;
	}
	return bytes;
}

/* A frame of the device page at pa, retyped from the device untyped that
 * holds it; 0 if none does or the page was taken already. A device
 * region is cut into aligned power-of-two untyped (kernel/boot.c), each
 * retyped in address order, so callers take a window's pages in order. */
uint64_t root_device_frame(uint64_t pa)
{
	const struct keel_bootinfo *bi = root_boot_info();
	uint64_t slot, got;
	for (uint32_t i = 0; i < bi->untyped_count && i < KEEL_BOOT_MAX_UNTYPED; i++) {
		const struct keel_boot_untyped *u = &bi->untyped[i];
		if (!u->is_device || pa < u->paddr || pa - u->paddr >= 1ull << u->size_bits)
			continue;
		if (!(slot = root_alloc_slot()) ||
		    keel_untyped_retype(bi->untyped_first + i, KEEL_OBJ_FRAME, 0, KEEL_ROOT_CNODE,
					slot, 1) != KEEL_OK)
			return 0;
		if (keel_frame_address(slot, &got) == KEEL_OK && got == pa)
			return slot;
		keel_cnode_delete(KEEL_ROOT_CNODE, slot);
		return 0;
	}
	return 0;
}

static void root_banner(const struct keel_bootinfo *bi, uint64_t ram)
{
	kprintf("[root] keel root server: %u CPUs, %u untyped (%lu MiB RAM), "
		"%u free slots, timer %lu Hz\n", bi->ncpus, bi->untyped_count,
		(unsigned long)(ram >> 20), (1u << bi->cnode_bits) - bi->first_free_slot,
		(unsigned long)bi->timer_hz);
	kprintf("[root] modules:");
	for (uint32_t i = 0; i < bi->module_count && i < KEEL_BOOT_MAX_MODULES; i++)
		kprintf(" %.32s", bi->module[i].name);
	kprintf("\n[root] command line: \"%.256s\"\n", bi->cmdline);
}

static bool root_protected(void *ctx, struct keel_msg *m)
{
	struct server *s = srv_by_badge(m->badge);
	char text[KEEL_REPORT_TEXT_MAX + 1];
	uint64_t answer;
	(void)ctx;
	if (!s)
		return false; /* not from one of ours: leave it waiting */
	keel_report_text(m, text, sizeof(text));
	answer = KEEL_REPORT_CONTINUE;
	if (!srv_report(s, (unsigned)m->label, m->mr[0]) &&
	    !console_report(s, (unsigned)m->label, m->mr[0]) &&
	    !ctl_report(s, (unsigned)m->label, m->mr[0], text, &answer) && /* keelctl */
	    !root_hook_report(s, (unsigned)m->label, m->mr[0], text, &answer))
		vmrun_report(s, (unsigned)m->label, m->mr[0], text);
	m->mr[0] = answer;
	m->label = 0;
	m->len = 1;
	return true;
}

static bool root_fault(void *ctx, struct keel_msg *m)
{
	struct server *s = srv_by_badge(m->badge);
	(void)ctx;
	return s ? fault_handle(s, m) : false;
}

/* Returning from main would end in exit_group, which root (having no
 * fault handler) gets back as ENOSYS, and musl would spin at priority 255
 * retrying it. Stop this thread instead. */
static int root_halt(const char *why, long err)
{
	kprintf("[root] %s (%ld): stopping\n", why, err);
	keel_tcb_suspend(KEEL_ROOT_TCB);
	return 1;
}

int main(void)
{
	const struct keel_bootinfo *bi = root_boot_info();
	struct keel_server loop = { .protected = root_protected, .fault = root_fault,
				    .notified = root_notified };
	uint64_t ram;
	long err;
	if (bi->magic != KEEL_BOOTINFO_MAGIC)
		return root_halt("bad boot info magic", 0);
	ram = root_ram = root_pool_init(bi);
	root_banner(bi, ram);
	root_ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	root_ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	if (!root_ep || !root_ntfn ||
	    keel_tcb_bind_notification(KEEL_ROOT_TCB, root_ntfn) != KEEL_OK)
		return root_halt("cannot allocate the root endpoint and notification", 0);
	if (!root_hook_start(bi->cmdline))
		vmrun_start();
	loop.ep = root_ep;
	err = keel_server_run(&loop);
	return root_halt("receive failed", err);
}
