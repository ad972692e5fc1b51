/*
 * Translation on riscv64: Sv48 for the kernel and for user address spaces.
 *
 * The kernel's map (satp ASID 0) has two halves, of 1 GiB leaves:
 *   root[0]    identity, 0 - 512 GiB: the kernel addresses physical memory
 *              directly, so an object pointer is its physical address; the
 *              GiB of the kernel stacks is finer, to leave their guard
 *              pages out (rv_mmu_guard_stacks)
 *   root[511]  the same memory again at RV_ALIAS_OFFSET + pa, global
 * A VM's vspace is the same table read as Sv48x4 by the G-stage (hgatp,
 * VMID vmid + 1: vcpu.c): guest-physical addresses take the place of
 * vaddrs, with the same limit; its root is the first 4 KiB of a 16 KiB
 * vspace object (ARCH_VSPACE_BITS; the x4 modes index 2048 root entries,
 * the rest stay zero, so the bits above 2^48 never translate) and its
 * leaves carry U, which the G-stage demands (every guest access counts
 * as a U-mode one there). Root entry 511, the alias, is unreachable to
 * a guest (no U bit).
 * A user address space (ASID vmid + 1) is the thread's own Sv48 table for
 * vaddrs below 2^47 (root entries 0..255) plus the same root[511], which
 * arch_vspace_activate puts in every root it activates: the trap vector, its
 * per-CPU block and the thread's registers are reachable there before the
 * trap switches to the kernel's map (entry.S). Its entries lack the U bit,
 * so U-mode cannot touch them.
 *
 * Levels count from the root: 0 = 512 GiB entries, 1 = 1 GiB, 2 = 2 MiB
 * (large frames), 3 = 4 KiB pages.
 *
 * PTE bits used: [0] V  [1] R  [2] W  [3] X  [4] U  [5] G  [6] A  [7] D,
 * PPN in [53:10]. A leaf has one of R, W, X set; a table none.
 */
#include "riscv64.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ull << 44) - 1) << PTE_PPN_SHIFT)
#define GIB_SHIFT 30
#define ALIAS_SLOT (PT_ENTRIES - 1)

_Alignas(4096) static uint64_t kmap_root[PT_ENTRIES], kmap_ident[PT_ENTRIES],
	kmap_alias[PT_ENTRIES], kmap_stacks_l2[PT_ENTRIES], kmap_stacks_l3[PT_ENTRIES];
#define BLOCK_2M_SHIFT 21

static uint64_t pte_of(uint64_t pa, uint64_t bits)
{
	return (pa >> PAGE_BITS) << PTE_PPN_SHIFT | bits;
}

/* The identity GiB that holds the kernel stacks by 2 MiB, the 2 MiB that
 * holds them by pages, with the page under each stack left out
 * (kstack.h): an overflow faults (cpu.c reports it). */
static void rv_mmu_guard_stacks(uint64_t leaf)
{
	uint64_t stacks = (uint64_t)kernel_stacks;
	uint64_t gib = stacks >> GIB_SHIFT, base2m = stacks & ~((1ull << BLOCK_2M_SHIFT) - 1);
	for (uint64_t i = 0; i < PT_ENTRIES; i++) {
		kmap_stacks_l2[i] = pte_of(gib << GIB_SHIFT | i << BLOCK_2M_SHIFT, leaf);
		kmap_stacks_l3[i] = pte_of(base2m + (i << PAGE_BITS), leaf);
	}
	for (unsigned c = 0; c < MAX_CPUS; c++)
		for (uint64_t g = 0; g < KSTACK_GUARD; g += PAGE_SIZE)
			kmap_stacks_l3[((uint64_t)kernel_stacks[c].guard + g) >> PAGE_BITS &
				       (PT_ENTRIES - 1)] = 0;
	kmap_stacks_l2[stacks >> BLOCK_2M_SHIFT & (PT_ENTRIES - 1)] =
		pte_of((uint64_t)kmap_stacks_l3, PTE_V);
	kmap_ident[gib] = pte_of((uint64_t)kmap_stacks_l2, PTE_V);
}

