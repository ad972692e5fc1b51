/*
 * The fake arch's translation tables: a real 3-level, 512-entry, 4 KiB
 * format whose bit layout (arch/fake.h) differs from aarch64's, so the
 * generic page-table code in kernel/vspace.c is exercised only through
 * these functions. Arguments the kernel should never produce (unaligned
 * addresses, levels past the last) panic, which fails the running test.
 */
#include <arch/arch.h>
#include <arch/fake.h>
#include <string.h>

unsigned arch_pt_levels(void) { return FAKE_PT_LEVELS; }

uint64_t arch_vaddr_limit(void) { return 1ull << FAKE_VA_BITS; }

/* Level 0 indexes bits 38:30, level 1 bits 29:21, level 2 bits 20:12. */
unsigned arch_pt_index(uint64_t vaddr, unsigned level)
{
	if (level >= FAKE_PT_LEVELS)
		kpanic("fake: arch_pt_index past the last level");
	if (vaddr >= arch_vaddr_limit())
		kpanic("fake: arch_pt_index of an address beyond the limit");
	unsigned shift = PAGE_BITS + 9u * (FAKE_PT_LEVELS - 1 - level);
	return (unsigned)(vaddr >> shift) & (PT_ENTRIES - 1);
}

bool arch_pte_valid(arch_pte_t pte) { return pte & FAKE_PTE_VALID; }

bool arch_pte_is_table(arch_pte_t pte, unsigned level)
{
	return level + 1 < FAKE_PT_LEVELS && (pte & FAKE_PTE_VALID) &&
	       (pte & FAKE_PTE_TABLE);
}

static arch_pte_t fake_pte_pfn(uint64_t paddr)
{
	if (paddr & (PAGE_SIZE - 1))
		kpanic("fake: page-table entry for an unaligned address");
	if ((paddr >> PAGE_BITS) > FAKE_PTE_PFN_MASK)
		kpanic("fake: page-table entry for an address out of range");
	return (paddr >> PAGE_BITS) << FAKE_PTE_PFN_SHIFT;
}

arch_pte_t arch_pte_table(uint64_t table_paddr)
{
	return fake_pte_pfn(table_paddr) | FAKE_PTE_VALID | FAKE_PTE_TABLE;
}

arch_pte_t arch_pte_page(uint64_t paddr, unsigned rights, bool device, unsigned level)
{
	if (level == 0 || level >= FAKE_PT_LEVELS)
		kpanic("fake: leaf entry at a level without blocks");
	if (paddr & ((1ull << (PAGE_BITS + 9u * (FAKE_PT_LEVELS - 1 - level))) - 1))
		kpanic("fake: block entry for an unaligned address");
	return fake_pte_pfn(paddr) | FAKE_PTE_VALID | (rights & FAKE_PTE_RIGHTS) |
	       (device ? FAKE_PTE_DEVICE : 0);
}

uint64_t arch_pte_paddr(arch_pte_t pte)
{
	return ((pte >> FAKE_PTE_PFN_SHIFT) & FAKE_PTE_PFN_MASK) << PAGE_BITS;
}

void arch_pte_store(arch_pte_t *slot, arch_pte_t pte)
{
	fake_arch.pte_stores++;
	*slot = pte;
}

void arch_tlb_flush_vmid(unsigned vmid)
{
	fake_arch.tlb_flushes++;
	fake_arch.last_flushed_vmid = vmid;
}

void arch_zero_pages(void *p, uint64_t n)
{
	if ((uintptr_t)p % PAGE_SIZE || n % PAGE_SIZE)
		kpanic("fake: arch_zero_pages of a partial page");
	memset(p, 0, n);
}
