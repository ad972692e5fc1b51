/*
 * Address spaces (kernel/vspace.c) through the fake arch's page-table
 * format (arch/fake/pt.c, layout in arch/fake.h): table installation,
 * frame mapping and its checks, the entries actually written, unmapping,
 * VMID generations and exhaustion.
 */
#include "fixture.h"

#define VS 16
#define PT1 17
#define PT2 18
#define F 19
#define F2 20
/* L0 index 3, L1 index 5, L2 index 7 */
#define VA ((3ull << 30) | (5ull << 21) | (7ull << 12))

static arch_pte_t *table(uint64_t slot) { return (arch_pte_t *)(uintptr_t)fx_slot(slot)->obj; }

static long map_frame(uint64_t f, uint64_t vs, uint64_t va, uint64_t rights)
{
	return FX_INVOKE(f, KEEL_FRAME_MAP, vs, va, rights);
}

static long map_pt(uint64_t pt, uint64_t vs, uint64_t va)
{
	return FX_INVOKE(pt, KEEL_PT_MAP, vs, va);
}

static unsigned valid_entries(const arch_pte_t *t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		n += (t[i] & FAKE_PTE_VALID) != 0;
	return n;
}

static void vs_setup(void)
{
	ck_assert_int_eq(fx_vspace(VS, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, PT1, 2), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, F, 2), KEEL_OK);
}

/* vs_setup, plus both tables mapped on the way to va */
static void vs_tables(uint64_t vs, uint64_t pt1, uint64_t pt2, uint64_t va)
{
	ck_assert_int_eq(map_pt(pt1, vs, va), KEEL_OK);
	ck_assert_int_eq(map_pt(pt2, vs, va), KEEL_OK);
}

START_TEST(fake_format_round_trips)
{
	uint64_t pa = 0x12345678000ull;
	arch_pte_t p = arch_pte_page(pa, KEEL_R_READ | KEEL_R_EXEC, true, arch_pt_levels() - 1);
	arch_pte_t t = arch_pte_table(pa);
	ck_assert_uint_eq(arch_pte_paddr(p), pa);
	ck_assert_uint_eq(arch_pte_paddr(t), pa);
	ck_assert_uint_eq(p & FAKE_PTE_RIGHTS, FAKE_PTE_R | FAKE_PTE_X);
	ck_assert_uint_ne(p & FAKE_PTE_DEVICE, 0);
	ck_assert(arch_pte_valid(p) && arch_pte_valid(t) && !arch_pte_valid(0));
	ck_assert(arch_pte_is_table(t, 0) && arch_pte_is_table(t, 1));
	ck_assert(!arch_pte_is_table(t, 2) && !arch_pte_is_table(p, 1));
	ck_assert_uint_eq(arch_pt_index(VA, 0), 3);
	ck_assert_uint_eq(arch_pt_index(VA, 1), 5);
	ck_assert_uint_eq(arch_pt_index(VA, 2), 7);
	ck_assert_uint_eq(arch_pt_index(arch_vaddr_limit() - 1, 0), PT_ENTRIES - 1);
	ck_assert_uint_eq(arch_vaddr_limit(), 1ull << 39);
}
END_TEST

START_TEST(new_vspace_gets_a_fresh_vmid)
{
	unsigned before = vspace_free_vmids();
	unsigned root_vmid = fx_slot(KEEL_ROOT_VSPACE)->data & 0xff;
	vs_setup();
	ck_assert_uint_eq(vspace_free_vmids(), before - 1);
	ck_assert_uint_ne(fx_slot(VS)->data & 0xff, 0);
	ck_assert_uint_ne(fx_slot(VS)->data & 0xff, root_vmid);
}
END_TEST

START_TEST(map_frame_needs_page_tables)
{
	vs_setup();
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_E_NOT_MAPPED);
	ck_assert_int_eq(map_pt(PT1, VS, VA), KEEL_OK);
	ck_assert_uint_eq(fx_slot(PT1)->data2 >> 40, 1);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_E_NOT_MAPPED);
	ck_assert_int_eq(map_pt(PT2, VS, VA), KEEL_OK);
	ck_assert_uint_eq(fx_slot(PT2)->data2 >> 40, 2);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_uint_ne(fx_slot(F)->flags & CAP_MAPPED, 0);
	ck_assert_uint_eq(fx_slot(F)->data, VA);
	/* a third table has nowhere to go */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, 30, 1), KEEL_OK);
	ck_assert_int_eq(map_pt(30, VS, VA), KEEL_E_MAPPED);
	ck_assert_int_eq(map_pt(PT1, VS, VA + (1ull << 30)), KEEL_E_MAPPED);
}
END_TEST

