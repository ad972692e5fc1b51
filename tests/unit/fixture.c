/*
 * The root-server fixture (see fixture.h) and the helpers that enter the
 * kernel. Setup mirrors kernel/boot.c (root_objects, root_bind,
 * root_untyped); teardown deletes the root CNode, which must take every
 * object of the test with it and leave the kernel as it found it.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define FX_CNODE_SIZE (1ull << (FX_CNODE_BITS + KEEL_SLOT_BITS))
#define FX_TCB_SIZE (1ull << KEEL_TCB_BITS)

struct fixture fx;

static void fx_panic(const char *why)
{
	ck_abort_msg("kernel panic: %s", why);
}

/* The CPU that got the IPI takes it. Asked to stall (sched_remote_stall),
 * the thread it runs traps and finds the lock held by the CPU that asked:
 * the real kernel_enter_contended runs there and acknowledges. (What that
 * CPU does once it gets the lock comes later, outside the test's call.) */
static void fx_ipi(unsigned cpu)
{
	struct percpu *c = &kernel_cpu[cpu];
	unsigned me = fake_arch.cpu;
	if (!c->stall_req || c->stall_ack)
		return;
	ck_assert_msg(fake_arch.running[cpu] != NULL,
		      "stall of CPU %u, which never returned to a thread", cpu);
	fake_arch.cpu = cpu;
	fake_arch.lock_wait = &c->stall_ack;
	kernel_enter_contended(fake_arch.running[cpu], fake_arch.in_svc[cpu]);
	fake_arch.lock_wait = NULL;
	fake_arch.cpu = me;
}

bool fx_recycle;

/* With fx_recycle, the n-th allocation of a setup reuses the n-th of the
 * last one (setups allocate the same sizes in the same order). */
#define FX_ALLOCS 8u
static struct {
	void *p;
	size_t size;
} fx_kept[FX_ALLOCS];
static unsigned fx_allocs;

/* Naturally aligned, like kernel objects; filled with garbage so that
 * missing zeroing shows. */
static void *fx_alloc(size_t size)
{
	unsigned i = fx_allocs++;
	void *p = fx_recycle && i < FX_ALLOCS && fx_kept[i].size == size ? fx_kept[i].p : NULL;
	if (!p)
		p = aligned_alloc(size, size);
	ck_assert_ptr_nonnull(p);
	if (fx_recycle && i < FX_ALLOCS)
		fx_kept[i].p = p, fx_kept[i].size = size;
	memset(p, 0xa5, size);
	return p;
}

static void fx_free(void *p)
{
	if (!fx_recycle)
		free(p);
}

/* As boot_alloc in kernel/boot.c: zeroed. */
static uint64_t fx_boot_alloc(size_t size)
{
	void *p = fx_alloc(size);
	memset(p, 0, size);
	return (uint64_t)(uintptr_t)p;
}

static void fx_cpus_reset(void)
{
	memset(kernel_cpu, 0, sizeof(kernel_cpu));
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		kernel_cpu[i].idle.state = TS_IDLE;
		kernel_cpu[i].id = (uint8_t)i;
		kernel_cpu[i].idle.cpu = (uint8_t)i;
		kernel_cpu[i].current = &kernel_cpu[i].idle;
	}
	kernel_ncpus = 2;
}

/* As root_objects in kernel/boot.c. */
static void fx_root_objects(void)
{
	uint64_t cn = fx_boot_alloc(FX_CNODE_SIZE);
	uint64_t tcb = fx_boot_alloc(FX_TCB_SIZE);
	uint64_t vs = fx_boot_alloc(PAGE_SIZE);
	struct cap cnc = { .type = KEEL_OBJ_CNODE, .rights = KEEL_R_ALL,
			   .size_bits = FX_CNODE_BITS, .flags = CAP_ORIGINAL, .obj = cn };
	struct cap tc = { .type = KEEL_OBJ_TCB, .rights = KEEL_R_ALL,
			  .flags = CAP_ORIGINAL, .obj = tcb };
	struct cap vc = { .type = KEEL_OBJ_VSPACE, .rights = KEEL_R_ALL,
			  .flags = CAP_ORIGINAL, .obj = vs };
	struct cap ic = { .type = KEEL_OBJ_IRQ_CONTROL, .rights = KEEL_R_ALL };
	fx.cnode = (struct cap *)cn;
	fx.root = (struct tcb *)tcb;
	fx.root_vs = (void *)vs;
	object_init(KEEL_OBJ_TCB, tcb, 0, true);
	cap_init_root(&fx.cnode[KEEL_ROOT_CNODE], &cnc);
	cap_init_root(&fx.cnode[KEEL_ROOT_TCB], &tc);
	cap_init_root(&fx.cnode[KEEL_ROOT_VSPACE], &vc);
	cap_init_root(&fx.cnode[KEEL_ROOT_IRQ_CONTROL], &ic);
	vmid_pool_boot(&fx.cnode[KEEL_ROOT_VMID_POOL], &fx.cnode[KEEL_ROOT_VSPACE]);
}

