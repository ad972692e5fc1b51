/*
 * Platform discovery from the device tree QEMU hands us (Debian's libfdt):
 * RAM, CPUs and their MPIDRs, PSCI conduit, GICv3, the PL011, MMIO regions
 * given to the root server as device untyped, and the command line.
 */
#include <libfdt.h>

#include "aarch64.h"
#include "fdt_common.h"

struct aarch64_board aarch64_board = { .uart_base = 0x09000000 };

static void plat_cpus(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node;
	fdt_for_each_subnode(node, fdt, cpus) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		if (!reg || !type || type[0] != 'c' || aarch64_board.ncpus >= MAX_CPUS)
			continue;
		aarch64_board.cpu_mpidr[aarch64_board.ncpus++] = len == 8 ? fdt_cell64(reg) : fdt32_to_cpu(reg[0]);
	}
	if (aarch64_board.ncpus == 0)
		aarch64_board.ncpus = 1;
}

/* The virtio-mmio transports (QEMU virt: 32 of 0x200 bytes) as one device
 * region of whole pages, for root to give to driver servers. */
static void plat_virtio(const void *fdt, struct boot_mem *bm)
{
	uint64_t lo = ~0ull, hi = 0, base, size;
	int node = -1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0)
		if (fdt_reg(fdt, node, 0, &base, &size) && size && base + size > base) {
			lo = base < lo ? base : lo;
			hi = base + size > hi ? base + size : hi;
		}
	if (hi > lo && bm->ndev < sizeof(bm->dev) / sizeof(bm->dev[0])) {
		bm->dev[bm->ndev].base = lo & ~(PAGE_SIZE - 1);
		bm->dev[bm->ndev++].size = ((hi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) - (lo & ~(PAGE_SIZE - 1));
	}
}

static void plat_devices(const void *fdt, struct boot_mem *bm)
{
	uint64_t size;
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	if (node < 0 || !fdt_reg(fdt, node, 0, &aarch64_board.gicd_base, &size) ||
	    !fdt_reg(fdt, node, 1, &aarch64_board.gicr_base, &aarch64_board.gicr_size))
		kpanic("fdt: no GICv3");
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node >= 0 && fdt_reg(fdt, node, 0, &aarch64_board.uart_base, &size)) {
		bm->dev[bm->ndev].base = aarch64_board.uart_base;
		bm->dev[bm->ndev++].size = 0x1000;
	}
	plat_virtio(fdt, bm);
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-1.0");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	const char *method = node >= 0 ? fdt_getprop(fdt, node, "method", NULL) : NULL;
	aarch64_board.psci_hvc = method && method[0] == 'h';
}

void aarch64_board_from_fdt(const void *fdt, struct boot_mem *bm)
{
	fdt_boot_mem(fdt, bm, "no valid device tree in x0");
	plat_cpus(fdt);
	plat_devices(fdt, bm);
	if (bm->ram_base >= arch_vaddr_limit())
		kpanic("fdt: RAM starts beyond EL2's 39-bit map");
	if (bm->ram_size > arch_vaddr_limit() - bm->ram_base)
		bm->ram_size = arch_vaddr_limit() - bm->ram_base; /* EL2's map ends there */
	aarch64_el2_map_ram(bm->ram_base, bm->ram_base + bm->ram_size);
}

/* PSCI CPU_ON (SMC64 function 0xc4000003) through the conduit the tree names. */
long psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	register uint64_t x0 __asm__("x0") = 0xc4000003;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = ctx;
	if (aarch64_board.psci_hvc)
		__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	else
		__asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	return (long)x0;
}