START_TEST(entries_encode_tables_frame_and_rights)
{
	arch_pte_t *root, *l1, *l2;
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ | KEEL_R_WRITE), KEEL_OK);
	root = table(VS);
	l1 = table(PT1);
	l2 = table(PT2);
	ck_assert_uint_eq(root[3], arch_pte_table(fx_slot(PT1)->obj));
	ck_assert_uint_eq(arch_pte_paddr(root[3]), fx_slot(PT1)->obj);
	ck_assert_uint_eq(arch_pte_paddr(l1[5]), fx_slot(PT2)->obj);
	ck_assert(arch_pte_is_table(l1[5], 1));
	ck_assert_uint_eq(arch_pte_paddr(l2[7]), fx_slot(F)->obj);
	ck_assert(!arch_pte_is_table(l2[7], 2));
	ck_assert_uint_eq(l2[7] & FAKE_PTE_RIGHTS, FAKE_PTE_R | FAKE_PTE_W);
	ck_assert_uint_eq(l2[7] & FAKE_PTE_DEVICE, 0);
	ck_assert_uint_eq(valid_entries(root), 1);
	ck_assert_uint_eq(valid_entries(l1), 1);
	ck_assert_uint_eq(valid_entries(l2), 1);
	ck_assert_int_eq(FX_INVOKE(F, KEEL_FRAME_ADDRESS, 0), KEEL_OK);
	ck_assert_uint_eq(fx_regs(fx.root)[2], fx_slot(F)->obj);
}
END_TEST

START_TEST(mapping_rights_are_bounded_by_the_capability)
{
	arch_pte_t *l2;
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	l2 = table(PT2);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, F,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(map_frame(30, VS, VA, KEEL_R_ALL), KEEL_OK);
	ck_assert_uint_eq(l2[7] & FAKE_PTE_RIGHTS, FAKE_PTE_R);
	ck_assert_int_eq(map_frame(F2, VS, VA + PAGE_SIZE, 0), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(map_frame(F2, VS, VA + PAGE_SIZE, KEEL_R_WRITE), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(map_frame(F2, VS, VA + PAGE_SIZE, 8), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(map_frame(F2, VS, VA + PAGE_SIZE, KEEL_R_READ | KEEL_R_EXEC), KEEL_OK);
	ck_assert_uint_eq(l2[8] & FAKE_PTE_RIGHTS, FAKE_PTE_R | FAKE_PTE_X);
}
END_TEST

START_TEST(device_frame_maps_as_device)
{
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(FX_INVOKE(FX_DEV_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_FRAME, 0,
				   KEEL_ROOT_CNODE, 30, 1), KEEL_OK);
	ck_assert_int_eq(map_frame(30, VS, VA, KEEL_R_READ | KEEL_R_WRITE), KEEL_OK);
	ck_assert_uint_ne(table(PT2)[7] & FAKE_PTE_DEVICE, 0);
	ck_assert_uint_eq(arch_pte_paddr(table(PT2)[7]), (uint64_t)(uintptr_t)fx.dev);
}
END_TEST

START_TEST(double_map_is_mapped)
{
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(map_frame(F, VS, VA + PAGE_SIZE, KEEL_R_READ), KEEL_E_MAPPED);
	ck_assert_int_eq(map_frame(F2, VS, VA, KEEL_R_READ), KEEL_E_MAPPED);
	ck_assert_uint_eq(fx_slot(F2)->flags & CAP_MAPPED, 0);
	ck_assert_uint_eq(arch_pte_paddr(table(PT2)[7]), fx_slot(F)->obj);
}
END_TEST

START_TEST(bad_addresses_and_targets)
{
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(map_frame(F, VS, VA + 1, KEEL_R_READ), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(map_frame(F, VS, 1ull << 39, KEEL_R_READ), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(map_frame(F, VS, ~0ull & ~(PAGE_SIZE - 1), KEEL_R_READ),
			 KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(map_pt(30, VS, 1ull << 39), KEEL_E_INVALID_CAP);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, 30, 1), KEEL_OK);
	ck_assert_int_eq(map_pt(30, VS, 1ull << 39), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(map_frame(F, FX_UT, VA, KEEL_R_READ), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 31, KEEL_ROOT_CNODE, VS,
				   KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(map_frame(F, 31, VA, KEEL_R_READ), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(valid_entries(table(PT2)), 0);
}
END_TEST

START_TEST(unmap_clears_the_entry_and_flushes)
{
	unsigned vmid;
	vs_setup();
	vmid = fx_slot(VS)->data & 0xff;
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_OK);
	fake_arch.tlb_flushes = 0;
	ck_assert_int_eq(FX_INVOKE(F, KEEL_FRAME_UNMAP, 0), KEEL_OK);
	ck_assert_uint_eq(table(PT2)[7], 0);
	ck_assert_uint_eq(fx_slot(F)->flags & CAP_MAPPED, 0);
	ck_assert_uint_eq(fake_arch.tlb_flushes, 1);
	ck_assert_uint_eq(fake_arch.last_flushed_vmid, vmid);
	/* free to map again, elsewhere */
	ck_assert_int_eq(map_frame(F, VS, VA + PAGE_SIZE, KEEL_R_READ), KEEL_OK);
	ck_assert_uint_eq(arch_pte_paddr(table(PT2)[8]), fx_slot(F)->obj);
	/* deleting the frame unmaps it too */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, F), KEEL_OK);
	ck_assert_uint_eq(table(PT2)[8], 0);
}
END_TEST

/* Unmaps flush each VMID's TLB entries once per system call, before it
 * returns: revoking a frame whose three mapped copies go flushes once. */
START_TEST(one_flush_per_call_however_many_unmaps)
{
	unsigned vmid;
	vs_setup();
	vmid = fx_slot(VS)->data & 0xff;
	vs_tables(VS, PT1, PT2, VA);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30 + i,
					   KEEL_ROOT_CNODE, F, KEEL_R_ALL), KEEL_OK);
		ck_assert_int_eq(map_frame(30 + i, VS, VA + i * PAGE_SIZE, KEEL_R_READ), KEEL_OK);
	}
	fake_arch.tlb_flushes = 0;
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, F), KEEL_OK);
	ck_assert_uint_eq(valid_entries(table(PT2)), 0);
	ck_assert_uint_eq(fake_arch.tlb_flushes, 1);
	ck_assert_uint_eq(fake_arch.last_flushed_vmid, vmid);
	/* a call that unmaps nothing flushes nothing */
	ck_assert_int_eq(FX_INVOKE(F, KEEL_FRAME_UNMAP, 0), KEEL_OK);
	ck_assert_uint_eq(fake_arch.tlb_flushes, 1);
}
END_TEST

