/*
 * Boot: build the root server from the "root" boot module and hand it
 * everything else. This is the only time the kernel allocates memory on its
 * own (a bump pointer above its image); what is left of RAM becomes
 * untyped capabilities in the root server's CNode.
 *
 * Root server address space:
 *
 *   0x0000_0040_0000  ELF segments (as linked)
 *   0x0000_7ff0_0000  stack (ROOT_STACK_PAGES, grows down from 0x7ff0_0000)
 *   0x0000_7ff0_0000  IPC buffer (one page)
 *   0x0001_0000_0000  boot modules, read-only (KEEL_MODULES_VADDR)
 *   0x0007_f000_0000  boot info, read-only (KEEL_BOOTINFO_VADDR)
 */
#include "kernel.h"
#include "elf.h"

#define ROOT_CNODE_BITS 14u
#define ROOT_STACK_TOP 0x7ff00000ull
#define ROOT_STACK_PAGES 32u
#define ROOT_IPCBUF 0x7ff00000ull
#define ROOT_PRIO 255u

struct boot_module_desc {
	char name[32];
	uint64_t start, size;
};
extern const struct boot_module_desc boot_module_table[];
extern const uint64_t boot_module_count;

static uint64_t bump_next, bump_limit;

static uint64_t boot_alloc(uint64_t size)
{
	uint64_t a = (bump_next + size - 1) & ~(size - 1);
	if (a + size > bump_limit)
		kpanic("boot: out of memory for the root server");
	bump_next = a + size;
	kmemset((void *)a, 0, size);
	return a;
}

struct root_ctx {
	struct tcb *tcb;
	struct cap *cnode; /* the root CNode's slots */
	uint64_t vs_root;
	struct keel_bootinfo *bi;
	uint32_t next_slot;
};

static void boot_map_at(struct root_ctx *r, uint64_t vaddr, uint64_t paddr, unsigned rights,
		       unsigned level)
{
	while (!vspace_map_frame(r->vs_root, vaddr, paddr, rights, false, level))
		if (!vspace_map_table(r->vs_root, vaddr, boot_alloc(PAGE_SIZE)))
			kpanic("boot: root mapping clash");
}

static void boot_map(struct root_ctx *r, uint64_t vaddr, uint64_t paddr, unsigned rights)
{
	boot_map_at(r, vaddr, paddr, rights, arch_pt_levels() - 1);
}

static uint64_t root_new_page(struct root_ctx *r, uint64_t vaddr, unsigned rights)
{
	uint64_t p = boot_alloc(PAGE_SIZE);
	boot_map(r, vaddr, p, rights);
	return p;
}

static void root_load_elf(struct root_ctx *r, const uint8_t *img, uint64_t size)
{
	const struct elf64_ehdr *eh = (const void *)img;
	if (!elf_valid(img, size))
		kpanic("boot: root module is not an ELF executable for this architecture");
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(img, i);
		if (ph->p_type != PT_LOAD)
			continue;
		unsigned rights = KEEL_R_READ | (ph->p_flags & PF_W ? KEEL_R_WRITE : 0) |
				  (ph->p_flags & PF_X ? KEEL_R_EXEC : 0);
		uint64_t start = ph->p_vaddr & ~(PAGE_SIZE - 1);
		for (uint64_t va = start; va < ph->p_vaddr + ph->p_memsz; va += PAGE_SIZE) {
			uint8_t *page = (uint8_t *)root_new_page(r, va, rights);
			for (uint64_t b = 0; b < PAGE_SIZE; b++) {
				uint64_t off = va + b - ph->p_vaddr;
				if (va + b >= ph->p_vaddr && off < ph->p_filesz)
					page[b] = img[ph->p_offset + off];
			}
		}
	}
	arch_regs_init_user(&r->tcb->regs, eh->e_entry, 0);
}

/* Stack as a Linux process starts with it, so musl's _start works:
 * argc, argv[], NULL, envp NULL, auxv (AT_PAGESZ, AT_NULL), strings. */