static void fx_bind_copy(unsigned i, struct cap *src)
{
	struct cap val = *src;
	val.flags &= (uint8_t)~(CAP_ORIGINAL | CAP_MAPPED);
	cap_insert_child(src, &fx.root->slot[i], &val);
}

/* As root_bind in kernel/boot.c. */
static void fx_root_bind(void)
{
	uint64_t ipcbuf = fx_boot_alloc(PAGE_SIZE);
	struct cap buf = { .type = KEEL_OBJ_FRAME, .rights = KEEL_R_ALL, .obj = ipcbuf };
	fx_bind_copy(TCB_CSPACE, &fx.cnode[KEEL_ROOT_CNODE]);
	fx_bind_copy(TCB_VSPACE, &fx.cnode[KEEL_ROOT_VSPACE]);
	cap_init_root(&fx.root->slot[TCB_IPCBUF], &buf);
	fx.root_ipcbuf = (uint64_t *)(uintptr_t)ipcbuf;
	fx.root->ipcbuf_vaddr = FX_ROOT_IPCBUF;
	fx.root->prio = FX_ROOT_PRIO;
	fx.root->state = TS_READY;
	tcb_cache_vspace(fx.root);
}

static void fx_untyped(uint64_t slot, void *mem, unsigned bits, bool device)
{
	struct cap ut = { .type = KEEL_OBJ_UNTYPED, .rights = KEEL_R_ALL,
			  .size_bits = (uint8_t)bits, .obj = (uint64_t)(uintptr_t)mem,
			  .flags = CAP_ORIGINAL | (device ? CAP_DEVICE : 0) };
	cap_init_root(&fx.cnode[slot], &ut);
}

void fx_setup(void)
{
	fake_arch_reset();
	fake_arch.on_panic = fx_panic;
	fake_arch.on_ipi = fx_ipi;
	fx_cpus_reset();
	memset(&fx, 0, sizeof(fx));
	fx_allocs = 0;
	fx.ram = fx_alloc(1ull << FX_UT_BITS);
	fx.dev = fx_alloc(1ull << FX_DEV_BITS);
	fx_root_objects();
	fx_root_bind();
	fx_untyped(FX_UT, fx.ram, FX_UT_BITS, false);
	fx_untyped(FX_DEV_UT, fx.dev, FX_DEV_BITS, true);
	kernel_cpu[0].current = fx.root;
}

/* Deleting the root CNode (whose original sits in itself) deletes the root
 * TCB and revokes the untyped, so nothing a test made may survive it. */
void fx_teardown(void)
{
	fake_arch.cpu = 0;
	cap_delete(&fx.cnode[KEEL_ROOT_CNODE]);
	ck_assert_uint_eq(vspace_free_vmids(), MAX_VMIDS - 1);
	for (unsigned i = 0; i < kernel_ncpus; i++) {
		ck_assert_ptr_eq(kernel_cpu[i].current, &kernel_cpu[i].idle);
		ck_assert_ptr_null(kernel_cpu[i].parked.head);
		for (unsigned w = 0; w < NUM_PRIOS / 64; w++)
			ck_assert_uint_eq(kernel_cpu[i].ready_map[w], 0);
		ck_assert_uint_eq(kernel_cpu[i].ready_words, 0);
	}
	fx_free(fx.cnode);
	fx_free(fx.root);
	fx_free(fx.root_vs);
	fx_free(fx.root_ipcbuf);
	fx_free(fx.ram);
	fx_free(fx.dev);
	fake_arch_reset();
}

struct fx_snapshot {
	uint8_t cnode[FX_CNODE_SIZE], tcb[FX_TCB_SIZE], vs[PAGE_SIZE], ipcbuf[PAGE_SIZE];
	uint8_t ram[1ull << FX_UT_BITS];
	struct percpu cpu[MAX_CPUS];
};

struct fx_snapshot *fx_snapshot_take(void)
{
	struct fx_snapshot *s = malloc(sizeof(*s));
	ck_assert_ptr_nonnull(s);
	memcpy(s->cnode, fx.cnode, sizeof(s->cnode));
	memcpy(s->tcb, fx.root, sizeof(s->tcb));
	memcpy(s->vs, fx.root_vs, sizeof(s->vs));
	memcpy(s->ipcbuf, fx.root_ipcbuf, sizeof(s->ipcbuf));
	memcpy(s->ram, fx.ram, sizeof(s->ram));
	memcpy(s->cpu, kernel_cpu, sizeof(s->cpu));
	return s;
}