START_TEST(unmapping_a_table_cuts_the_path)
{
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(FX_INVOKE(PT2, KEEL_PT_UNMAP, 0), KEEL_OK);
	ck_assert_uint_eq(table(PT1)[5], 0);
	ck_assert_uint_eq(fx_slot(PT2)->flags & CAP_MAPPED, 0);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_E_NOT_MAPPED);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, PT1), KEEL_OK);
	ck_assert_uint_eq(table(VS)[3], 0);
}
END_TEST

/* A frame copy mapped in a vspace that died, and a second copy mapped at
 * the same place in a new vspace that got the same VMID: deleting the
 * first copy must not touch the new vspace (the generation differs). */
START_TEST(stale_mapping_of_dead_vspace_is_ignored)
{
	unsigned vmid;
	vs_setup();
	vmid = fx_slot(VS)->data & 0xff;
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 30, KEEL_ROOT_CNODE, F,
				   KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(map_frame(30, VS, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, VS), KEEL_OK);
	ck_assert_uint_eq(fake_arch.last_flushed_vmid, vmid);
	ck_assert_int_eq(fx_vspace(31, 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(31)->data & 0xff, vmid);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, 32, 2), KEEL_OK);
	vs_tables(31, 32, 33, VA);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, 34, KEEL_ROOT_CNODE, F,
				   KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(map_frame(34, 31, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 30), KEEL_OK);
	ck_assert_uint_eq(arch_pte_paddr(table(33)[7]), fx_slot(F)->obj);
	ck_assert(arch_pte_valid(table(33)[7]));
	/* the live copy still unmaps its own mapping */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 34), KEEL_OK);
	ck_assert_uint_eq(table(33)[7], 0);
}
END_TEST

/* F's table is unmapped and replaced; F2 is mapped where F was. Unmapping
 * F must leave F2's entry alone (it checks the entry still names F). */