static void root_stack(struct root_ctx *r)
{
	uint64_t top = 0;
	for (unsigned i = 1; i <= ROOT_STACK_PAGES; i++) {
		uint64_t p = root_new_page(r, ROOT_STACK_TOP - i * PAGE_SIZE,
					   KEEL_R_READ | KEEL_R_WRITE);
		if (i == 1)
			top = p + PAGE_SIZE; /* physical end of the highest page */
	}
	uint64_t *sp = (uint64_t *)(top - 128);
	char *name = (char *)(top - 16);
	kmemcpy(name, "root", 5);
	sp[0] = 1;
	sp[1] = ROOT_STACK_TOP - 16;
	sp[2] = 0;
	sp[3] = 0;
	sp[4] = 6; /* AT_PAGESZ */
	sp[5] = PAGE_SIZE;
	sp[6] = 0; /* AT_NULL */
	sp[7] = 0;
	arch_regs_set_sp(&r->tcb->regs, ROOT_STACK_TOP - 128);
}

static struct cap *root_slot(struct root_ctx *r, uint32_t i) { return &r->cnode[i]; }

static void root_objects(struct root_ctx *r)
{
	uint64_t cn = boot_alloc(1ull << (ROOT_CNODE_BITS + KEEL_SLOT_BITS));
	uint64_t tcb = boot_alloc(1ull << KEEL_TCB_BITS);
	uint64_t vs = boot_alloc(1ull << ARCH_VSPACE_BITS);
	struct cap cnc = { .type = KEEL_OBJ_CNODE, .rights = KEEL_R_ALL,
			   .size_bits = ROOT_CNODE_BITS, .flags = CAP_ORIGINAL, .obj = cn };
	struct cap tc = { .type = KEEL_OBJ_TCB, .rights = KEEL_R_ALL,
			  .flags = CAP_ORIGINAL, .obj = tcb };
	struct cap vc = { .type = KEEL_OBJ_VSPACE, .rights = KEEL_R_ALL,
			  .flags = CAP_ORIGINAL, .obj = vs };
	struct cap ic = { .type = KEEL_OBJ_IRQ_CONTROL, .rights = KEEL_R_ALL };
	struct cap trc = { .type = KEEL_OBJ_TRACE, .rights = KEEL_R_ALL };
	struct cap klc = { .type = KEEL_OBJ_KLOG, .rights = KEEL_R_READ | KEEL_R_WRITE };
	r->cnode = (struct cap *)cn;
	r->tcb = (struct tcb *)tcb;
	r->vs_root = vs;
	object_init(KEEL_OBJ_TCB, tcb, 0, true);
	cap_init_root(root_slot(r, KEEL_ROOT_CNODE), &cnc);
	cap_init_root(root_slot(r, KEEL_ROOT_TCB), &tc);
	cap_init_root(root_slot(r, KEEL_ROOT_VSPACE), &vc);
	cap_init_root(root_slot(r, KEEL_ROOT_IRQ_CONTROL), &ic);
	cap_init_root(root_slot(r, KEEL_ROOT_TRACE), &trc);
	cap_init_root(root_slot(r, KEEL_ROOT_KLOG), &klc);
	vmid_pool_boot(root_slot(r, KEEL_ROOT_VMID_POOL), root_slot(r, KEEL_ROOT_VSPACE));
	r->next_slot = KEEL_ROOT_FIRST_FREE_FIXED;
}

static void root_bind_copy(struct tcb *t, unsigned i, struct cap *src)
{
	struct cap val = *src;
	val.flags &= (uint8_t)~(CAP_ORIGINAL | CAP_MAPPED);
	cap_insert_child(src, &t->slot[i], &val);
}

static void root_bind(struct root_ctx *r, uint64_t ipcbuf)
{
	struct tcb *t = r->tcb;
	struct cap buf = { .type = KEEL_OBJ_FRAME, .rights = KEEL_R_ALL, .obj = ipcbuf };
	root_bind_copy(t, TCB_CSPACE, root_slot(r, KEEL_ROOT_CNODE));
	root_bind_copy(t, TCB_VSPACE, root_slot(r, KEEL_ROOT_VSPACE));
	cap_init_root(&t->slot[TCB_IPCBUF], &buf);
	t->ipcbuf_vaddr = ROOT_IPCBUF;
	tcb_cache_vspace(t);
	t->prio = ROOT_PRIO;
	t->state = TS_READY;
}

/* ---- boot blobs (keel/abi.h): checked, reserved, handed to root ---- */

