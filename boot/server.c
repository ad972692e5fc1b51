/*
 * Servers: create one from a boot module, give it capabilities, start,
 * restart and stop it.
 *
 * Each server has its own TCB, CNode, vspace, IPC buffer and stack. Every
 * page of its image and stack is a frame that root keeps mapped in its own
 * window (root's capability) while the server maps a copy; so root can read
 * what a server asks it to print and rewrite its data on restart. The
 * objects and capabilities survive a restart; only memory and registers
 * are reset.
 */
#include <elf.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/crashpoint.h>
#include <keel/ctl.h>
#include <keel/trace.h>
#include <keel/object.h>
#include <keel/print.h>

#include "console.h"
#include "root.h"

#define STACK_BASE (KEEL_STACK_TOP - KEEL_STACK_PAGES * ROOT_PAGE_SIZE)

static struct server servers[ROOT_MAX_SERVERS];
static unsigned nservers;

struct server *srv_by_badge(uint64_t badge)
{
	if (badge == 0 || badge > nservers || servers[badge - 1].state == SRV_GONE)
		return NULL;
	return &servers[badge - 1];
}

static struct srv_page *srv_page_find(struct server *s, uint64_t vaddr)
{
	uint64_t va = vaddr & ~(ROOT_PAGE_SIZE - 1);
	for (unsigned i = 0; i < s->npages; i++)
		if (s->page[i].vaddr == va)
			return &s->page[i];
	return NULL;
}

void *srv_view(struct server *s, uint64_t vaddr, uint64_t len)
{
	uint64_t va;
	if (vaddr >= ROOT_WINDOW_SIZE || len > ROOT_WINDOW_SIZE - vaddr)
		return NULL;
	for (va = vaddr & ~(ROOT_PAGE_SIZE - 1); va < vaddr + len; va += ROOT_PAGE_SIZE)
		if (!srv_page_find(s, va))
			return NULL;
	return (void *)(uintptr_t)(s->window + vaddr);
}

/* A page of the server's memory, also mapped in root's window. Pages that
 * two segments share get the union of their rights. */
static bool srv_page_add(void *ctx, uint64_t vaddr, unsigned rights)
{
	struct server *s = ctx;
	struct srv_page *p = srv_page_find(s, vaddr);
	uint64_t frame;
	if (p) {
		p->rights |= (uint8_t)rights;
		return true;
	}
	if (s->npages == SRV_MAX_PAGES || !(frame = root_alloc(KEEL_OBJ_FRAME, 0)))
		return false;
	if (root_frame_map(frame, KEEL_ROOT_VSPACE, s->window + vaddr,
		     KEEL_R_READ | KEEL_R_WRITE) != KEEL_OK)
		return false;
	p = &s->page[s->npages++];
	p->vaddr = vaddr;
	p->view = frame;
	p->rights = (uint8_t)rights;
	return true;
}

static void srv_fill(struct server *s, struct srv_page *p)
{
	elf_fill_page(s->image, p->vaddr, (uint8_t *)(uintptr_t)(s->window + p->vaddr));
}

/* Give the server its own copy of each page, with the page's rights. */
static bool srv_map_pages(struct server *s)
{
	for (unsigned i = 0; i < s->npages; i++) {
		struct srv_page *p = &s->page[i];
		uint64_t copy = root_alloc_slot();
		srv_fill(s, p);
		if (!copy || keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE,
					     p->view, p->rights) != KEEL_OK)
			return false;
		if (root_frame_map(copy, s->vspace, p->vaddr, p->rights) != KEEL_OK)
			return false;
	}
	return true;
}

static bool srv_load(struct server *s)
{
	if (!elf_each_page(s->image, srv_page_add, s))
		return false;
	for (uint64_t va = STACK_BASE; va < KEEL_STACK_TOP; va += ROOT_PAGE_SIZE)
		if (!srv_page_add(s, va, KEEL_R_READ | KEEL_R_WRITE))
			return false;
	s->entry = elf_entry(s->image);
	s->phdr = elf_phdr_vaddr(s->image, &s->phnum);
	return srv_map_pages(s);
}

