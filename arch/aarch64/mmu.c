/*
 * Translation on aarch64.
 *
 * EL2's own map (TTBR0_EL2) is an identity map. start.S turns the MMU on
 * with a static one of 1 GiB blocks:
 *
 *   0x0000_0000 - 0x3fff_ffff   Device-nGnRnE, never executable (GIC, UART)
 *   0x4000_0000 - 0xffff_ffff   Normal write-back (RAM: kernel and objects)
 *
 * and each CPU then moves to the same map with guard pages: the GiB that
 * holds the kernel stacks by 2 MiB blocks, the 2 MiB that holds them by
 * pages, with the page under each stack left out (aarch64_el2_map_*), so
 * that a stack overflow faults (cpu.c reports it).
 *
 * User programs run at EL0 with stage 1 off (HCR_EL2.TGE; FWB or DC) and their
 * vspace is a stage-2 table (VTTBR_EL2, VMID tags the TLB), the same format
 * guests will use, so the kernel has one page-table format. Levels here
 * count from the root: 0 = 1 GiB entries, 1 = 2 MiB, 2 = 4 KiB pages.
 *
 * Stage-2 page descriptor bits used:
 *   [1:0] 0b11   [5:2] MemAttr (0xf Normal WB, 0x6 forced WB under FWB,
 *                0x0 Device-nGnRnE)
 *   [7:6] S2AP (01 read, 10 write, 11 both)   [9:8] SH = inner
 *   [10] AF   [54] XN
 *
 * EL2 stage-1 block descriptor bits used (the EL2 map):
 *   [1:0] 0b01 block   [4:2] AttrIndx (MAIR_EL2 index: 0 Device, 1 Normal)
 *   [9:8] SH = inner   [10] AF   [54] XN (EL2: never execute)
 */
#include "aarch64.h"

#define S1_BLOCK 1ull
#define S1_ATTR_DEVICE (0ull << 2)
#define S1_ATTR_NORMAL (1ull << 2)
#define S1_SH_INNER (3ull << 8)
#define S1_AF (1ull << 10)
#define S1_XN (1ull << 54)
#define BLOCK_DEVICE (S1_BLOCK | S1_ATTR_DEVICE | S1_AF | S1_XN)
#define BLOCK_NORMAL (S1_BLOCK | S1_ATTR_NORMAL | S1_SH_INNER | S1_AF)

_Alignas(4096) uint64_t mmu_el2_l1[PT_ENTRIES] = {
	[0] = 0x00000000ull | BLOCK_DEVICE,
	[1] = 0x40000000ull | BLOCK_NORMAL,
	[2] = 0x80000000ull | BLOCK_NORMAL,
	[3] = 0xc0000000ull | BLOCK_NORMAL,
};

/* The map with the guard pages (same attributes, finer where the stacks
 * are); built once by CPU 0 before the others start. */
_Alignas(4096) static uint64_t el2_l1[PT_ENTRIES], el2_l2[PT_ENTRIES], el2_l3[PT_ENTRIES];

#define S1_TABLE 3ull  /* [1:0] 0b11: a table above the last level, */
#define S1_PAGE 3ull   /* ... a page at the last level */
#define S1_ADDR 0x0000fffffffff000ull
#define GIB_SHIFT 30
#define BLOCK_2M_SHIFT 21

void aarch64_el2_map_build(void)
{
	uint64_t stacks = (uint64_t)kernel_stacks;
	unsigned gib = (unsigned)(stacks >> GIB_SHIFT);
	unsigned blk = (unsigned)(stacks >> BLOCK_2M_SHIFT) & (PT_ENTRIES - 1);
	uint64_t attrs = mmu_el2_l1[gib] & ~(S1_ADDR | S1_TABLE);
	uint64_t base2m = stacks & ~((1ull << BLOCK_2M_SHIFT) - 1);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		el2_l1[i] = mmu_el2_l1[i];
		el2_l2[i] = (((uint64_t)gib << GIB_SHIFT) + ((uint64_t)i << BLOCK_2M_SHIFT)) |
			    attrs | S1_BLOCK;
		el2_l3[i] = (base2m + ((uint64_t)i << PAGE_BITS)) | attrs | S1_PAGE;
	}
	for (unsigned c = 0; c < MAX_CPUS; c++)
		for (uint64_t g = 0; g < KSTACK_GUARD; g += PAGE_SIZE)
			el2_l3[(((uint64_t)kernel_stacks[c].guard + g) >> PAGE_BITS) &
			       (PT_ENTRIES - 1)] = 0;
	el2_l2[blk] = (uint64_t)el2_l3 | S1_TABLE;
	el2_l1[gib] = (uint64_t)el2_l2 | S1_TABLE;
	dsb(ish);
}

/* RAM above the boot map's first 4 GiB: whole 1 GiB blocks of normal
 * memory in the map with the guard pages, once the device tree has said
 * how much there is. Their entries were invalid and no CPU has used them,
 * so nothing needs breaking first. */