#define BLOB_ALIGN (1ull << KEEL_LARGE_PAGE_BITS)
/* Blobs stay this far above the kernel image: the root server is built
 * from the memory right after it (boot_alloc). */
#define BOOT_ROOM (16ull << 20)
#define BOOT_MAX_HOLES (KEEL_BLOB_MAX + 2)

struct hole { uint64_t base, end; };
static struct hole holes[BOOT_MAX_HOLES]; /* RAM that never becomes untyped */
static unsigned nholes;
static const struct keel_blob_manifest *blobs;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static bool overlaps(uint64_t b0, uint64_t e0, uint64_t b1, uint64_t e1)
{
	return b0 < e1 && b1 < e0;
}

/* The value of "key=0x<hex>" on the command line, 0 if absent or bad. */
static uint64_t cmdline_hex(const char *cmd, const char *key)
{
	for (const char *s = cmd; s && *s; s++) {
		const char *k = key, *p = s;
		uint64_t v = 0;
		if (s != cmd && s[-1] != ' ')
			continue; /* not the start of a word */
		while (*k && *p == *k)
			k++, p++;
		if (*k || p[0] != '0' || p[1] != 'x')
			continue;
		for (p += 2; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
			v = v << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		return *p == 0 || *p == ' ' ? v : 0;
	}
	return 0;
}

/* Is word a whole word of the command line? */
static bool cmdline_has(const char *cmd, const char *word)
{
	for (const char *s = cmd; s && *s; s++) {
		const char *w = word, *p = s;
		if (s != cmd && s[-1] != ' ')
			continue;
		while (*w && *p == *w)
			w++, p++;
		if (!*w && (*p == 0 || *p == ' '))
			return true;
	}
	return false;
}

/* "ram-zeroed": the machine's loader zeroed RAM but for the kernel, the
 * device tree and the blobs the manifest names (QEMU does; mkblobs says
 * so), so RAM that nothing used since is handed to root as known to be
 * zero, and not zeroed again when first retyped (object.c). Blobs that
 * are refused leave their data in RAM that becomes untyped: then nothing
 * is taken as zero. */
static bool ram_zeroed;

static bool hole_add(uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < nholes; i++)
		if (overlaps(base, end, holes[i].base, holes[i].end))
			return false;
	holes[nholes++] = (struct hole){ base, end };
	return true;
}

static const char *blobs_check(const struct boot_mem *bm, uint64_t addr)
{
	const struct keel_blob_manifest *m = (const void *)addr;
	uint64_t ram_end = bm->ram_base + bm->ram_size;
	if (addr % PAGE_SIZE || addr < bm->kernel_end + BOOT_ROOM || addr + PAGE_SIZE > ram_end)
		return "manifest not a page of RAM at least 16 MiB above the kernel";
	if (overlaps(addr, addr + PAGE_SIZE, bm->kernel_start, bm->kernel_end) ||
	    !hole_add(addr, addr + PAGE_SIZE))
		return "manifest overlaps the kernel or the device tree";
	if (m->magic != KEEL_BLOB_MAGIC || m->count == 0 || m->count > KEEL_BLOB_MAX)
		return "bad magic or blob count";
	for (unsigned i = 0; i < m->count; i++) {
		const struct keel_blob *b = &m->blob[i];
		uint64_t end = align_up(b->paddr + b->size, BLOB_ALIGN);
		if (b->name[sizeof(b->name) - 1] || !b->name[0] || b->size == 0 ||
		    b->paddr % BLOB_ALIGN || b->paddr < bm->kernel_end + BOOT_ROOM ||
		    end > ram_end || end <= b->paddr)
			return "a blob is unnamed, empty, unaligned, outside RAM or too close "
			       "above the kernel";
		if (overlaps(b->paddr, end, bm->kernel_start, bm->kernel_end) ||
		    !hole_add(b->paddr, end))
			return "a blob overlaps another, the manifest, the kernel or the device tree";
	}
	return NULL;
}

/* Keel's own reserved RAM (the device tree) first, then the blobs; on any
 * broken rule the blobs are dropped and boot goes on without them. */