static bool srv_objects(struct server *s)
{
	s->tcb = root_alloc(KEEL_OBJ_TCB, 0);
	s->cnode = root_alloc(KEEL_OBJ_CNODE, KEEL_SRV_CNODE_BITS);
	s->vspace = root_alloc(KEEL_OBJ_VSPACE, 0);
	s->ipcbuf = root_alloc(KEEL_OBJ_FRAME, 0);
	s->fault_ep = root_alloc_slot();
	if (!s->tcb || !s->cnode || !s->vspace || !s->ipcbuf || !s->fault_ep ||
	    keel_vmid_pool_assign(KEEL_ROOT_VMID_POOL, s->vspace, &s->vmid) != KEEL_OK)
		return false;
	return keel_cnode_mint(KEEL_ROOT_CNODE, s->fault_ep, KEEL_ROOT_CNODE,
			       root_endpoint(), KEEL_R_WRITE, s->id) == KEEL_OK;
}

static bool srv_bind(struct server *s)
{
	if (root_frame_map(s->ipcbuf, s->vspace, KEEL_IPCBUF_VADDR,
		     KEEL_R_READ | KEEL_R_WRITE) != KEEL_OK)
		return false;
	return keel_tcb_configure(s->tcb, s->fault_ep, s->cnode, s->vspace, s->ipcbuf,
				  KEEL_IPCBUF_VADDR) == KEEL_OK &&
	       keel_tcb_set_priority(s->tcb, s->prio) == KEEL_OK &&
	       keel_tcb_set_affinity(s->tcb, s->cpu) == KEEL_OK;
}

static bool srv_add_arg(struct server *s, const char *a, size_t *used)
{
	size_t n = strlen(a) + 1;
	if (s->argc == SRV_MAX_ARGS || n > SRV_ARGBUF - *used)
		return false;
	memcpy(s->argbuf + *used, a, n);
	s->argv[s->argc++] = s->argbuf + *used;
	s->argv[s->argc] = NULL;
	*used += n;
	return true;
}

/* argv[0] = name, then args; the strings live in s->argbuf. */
static bool srv_set_args(struct server *s, const char *const *args)
{
	size_t used = 0;
	if (!srv_add_arg(s, s->name, &used))
		return false;
	for (unsigned i = 0; args && args[i]; i++)
		if (!srv_add_arg(s, args[i], &used))
			return false;
	return true;
}

const struct keel_boot_module *srv_module(const char *prog)
{
	const struct keel_bootinfo *bi = root_boot_info();
	for (uint32_t i = 0; i < bi->module_count && i < KEEL_BOOT_MAX_MODULES; i++)
		if (strncmp(bi->module[i].name, prog, sizeof(bi->module[i].name)) == 0)
			return &bi->module[i];
	return NULL;
}

static struct server *srv_new(const char *prog, const char *name, unsigned cpu,
			      unsigned prio)
{
	const struct keel_boot_module *m = srv_module(prog);
	struct server *s = NULL;
	unsigned id = 0;
	for (unsigned i = 0; i < nservers && !id; i++)
		if (servers[i].state == SRV_GONE)
			id = i + 1; /* its objects were destroyed: reuse the entry */
	if (!id && nservers < ROOT_MAX_SERVERS)
		id = ++nservers;
	if (!m || !id || strlen(name) >= sizeof(s->name))
		return NULL;
	s = &servers[id - 1];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->id = id;
	s->cpu = cpu;
	s->prio = prio;
	s->policy = SRV_POLICY_DEFAULT;
	s->image = (const uint8_t *)(uintptr_t)m->vaddr;
	s->image_size = m->size;
	s->window = ROOT_WINDOW_BASE + (uint64_t)(s->id - 1) * ROOT_WINDOW_SIZE;
	return s;
}