START_TEST(unmap_after_table_replaced_leaves_new_mapping)
{
	vs_setup();
	vs_tables(VS, PT1, PT2, VA);
	ck_assert_int_eq(map_frame(F, VS, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(PT2, KEEL_PT_UNMAP, 0), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, 30, 1), KEEL_OK);
	ck_assert_int_eq(map_pt(30, VS, VA), KEEL_OK);
	ck_assert_int_eq(map_frame(F2, VS, VA, KEEL_R_READ), KEEL_OK);
	ck_assert_uint_ne(fx_slot(F)->flags & CAP_MAPPED, 0);
	ck_assert_int_eq(FX_INVOKE(F, KEEL_FRAME_UNMAP, 0), KEEL_OK);
	ck_assert_uint_eq(fx_slot(F)->flags & CAP_MAPPED, 0);
	ck_assert_uint_eq(arch_pte_paddr(table(30)[7]), fx_slot(F2)->obj);
	ck_assert(arch_pte_valid(table(30)[7]));
}
END_TEST

START_TEST(deleting_a_vspace_suspends_its_threads)
{
	struct tcb *t = fx_thread(40, 10, 0, false);
	vs_setup();
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE, VS, 0, 0),
			 KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_uint_eq(t->state, TS_READY);
	ck_assert_ptr_eq(fx_slot(VS)->child, &t->slot[TCB_VSPACE]);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, VS), KEEL_OK);
	ck_assert_uint_eq(t->slot[TCB_VSPACE].type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(t->state, TS_INACTIVE);
	ck_assert_ptr_null(fx_cpu(0)->ready[10].head);
}
END_TEST

/* Binding another vspace replaces the old binding: the old vspace no longer
 * has the thread's slot among its children, and its death spares the thread. */
START_TEST(rebinding_releases_the_old_vspace)
{
	struct tcb *t = fx_thread(40, 10, 0, false);
	vs_setup();
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE, VS, 0, 0),
			 KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
	ck_assert_ptr_null(fx_slot(VS)->child);
	ck_assert_ptr_eq(t->slot[TCB_VSPACE].parent, fx_slot(KEEL_ROOT_VSPACE));
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, VS), KEEL_OK);
	ck_assert_uint_eq(t->state, TS_READY);
	ck_assert_uint_eq(t->slot[TCB_VSPACE].type, KEEL_OBJ_VSPACE);
}
END_TEST

/* A 2 MiB frame: aligned in the untyped, zeroed, mapped as one block one
 * level above pages, only at an aligned address and only where no table
 * is; unmapping clears the block. */
START_TEST(large_frame_maps_as_a_block)
{
	const uint64_t big = 1ull << KEEL_LARGE_PAGE_BITS, va = VA & ~(big - 1);
	arch_pte_t *l1;
	uint8_t *mem;
	vs_setup();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, KEEL_LARGE_PAGE_BITS, 30, 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(30)->obj % big, 0);
	ck_assert_uint_eq(fx_slot(30)->size_bits, KEEL_LARGE_PAGE_BITS);
	mem = (uint8_t *)(uintptr_t)fx_slot(30)->obj;
	for (uint64_t i = 0; i < big; i += 4093)
		ck_assert_uint_eq(mem[i], 0);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 20, 31, 1), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(map_frame(30, VS, va, KEEL_R_READ), KEEL_E_NOT_MAPPED);
	ck_assert_int_eq(map_pt(PT1, VS, va), KEEL_OK);
	ck_assert_int_eq(map_frame(30, VS, va + PAGE_SIZE, KEEL_R_READ), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(map_frame(30, VS, va, KEEL_R_READ | KEEL_R_WRITE), KEEL_OK);
	ck_assert_uint_eq(fx_slot(30)->data2 >> 40, 1);
	l1 = table(PT1);
	ck_assert_uint_eq(arch_pte_paddr(l1[5]), fx_slot(30)->obj);
	ck_assert(arch_pte_valid(l1[5]) && !arch_pte_is_table(l1[5], 1));
	ck_assert_uint_eq(l1[5] & FAKE_PTE_RIGHTS, FAKE_PTE_R | FAKE_PTE_W);
	/* no table can go under the block, nor a page into it */
	ck_assert_int_eq(map_pt(PT2, VS, va), KEEL_E_MAPPED);
	ck_assert_int_eq(map_frame(F, VS, va + PAGE_SIZE, KEEL_R_READ), KEEL_E_NOT_MAPPED);
	ck_assert_int_eq(FX_INVOKE(30, KEEL_FRAME_UNMAP, 0), KEEL_OK);
	ck_assert_uint_eq(l1[5], 0);
	/* and no block where a table is */
	ck_assert_int_eq(map_pt(PT2, VS, va), KEEL_OK);
	ck_assert_int_eq(map_frame(30, VS, va, KEEL_R_READ), KEEL_E_MAPPED);
}
END_TEST