static void blobs_find(const struct boot_mem *bm)
{
	uint64_t addr = cmdline_hex(bm->cmdline, "blobs=");
	const char *why;
	if (bm->dtb_end > bm->dtb_start)
		hole_add(bm->dtb_start & ~(PAGE_SIZE - 1), align_up(bm->dtb_end, PAGE_SIZE));
	if (!addr)
		return;
	if ((why = blobs_check(bm, addr))) {
		kprintf("keel: boot blobs at 0x%lx ignored: %s\n", (unsigned long)addr, why);
		nholes = bm->dtb_end > bm->dtb_start;
		ram_zeroed = false; /* what the loader put there becomes untyped */
		return;
	}
	blobs = (const struct keel_blob_manifest *)addr;
	for (unsigned i = 1; i < nholes; i++)
		if (holes[i].base < bump_limit && holes[i].base >= bump_next)
			bump_limit = holes[i].base;
}

static void root_module_add(struct root_ctx *r, const char *name, uint64_t va, uint64_t size)
{
	struct keel_boot_module *m = &r->bi->module[r->bi->module_count++];
	for (unsigned i = 0; i + 1 < sizeof(m->name) && name[i]; i++)
		m->name[i] = name[i];
	m->vaddr = va;
	m->size = size;
}

/* A blob: mapped read-only in root as large blocks, and one read-only
 * large-frame capability per block for root to hand on. */
static uint64_t root_blob(struct root_ctx *r, const struct keel_blob *b, uint64_t va)
{
	struct keel_boot_module *m = &r->bi->module[r->bi->module_count];
	unsigned level = arch_pt_levels() - 2;
	root_module_add(r, b->name, va, b->size);
	m->frame_first = r->next_slot;
	for (uint64_t off = 0; off < b->size; off += BLOB_ALIGN, va += BLOB_ALIGN) {
		struct cap f = { .type = KEEL_OBJ_FRAME, .rights = KEEL_R_READ,
				 .size_bits = KEEL_LARGE_PAGE_BITS, .flags = CAP_ORIGINAL,
				 .obj = b->paddr + off };
		boot_map_at(r, va, b->paddr + off, KEEL_R_READ, level);
		cap_init_root(root_slot(r, r->next_slot++), &f);
		m->frame_count++;
	}
	kprintf("keel: boot blob %s: %lu bytes at 0x%lx\n", m->name, (unsigned long)b->size,
		(unsigned long)b->paddr);
	return va;
}

static void root_modules(struct root_ctx *r)
{
	uint64_t va = KEEL_MODULES_VADDR;
	for (uint64_t i = 0; i < boot_module_count && i < KEEL_BOOT_MAX_MODULES; i++) {
		const struct boot_module_desc *m = &boot_module_table[i];
		root_module_add(r, m->name, va, m->size);
		for (uint64_t off = 0; off < m->size; off += PAGE_SIZE, va += PAGE_SIZE)
			boot_map(r, va, m->start + off, KEEL_R_READ);
	}
	va = align_up(va, BLOB_ALIGN);
	for (unsigned i = 0; blobs && i < blobs->count; i++) {
		if (r->bi->module_count == KEEL_BOOT_MAX_MODULES) {
			kprintf("keel: boot blobs from %s on dropped: too many modules\n",
				blobs->blob[i].name);
			break;
		}
		va = root_blob(r, &blobs->blob[i], va);
	}
}

/* The trace rings (trace.c): one per CPU, read-only in root only. */
static void root_trace(struct root_ctx *r)
{
	for (unsigned c = 0; c < kernel_ncpus; c++) {
		uint64_t ring = boot_alloc(KEEL_TRACE_RING_BYTES);
		for (uint64_t off = 0; off < KEEL_TRACE_RING_BYTES; off += PAGE_SIZE)
			boot_map(r, KEEL_TRACE_VADDR + c * KEEL_TRACE_RING_BYTES + off, ring + off,
				 KEEL_R_READ);
		trace_set_ring(c, ring);
	}
}