struct server *srv_create(const char *prog, const char *name,
			  const char *const *args, unsigned cpu, unsigned prio)
{
	struct server *s = srv_new(prog, name, cpu, prio);
	const char *why = NULL;
	if (!s)
		why = "no such boot module, name too long or too many servers";
	else if (!srv_set_args(s, args))
		why = "too many or too long arguments";
	else if (!elf_check(s->image, s->image_size, KEEL_SHARED_VADDR))
		why = "not a static executable loadable below KEEL_SHARED_VADDR";
	else if (!srv_objects(s))
		why = "out of memory or slots for its objects";
	else if (!srv_load(s))
		why = "cannot load its image";
	else if (!srv_bind(s))
		why = "cannot configure its thread";
	if (!why)
		return s;
	kprintf("[root] cannot create server %s (%s): %s\n", name, prog, why);
	return NULL;
}

bool srv_grant_copy(struct server *s, unsigned slot, uint64_t src, unsigned rights)
{
	return keel_cnode_copy(s->cnode, slot, KEEL_ROOT_CNODE, src, rights) == KEEL_OK;
}

bool srv_grant_mint(struct server *s, unsigned slot, uint64_t src, unsigned rights,
		    uint64_t badge)
{
	return keel_cnode_mint(s->cnode, slot, KEEL_ROOT_CNODE, src, rights, badge) ==
	       KEEL_OK;
}

bool srv_grant_move(struct server *s, unsigned slot, uint64_t src)
{
	return keel_cnode_move(s->cnode, slot, KEEL_ROOT_CNODE, src) == KEEL_OK;
}

bool srv_grant_report(struct server *s)
{
	return srv_grant_copy(s, KEEL_SRV_REPORT, s->fault_ep, KEEL_R_WRITE);
}

bool srv_share_page(struct server *a, struct server *b)
{
	uint64_t frame = root_alloc(KEEL_OBJ_FRAME, 0), copy = root_alloc_slot();
	unsigned rw = KEEL_R_READ | KEEL_R_WRITE;
	if (!frame || !copy ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, frame, rw) != KEEL_OK)
		return false;
	return root_frame_map(frame, a->vspace, KEEL_SHARED_VADDR, rw) == KEEL_OK &&
	       root_frame_map(copy, b->vspace, KEEL_SHARED_VADDR, rw) == KEEL_OK;
}

/* ---- the initial stack -------------------------------------------------------
 *
 *   KEEL_STACK_TOP  ->  argv strings
 *                       (16-byte alignment)
 *                       auxv: AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ,
 *                             AT_ENTRY pairs, then AT_NULL, 0
 *                       NULL (end of envp; no environment)
 *                       NULL (end of argv)
 *                       argv[argc - 1] .. argv[0]
 *   sp (16-aligned) ->  argc
 */
static uint64_t srv_stack_words(struct server *s, uint64_t *w, const uint64_t *argv_va)
{
	uint64_t n = 0;
	w[n++] = s->argc;
	for (unsigned i = 0; i < s->argc; i++)
		w[n++] = argv_va[i];
	w[n++] = 0;
	w[n++] = 0;
	w[n++] = AT_PHDR, w[n++] = s->phdr;
	w[n++] = AT_PHENT, w[n++] = sizeof(Elf64_Phdr);
	w[n++] = AT_PHNUM, w[n++] = s->phnum;
	w[n++] = AT_PAGESZ, w[n++] = ROOT_PAGE_SIZE;
	w[n++] = AT_ENTRY, w[n++] = s->entry;
	w[n++] = AT_NULL, w[n++] = 0;
	return n;
}

static uint64_t srv_build_stack(struct server *s)
{
	uint64_t words[SRV_MAX_ARGS + 24], argv_va[SRV_MAX_ARGS + 1];
	uint64_t sp = KEEL_STACK_TOP, n;
	for (unsigned i = 0; i < s->argc; i++) {
		size_t len = strlen(s->argv[i]) + 1;
		sp -= len;
		memcpy(srv_view(s, sp, len), s->argv[i], len);
		argv_va[i] = sp;
	}
	n = srv_stack_words(s, words, argv_va);
	sp = (sp & ~15ull) - n * 8;
	sp &= ~15ull;
	memcpy(srv_view(s, sp, n * 8), words, n * 8);
	return sp;
}