/* Once, on CPU 0, before translation is on. */
void rv_mmu_build(void)
{
	uint64_t leaf = PTE_V | PTE_RWX | PTE_A | PTE_D;
	for (uint64_t i = 0; i < PT_ENTRIES; i++) {
		kmap_ident[i] = pte_of(i << GIB_SHIFT, leaf);
		kmap_alias[i] = pte_of(i << GIB_SHIFT, leaf | PTE_G);
	}
	rv_mmu_guard_stacks(leaf);
	kmap_root[0] = pte_of((uint64_t)kmap_ident, PTE_V);
	kmap_root[ALIAS_SLOT] = pte_of((uint64_t)kmap_alias, PTE_V | PTE_G);
	__asm__ volatile("fence rw, rw" ::: "memory");
}

uint64_t rv_kernel_satp(void) { return SATP_MODE_SV48 | (uint64_t)kmap_root >> PAGE_BITS; }

unsigned arch_pt_levels(void) { return 4; }
uint64_t arch_vaddr_limit(void) { return 1ull << 47; }

unsigned arch_pt_index(uint64_t vaddr, unsigned level)
{
	return (unsigned)(vaddr >> (39 - 9 * level)) & (PT_ENTRIES - 1);
}

bool arch_pte_valid(arch_pte_t pte) { return pte & PTE_V; }

bool arch_pte_is_table(arch_pte_t pte, unsigned level)
{
	return level < 3 && (pte & PTE_V) && !(pte & PTE_RWX);
}

arch_pte_t arch_pte_table(uint64_t table_paddr) { return pte_of(table_paddr, PTE_V); }

/* Write-only does not exist (W without R is reserved): write implies read.
 * No rights at all is a valid leaf U-mode cannot use (R without U), so the
 * entry still reads as a mapping. Device memory is never executable; its
 * attributes come from the platform (no Svpbmt). */
arch_pte_t arch_pte_page(uint64_t paddr, unsigned rights, bool device, unsigned level)
{
	uint64_t bits = PTE_V | PTE_A | PTE_D;
	(void)level;
	bits |= (rights & (KEEL_R_READ | KEEL_R_WRITE)) ? PTE_R : 0;
	bits |= (rights & KEEL_R_WRITE) ? PTE_W : 0;
	bits |= (rights & KEEL_R_EXEC) && !device ? PTE_X : 0;
	bits |= (bits & PTE_RWX) ? PTE_U : PTE_R;
	return pte_of(paddr, bits);
}

uint64_t arch_pte_paddr(arch_pte_t pte)
{
	return (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT << PAGE_BITS;
}

void arch_pte_store(arch_pte_t *slot, arch_pte_t pte)
{
	*(volatile arch_pte_t *)slot = pte;
	__asm__ volatile("fence rw, rw" ::: "memory");
}

/* The root's alias entry goes in on first use (a new root is all zero). */
void arch_vspace_activate(uint64_t root_paddr, unsigned vmid)
{
	arch_pte_t *root = (arch_pte_t *)root_paddr;
	if (root[ALIAS_SLOT] != kmap_root[ALIAS_SLOT])
		arch_pte_store(&root[ALIAS_SLOT], kmap_root[ALIAS_SLOT]);
	rv_tramp[this_cpu()->id].user_satp = SATP_MODE_SV48 |
		(uint64_t)(vmid + 1) << SATP_ASID_SHIFT | root_paddr >> PAGE_BITS;
}

/* This hart's entries for the ASID, then every other hart's (SBI RFENCE);
 * where guests run, the same for the VMID (hfence.gvma: G-stage and
 * combined translations). */
void arch_tlb_flush_vmid(unsigned vmid)
{
	uint64_t asid = vmid + 1;
	__asm__ volatile("sfence.vma zero, %0" : : "r"(asid) : "memory");
	if (rv_board.guests) /* hfence.gvma zero, asid */
		__asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, %0" : : "r"(asid) : "memory");
	if (kernel_ncpus == 1)
		return;
	rv_sbi_remote_sfence_asid((unsigned)asid);
	if (rv_board.guests)
		rv_sbi_remote_hfence_vmid((unsigned)asid);
}

void arch_zero_pages(void *p, uint64_t n)
{
	for (uint64_t *a = p, *end = a + n / 8; a < end; a += 8) {
		a[0] = 0; a[1] = 0; a[2] = 0; a[3] = 0;
		a[4] = 0; a[5] = 0; a[6] = 0; a[7] = 0;
	}
}