bool fx_snapshot_same(struct fx_snapshot *s)
{
	bool same = !memcmp(s->cnode, fx.cnode, sizeof(s->cnode)) &&
		    !memcmp(s->tcb, fx.root, sizeof(s->tcb)) &&
		    !memcmp(s->vs, fx.root_vs, sizeof(s->vs)) &&
		    !memcmp(s->ipcbuf, fx.root_ipcbuf, sizeof(s->ipcbuf)) &&
		    !memcmp(s->ram, fx.ram, sizeof(s->ram)) &&
		    !memcmp(s->cpu, kernel_cpu, sizeof(s->cpu));
	free(s);
	return same;
}

struct cap *fx_slot(uint64_t i) { return &fx.cnode[i]; }
uint64_t *fx_regs(struct tcb *t) { return arch_msg_regs(&t->regs); }
struct tcb *fx_tcb(uint64_t slot) { return (struct tcb *)(uintptr_t)fx.cnode[slot].obj; }
struct endpoint *fx_ep(uint64_t slot) { return (struct endpoint *)(uintptr_t)fx.cnode[slot].obj; }
struct percpu *fx_cpu(unsigned i) { return &kernel_cpu[i]; }

struct notification *fx_ntfn(uint64_t slot)
{
	return (struct notification *)(uintptr_t)fx.cnode[slot].obj;
}

void fx_run(struct tcb *t)
{
	struct percpu *c = &kernel_cpu[t->cpu];
	struct tcb *old = c->current;
	ck_assert_msg(t->state == TS_READY, "fx_run: thread %p not ready (state %u)",
		      (void *)t, t->state);
	fake_arch.cpu = t->cpu;
	if (old == t)
		return;
	sched_dequeue(t);
	c->current = t;
	if (old->state == TS_READY)
		sched_enqueue(old);
}

uint64_t fx_trap(struct tcb *t, unsigned num, uint64_t cptr, uint64_t info,
		 const uint64_t mr[6])
{
	uint64_t *r = fx_regs(t);
	fx_run(t);
	r[0] = cptr;
	r[1] = info;
	for (unsigned i = 0; i < KEEL_MSG_REG_MRS; i++)
		r[2 + i] = mr ? mr[i] : 0;
	kernel_enter(t, true);
	(fake_arch.traced ? kernel_syscall_traced : kernel_syscall)(num);
	return r[0];
}

void fx_exit(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len)
{
	(fake_arch.traced ? vcpu_exit_traced : vcpu_exit)(t, label, msg, len);
}

long fx_invoke(uint64_t cptr, uint64_t label, uint64_t mr[6])
{
	uint64_t *r = fx_regs(fx.root);
	long status = (long)fx_trap(fx.root, KEEL_SYS_CALL, cptr,
				    keel_msginfo(label, KEEL_MSG_REG_MRS), mr);
	for (unsigned i = 0; i < KEEL_MSG_REG_MRS; i++)
		mr[i] = r[2 + i];
	return status;
}

long fx_retype(unsigned type, unsigned bits, uint64_t dest, uint64_t count)
{
	return FX_INVOKE(FX_UT, KEEL_UNTYPED_RETYPE, type, bits, KEEL_ROOT_CNODE,
			 dest, count);
}

long fx_vspace(uint64_t slot, uint64_t count)
{
	long err = fx_retype(KEEL_OBJ_VSPACE, 0, slot, count);
	for (uint64_t i = 0; i < count && !err; i++)
		err = FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_ASSIGN, slot + i);
	return err;
}

struct tcb *fx_thread(uint64_t slot, unsigned prio, uint64_t ipcbuf_slot, bool start)
{
	uint64_t vaddr = ipcbuf_slot ? 0x10000000ull + slot * PAGE_SIZE : 0;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_TCB, 0, slot, 1), KEEL_OK);
	if (ipcbuf_slot)
		ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, ipcbuf_slot, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(slot, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, ipcbuf_slot, vaddr), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(slot, KEEL_TCB_SET_PRIORITY, prio), KEEL_OK);
	if (start)
		ck_assert_int_eq(FX_INVOKE(slot, KEEL_TCB_RESUME), KEEL_OK);
	return fx_tcb(slot);
}

struct tcb *fx_kernel_exit(void)
{
	jmp_buf landing;
	fake_arch.returned_to = NULL;
	if (!setjmp(landing)) {
		fake_arch.return_jmp = &landing;
		kernel_exit();
	}
	fake_arch.return_jmp = NULL;
	return fake_arch.returned_to;
}