/* Cut [base, end) into naturally aligned power-of-two untyped capabilities. */
static void root_untyped(struct root_ctx *r, uint64_t base, uint64_t end, bool device)
{
	struct keel_bootinfo *bi = r->bi;
	while (base < end && bi->untyped_count < KEEL_BOOT_MAX_UNTYPED) {
		unsigned bits = KEEL_UNTYPED_MAX_BITS;
		while (bits > KEEL_UNTYPED_MIN_BITS &&
		       ((base & ((1ull << bits) - 1)) || base + (1ull << bits) > end))
			bits--;
		if (base + (1ull << bits) > end)
			return;
		struct cap ut = { .type = KEEL_OBJ_UNTYPED, .rights = KEEL_R_ALL,
				  .size_bits = (uint8_t)bits, .obj = base,
				  .flags = CAP_ORIGINAL | (device ? CAP_DEVICE : 0),
				  .data2 = ram_zeroed && !device ? 1ull << bits : 0 };
		struct keel_boot_untyped *u = &bi->untyped[bi->untyped_count++];
		u->paddr = base;
		u->size_bits = (uint8_t)bits;
		u->is_device = device;
		cap_init_root(root_slot(r, r->next_slot++), &ut);
		base += 1ull << bits;
	}
}

static const struct boot_module_desc *find_module(const char *name)
{
	for (uint64_t i = 0; i < boot_module_count; i++) {
		const char *a = boot_module_table[i].name, *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (*a == 0 && *b == 0)
			return &boot_module_table[i];
	}
	return NULL;
}

static void root_bootinfo(struct root_ctx *r, const struct boot_mem *bm)
{
	uint64_t p = root_new_page(r, KEEL_BOOTINFO_VADDR, KEEL_R_READ);
	struct keel_bootinfo *bi = (struct keel_bootinfo *)p;
	r->bi = bi;
	bi->magic = KEEL_BOOTINFO_MAGIC;
	bi->ncpus = kernel_ncpus;
	bi->cnode_bits = ROOT_CNODE_BITS;
	bi->timer_hz = arch_timer_hz();
	bi->cpu_features = arch_cpu_features();
	for (unsigned i = 0; bm->cmdline && bm->cmdline[i] && i + 1 < sizeof(bi->cmdline); i++)
		bi->cmdline[i] = bm->cmdline[i];
}

/* All RAM above the boot allocations, less the holes, in address order. */
static void root_memory(struct root_ctx *r, const struct boot_mem *bm)
{
	uint64_t end = bm->ram_base + bm->ram_size, base = bump_next;
	r->bi->untyped_first = r->next_slot;
	while (base < end) {
		uint64_t next = end, skip = end;
		for (unsigned i = 0; i < nholes; i++) {
			if (holes[i].end > base && holes[i].base < next) {
				next = holes[i].base > base ? holes[i].base : base;
				skip = holes[i].end;
			}
		}
		root_untyped(r, base, next, false);
		base = skip;
	}
	for (unsigned i = 0; i < bm->ndev; i++)
		root_untyped(r, bm->dev[i].base, bm->dev[i].base + bm->dev[i].size, true);
	r->bi->untyped_count = r->next_slot - r->bi->untyped_first;
	r->bi->first_free_slot = r->next_slot;
}

_Noreturn void kernel_boot(const struct boot_mem *bm)
{
	struct root_ctx r;
	const struct boot_module_desc *root = find_module("root");
	kprintf("keel: %u CPUs, RAM %lx+%lx, %lu boot modules\n", kernel_ncpus,
		(unsigned long)bm->ram_base, (unsigned long)bm->ram_size,
		(unsigned long)boot_module_count);
	if (!root)
		kpanic("boot: no root module");
	ram_zeroed = cmdline_has(bm->cmdline, "ram-zeroed");
	bump_next = (bm->kernel_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bump_limit = bm->dtb_start > bump_next ? bm->dtb_start : bm->ram_base + bm->ram_size;
	blobs_find(bm);
	root_objects(&r);
	root_load_elf(&r, (const uint8_t *)root->start, root->size);
	root_stack(&r);
	root_bind(&r, root_new_page(&r, ROOT_IPCBUF, KEEL_R_READ | KEEL_R_WRITE));
	root_bootinfo(&r, bm);
	root_modules(&r);
	root_trace(&r);
	root_memory(&r, bm);
	kprintf("keel: root server up, %u untyped, %u free slots from %u\n",
		r.bi->untyped_count, (1u << ROOT_CNODE_BITS) - r.next_slot, r.next_slot);
	this_cpu()->current = r.tcb;
	arch_boot_secondaries();
	kernel_exit();
}