/* ---- VMID pools (kernel/vmid.c) ---- */

#define POOL 90
#define POOL2 91

static long assign(uint64_t pool, uint64_t vs)
{
	return FX_INVOKE(pool, KEEL_VMID_POOL_ASSIGN, vs);
}

static void pool_counts(uint64_t pool, uint64_t free_vmids, uint64_t held)
{
	uint64_t mr[6] = { 0 };
	ck_assert_int_eq(fx_invoke(pool, KEEL_VMID_POOL_COUNT, mr), KEEL_OK);
	ck_assert_uint_eq(mr[0], free_vmids);
	ck_assert_uint_eq(mr[1], held);
}

/* Root's pool holds every VMID but 0; root's vspace uses one. */
START_TEST(vmid_exhaustion_is_no_memory)
{
	unsigned free_vmids = vspace_free_vmids();
	ck_assert_uint_eq(free_vmids, MAX_VMIDS - 2); /* 0 reserved, root has one */
	pool_counts(KEEL_ROOT_VMID_POOL, free_vmids, MAX_VMIDS - 1);
	ck_assert_int_eq(fx_vspace(100, free_vmids), KEEL_OK);
	ck_assert_uint_eq(vspace_free_vmids(), 0);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VSPACE, 0, 500, 1), KEEL_OK);
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, 500), KEEL_E_NO_MEMORY);
	ck_assert_uint_eq(fx_slot(500)->data, 0);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 150), KEEL_OK);
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, 500), KEEL_OK);
}
END_TEST

/* Issue 16.3: a program with untyped memory made 248 vspaces and took
 * every VMID. Now vspaces cost no VMID until a pool assigns one, and the
 * holder of a share can exhaust only its share. */
START_TEST(a_share_exhausts_only_itself)
{
	uint64_t root_free = vspace_free_vmids();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VSPACE, 0, 100, 248), KEEL_OK);
	ck_assert_uint_eq(vspace_free_vmids(), root_free); /* retype takes none */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 10,
				   KEEL_ROOT_CNODE, POOL), KEEL_OK);
	pool_counts(POOL, 10, 10);
	pool_counts(KEEL_ROOT_VMID_POOL, root_free - 10, root_free - 9);
	for (unsigned i = 0; i < 10; i++)
		ck_assert_int_eq(assign(POOL, 100 + i), KEEL_OK);
	ck_assert_int_eq(assign(POOL, 110), KEEL_E_NO_MEMORY);
	pool_counts(POOL, 0, 10);
	/* the other holder is untouched */
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, 110), KEEL_OK);
	pool_counts(KEEL_ROOT_VMID_POOL, root_free - 11, root_free - 9);
	/* and a vspace dead in the share is free in the share again */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, 103), KEEL_OK);
	pool_counts(POOL, 1, 10);
	ck_assert_int_eq(assign(POOL, 111), KEEL_OK);
}
END_TEST

/* A split-off pool's VMIDs, free or in use, go back to its parent when it
 * is deleted; a vspace using one keeps it until it dies. */
START_TEST(deleting_a_share_returns_its_vmids)
{
	uint64_t root_free = vspace_free_vmids();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 5,
				   KEEL_ROOT_CNODE, POOL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(POOL, KEEL_VMID_POOL_SPLIT, 2, KEEL_ROOT_CNODE, POOL2),
			 KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VSPACE, 0, VS, 1), KEEL_OK);
	ck_assert_int_eq(assign(POOL2, VS), KEEL_OK);
	pool_counts(POOL, 3, 3);
	/* deleting POOL deletes POOL2 first (a child): all goes to root */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, POOL), KEEL_OK);
	ck_assert_uint_eq(fx_slot(POOL2)->type, KEEL_OBJ_NULL);
	pool_counts(KEEL_ROOT_VMID_POOL, root_free - 1, root_free + 1);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, PT1, 1), KEEL_OK);
	ck_assert_int_eq(map_pt(PT1, VS, VA), KEEL_OK); /* still live */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, VS), KEEL_OK);
	pool_counts(KEEL_ROOT_VMID_POOL, root_free, root_free + 1);
	/* revoking root's pool gives back every share at once */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 7,
				   KEEL_ROOT_CNODE, POOL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, KEEL_ROOT_VMID_POOL),
			 KEEL_OK);
	ck_assert_uint_eq(fx_slot(POOL)->type, KEEL_OBJ_NULL);
	pool_counts(KEEL_ROOT_VMID_POOL, root_free, root_free + 1);
}
END_TEST