bool srv_start(struct server *s)
{
	uint64_t sp = srv_build_stack(s);
	s->state = SRV_RUNNING;
	s->restart_due = 0;
	s->out_midline = false;
	if (keel_tcb_write_regs(s->tcb, s->entry, sp, 0, 0, 0) != KEEL_OK ||
	    keel_tcb_resume(s->tcb) != KEEL_OK) {
		s->state = SRV_STOPPED;
		console_log_follow(s);
		kprintf("[root] cannot start server %s\n", s->name);
		return false;
	}
	console_log_follow(s);
	return true;
}

/* Writable pages (data, bss, stack) come back as the image has them;
 * read-only ones cannot have changed. */
bool srv_restart(struct server *s)
{
	keel_tcb_suspend(s->tcb);
	for (unsigned i = 0; i < s->npages; i++)
		if (s->page[i].rights & KEEL_R_WRITE)
			srv_fill(s, &s->page[i]);
	s->restarts++;
	return srv_start(s);
}

void srv_set_policy(struct server *s, const struct srv_policy *p)
{
	s->policy = p ? *p : SRV_POLICY_DEFAULT;
	s->pstate = (struct srv_policy_state){ 0, 0 };
}

void srv_stop(struct server *s)
{
	keel_tcb_suspend(s->tcb);
	if (s->state == SRV_RUNNING)
		s->state = SRV_STOPPED;
	console_log_follow(s);
}

uint64_t srv_next_restart(void)
{
	uint64_t next = 0;
	for (unsigned i = 0; i < nservers; i++)
		if (servers[i].restart_due && (!next || servers[i].restart_due < next))
			next = servers[i].restart_due;
	return next;
}

struct server *srv_due_restart(uint64_t now)
{
	for (unsigned i = 0; i < nservers; i++)
		if (servers[i].restart_due && servers[i].restart_due <= now)
			return &servers[i];
	return NULL;
}

void srv_stop_all(void)
{
	for (unsigned i = 0; i < nservers; i++)
		if (servers[i].state != SRV_GONE)
			srv_stop(&servers[i]);
}

/* A real crash, on request: the thread is sent to address 0, where it
 * takes an instruction abort that root handles as any fault (its restart
 * policy applies). */
bool srv_crash(struct server *s)
{
	if (s->state != SRV_RUNNING)
		return false;
	keel_tcb_suspend(s->tcb);
	return keel_tcb_write_regs(s->tcb, 0, KEEL_STACK_TOP, 0, 0, 0) == KEEL_OK &&
	       keel_tcb_resume(s->tcb) == KEEL_OK;
}

bool srv_crash_at(struct server *s, uint32_t point)
{
	volatile uint32_t *w;
	if (s->state != SRV_RUNNING || !s->crash_va ||
	    !(w = srv_view(s, s->crash_va, sizeof(*w))))
		return false;
	*w = point;
	return true;
}

/* srv_report sees every report first: its kind must be no other's */
_Static_assert(KEEL_REPORT_CRASH_POINT > KEEL_CTL_TRACE_READ &&
		       KEEL_REPORT_CRASH_POINT > KEEL_CTL_REMOVE &&
		       KEEL_REPORT_CRASH_POINT > KEEL_CTL_REPORT_DEV_COUNTERS &&
		       KEEL_REPORT_CRASH_POINT > KEEL_REPORT_TRACE_LOG,
	       "KEEL_REPORT_CRASH_POINT is a report kind of its own");

/* Its crash-point word: somewhere in its own writable pages (checked
 * again at each arming: a restart makes it tell root anew). */
bool srv_report(struct server *s, unsigned kind, uint64_t value)
{
	struct srv_page *p;
	if (kind != KEEL_REPORT_CRASH_POINT)
		return false;
	p = srv_page_find(s, value);
	s->crash_va = 0;
	if (value % sizeof(uint32_t) == 0 && p && (p->rights & KEEL_R_WRITE))
		s->crash_va = value;
	else
		kprintf("[root] %s: no crash-point word at 0x%lx\n", s->name, (unsigned long)value);
	return true;
}

/* The server's objects are about to be destroyed (its VM's carve is
 * cleared): stop it and free its entry; its badge means nothing now. */
void srv_forget(struct server *s)
{
	srv_stop(s);
	s->restart_due = 0;
	s->state = SRV_GONE;
}