void aarch64_el2_map_ram(uint64_t base, uint64_t end)
{
	for (uint64_t g = base >> GIB_SHIFT; g < PT_ENTRIES && g << GIB_SHIFT < end; g++)
		if (!el2_l1[g])
			el2_l1[g] = (g << GIB_SHIFT) | BLOCK_NORMAL;
	dsb(ish);
	isb();
}

/* Both maps say the same of every address the kernel uses, so the switch
 * needs no break-before-make; the TLB loses the old blocks at once. */
void aarch64_el2_map_use(void)
{
	sysreg_write(ttbr0_el2, (uint64_t)el2_l1);
	isb();
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
}

#define PTE_VALID 1ull
#define PTE_TYPE 3ull
#define PTE_ADDR 0x0000fffffffff000ull
#define S2_AP_R (1ull << 6)
#define S2_AP_W (2ull << 6)
#define S2_SH_INNER (3ull << 8)
#define S2_AF (1ull << 10)
#define S2_XN (1ull << 54)

/* Stage-2 MemAttr of normal memory: 0xf (Normal write-back, combined with
 * stage 1) or, under FWB, 0x6 (write-back whatever stage 1 says: native
 * threads run with stage 1 off). Device memory is 0x0 either way. */
#define S2_NORMAL_WB (0xfull << 2)
#define S2_NORMAL_FWB (0x6ull << 2)

static uint64_t s2_normal = S2_NORMAL_WB;
uint64_t aarch64_hcr_native = HCR_NATIVE_BASE | HCR_DC;
uint64_t aarch64_hcr_guest = HCR_GUEST_BASE;

/* Once, on CPU 0, before any stage-2 entry is made. */
void aarch64_mmu_features(void)
{
	if ((sysreg_read(id_aa64mmfr2_el1) >> ID_MMFR2_FWB_SHIFT & ID_MMFR2_FWB_MASK) == 0)
		return;
	s2_normal = S2_NORMAL_FWB;
	aarch64_hcr_native = HCR_NATIVE_BASE | HCR_FWB;
	aarch64_hcr_guest = HCR_GUEST_BASE | HCR_FWB;
}

unsigned arch_pt_levels(void) { return 3; }
uint64_t arch_vaddr_limit(void) { return 1ull << 39; }

unsigned arch_pt_index(uint64_t vaddr, unsigned level)
{
	return (unsigned)(vaddr >> (30 - 9 * level)) & (PT_ENTRIES - 1);
}

bool arch_pte_valid(arch_pte_t pte) { return pte & PTE_VALID; }

bool arch_pte_is_table(arch_pte_t pte, unsigned level)
{
	return level < 2 && (pte & PTE_TYPE) == PTE_TYPE;
}

arch_pte_t arch_pte_table(uint64_t table_paddr)
{
	return (table_paddr & PTE_ADDR) | PTE_TYPE;
}

/* A page at the last level (descriptor type 0b11), a block above it (0b01). */
arch_pte_t arch_pte_page(uint64_t paddr, unsigned rights, bool device, unsigned level)
{
	arch_pte_t pte = (paddr & PTE_ADDR) | (level == 2 ? PTE_TYPE : PTE_VALID) | S2_AF;
	pte |= device ? 0 : s2_normal | S2_SH_INNER;
	pte |= (rights & KEEL_R_READ) ? S2_AP_R : 0;
	pte |= (rights & KEEL_R_WRITE) ? S2_AP_W : 0;
	pte |= (rights & KEEL_R_EXEC) && !device ? 0 : S2_XN;
	return pte;
}

uint64_t arch_pte_paddr(arch_pte_t pte) { return pte & PTE_ADDR; }

void arch_pte_store(arch_pte_t *slot, arch_pte_t pte)
{
	*(volatile arch_pte_t *)slot = pte;
	dsb(ishst);
}

/* TLB maintenance by VMID acts on the VMID in VTTBR_EL2, so borrow it. */
void arch_tlb_flush_vmid(unsigned vmid)
{
	uint64_t old = sysreg_read(vttbr_el2);
	sysreg_write(vttbr_el2, (uint64_t)vmid << VTTBR_VMID_SHIFT);
	isb();
	__asm__ volatile("tlbi vmalls12e1is\n dsb ish" ::: "memory");
	sysreg_write(vttbr_el2, old);
	isb();
}

/* DC ZVA zeroes one block (DCZID_EL0.BS: 4 << BS bytes, 64 on QEMU) per
 * instruction: a 2 MiB frame in 32 Ki instructions instead of 256 Ki
 * stores. Nothing prohibits it at EL2 (SCTLR_EL1.DZE, HCR_EL2.TDZ govern
 * EL0 and EL1 only). */
void arch_zero_pages(void *p, uint64_t n)
{
	uint64_t block = 4ull << (sysreg_read(dczid_el0) & DCZID_BS_MASK);
	for (uint8_t *a = p, *end = a + n; a < end; a += block)
		__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
}