START_TEST(pool_checks)
{
	struct tcb *t = fx_thread(40, 10, 0, false);
	uint64_t root_free = vspace_free_vmids();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VSPACE, 0, VS, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, PT1, 1), KEEL_OK);
	/* no VMID yet: nothing maps into it, no thread runs in it */
	ck_assert_int_eq(map_pt(PT1, VS, VA), KEEL_E_INVALID_CAP);
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE, VS, 0, 0),
			 KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_RESUME, 0), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(t->state, TS_INACTIVE);
	/* a vspace with copies (the binding) cannot get one: they lack it */
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, VS), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(40, KEEL_TCB_CONFIGURE, 0, KEEL_ROOT_CNODE, 0, 0, 0),
			 KEEL_OK);
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, VS), KEEL_OK);
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, VS), KEEL_E_BUSY); /* has one */
	ck_assert_int_eq(assign(KEEL_ROOT_VMID_POOL, PT1), KEEL_E_WRONG_TYPE);
	/* a split moves at least one and leaves at least one */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 0,
				   KEEL_ROOT_CNODE, POOL), KEEL_E_NO_MEMORY);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, root_free,
				   KEEL_ROOT_CNODE, POOL), KEEL_E_NO_MEMORY);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 1,
				   KEEL_ROOT_CNODE, VS), KEEL_E_SLOT_IN_USE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_VMID_POOL, KEEL_VMID_POOL_SPLIT, 1,
				   KEEL_ROOT_CNODE, POOL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(POOL, KEEL_VMID_POOL_SPLIT, 1, KEEL_ROOT_CNODE, POOL2),
			 KEEL_E_NO_MEMORY);
	/* one holder each: no copies; a read-only move cannot allocate */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, POOL2, KEEL_ROOT_CNODE,
				   POOL, KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MOVE, POOL2, KEEL_ROOT_CNODE,
				   POOL), KEEL_OK);
	pool_counts(POOL2, 1, 1);
	ck_assert_int_eq(FX_INVOKE(POOL2, KEEL_VMID_POOL_COUNT + 1, 0), KEEL_E_INVALID_CALL);
	/* vspaces are not retyped with VMIDs: 248 of them take none */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VSPACE, 0, 100, 248), KEEL_OK);
	ck_assert_uint_eq(vspace_free_vmids(), root_free - 1);
}
END_TEST

Suite *suite_vspace(void)
{
	TCase *tc;
	Suite *s = fx_suite("vspace", &tc);
	tcase_add_test(tc, fake_format_round_trips);
	tcase_add_test(tc, new_vspace_gets_a_fresh_vmid);
	tcase_add_test(tc, map_frame_needs_page_tables);
	tcase_add_test(tc, entries_encode_tables_frame_and_rights);
	tcase_add_test(tc, mapping_rights_are_bounded_by_the_capability);
	tcase_add_test(tc, device_frame_maps_as_device);
	tcase_add_test(tc, double_map_is_mapped);
	tcase_add_test(tc, bad_addresses_and_targets);
	tcase_add_test(tc, unmap_clears_the_entry_and_flushes);
	tcase_add_test(tc, one_flush_per_call_however_many_unmaps);
	tcase_add_test(tc, unmapping_a_table_cuts_the_path);
	tcase_add_test(tc, stale_mapping_of_dead_vspace_is_ignored);
	tcase_add_test(tc, unmap_after_table_replaced_leaves_new_mapping);
	tcase_add_test(tc, deleting_a_vspace_suspends_its_threads);
	tcase_add_test(tc, rebinding_releases_the_old_vspace);
	tcase_add_test(tc, vmid_exhaustion_is_no_memory);
	tcase_add_test(tc, a_share_exhausts_only_itself);
	tcase_add_test(tc, deleting_a_share_returns_its_vmids);
	tcase_add_test(tc, pool_checks);
	tcase_add_test(tc, large_frame_maps_as_a_block);
	return s;
}
