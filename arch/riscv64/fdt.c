/*
 * Platform discovery from the device tree OpenSBI hands us (Debian's libfdt
 * built for riscv64 by tools/setup-riscv64.sh): RAM, harts, the timebase,
 * the PLIC, the ns16550a, MMIO regions given to the root server as device
 * untyped, and the command line.
 */
#include <libfdt.h>

#include "riscv64.h"
#include "fdt_common.h"

struct rv_board rv_board = { .uart_base = 0x10000000, .timebase_hz = 10000000 };

/* Guests need the H extension (a letter before the first '_' of the
 * boot hart's riscv,isa) and Sstc (the guest's timer, vstimecmp). */
static void plat_isa(const char *isa, int len)
{
	int i = 4; /* past "rv64" */
	bool h = false;
	if (!isa || len < 5 || isa[len - 1] != 0)
		return;
	for (; isa[i] && isa[i] != '_'; i++)
		h |= isa[i] == 'h';
	for (; isa[i]; i++)
		if (isa[i] == '_' && i + 5 < len && !memcmp(isa + i + 1, "sstc", 4) &&
		    (isa[i + 5] == '_' || !isa[i + 5]))
			rv_board.guests = h;
}

/* The boot hart is CPU 0 (OpenSBI may pick any), the others follow in
 * device-tree order. */
static void plat_cpus(const void *fdt, uint64_t boot_hart)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node, len;
	const fdt32_t *tb = fdt_getprop(fdt, cpus, "timebase-frequency", &len);
	if (tb && len == 4)
		rv_board.timebase_hz = fdt32_to_cpu(*tb);
	rv_board.hartid[rv_board.ncpus++] = boot_hart;
	fdt_for_each_subnode(node, fdt, cpus) {
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		const char *status = fdt_getprop(fdt, node, "status", NULL);
		uint64_t hart;
		if (!reg || !type || type[0] != 'c' || (status && status[0] != 'o'))
			continue;
		hart = len == 8 ? fdt_cell64(reg) : fdt32_to_cpu(reg[0]);
		if (hart == boot_hart)
			plat_isa(fdt_getprop(fdt, node, "riscv,isa", &len), len);
		if (hart != boot_hart && rv_board.ncpus < MAX_CPUS)
			rv_board.hartid[rv_board.ncpus++] = hart;
	}
}

static void plat_dev(struct boot_mem *bm, uint64_t base, uint64_t size)
{
	if (bm->ndev < sizeof(bm->dev) / sizeof(bm->dev[0])) {
		bm->dev[bm->ndev].base = base & ~(PAGE_SIZE - 1);
		bm->dev[bm->ndev++].size = ((base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) -
					   (base & ~(PAGE_SIZE - 1));
	}
}

/* The virtio-mmio transports as one device region of whole pages. */
static void plat_virtio(const void *fdt, struct boot_mem *bm)
{
	uint64_t lo = ~0ull, hi = 0, base, size;
	int node = -1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0)
		if (fdt_reg(fdt, node, 0, &base, &size) && size && base + size > base) {
			lo = base < lo ? base : lo;
			hi = base + size > hi ? base + size : hi;
		}
	if (hi > lo)
		plat_dev(bm, lo, hi - lo);
}

static void plat_devices(const void *fdt, struct boot_mem *bm)
{
	uint64_t size;
	int len, node = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
	if (node < 0 || !fdt_reg(fdt, node, 0, &rv_board.plic_base, &size))
		kpanic("fdt: no PLIC");
	const fdt32_t *ndev = fdt_getprop(fdt, node, "riscv,ndev", &len);
	rv_board.plic_ndev = ndev && len == 4 ? fdt32_to_cpu(*ndev) : 0;
	node = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
	if (node >= 0 && fdt_reg(fdt, node, 0, &rv_board.uart_base, &size))
		plat_dev(bm, rv_board.uart_base, PAGE_SIZE);
	plat_virtio(fdt, bm);
}

void rv_board_from_fdt(const void *fdt, uint64_t boot_hart, struct boot_mem *bm)
{
	fdt_boot_mem(fdt, bm, "no valid device tree in a1");
	plat_cpus(fdt, boot_hart);
	plat_devices(fdt, bm);
	/* The kernel's map covers 512 GiB (mmu.c). */
	if (bm->ram_base >= 1ull << 39)
		kpanic("fdt: RAM starts beyond the kernel's 512 GiB map");
	if (bm->ram_size > (1ull << 39) - bm->ram_base)
		bm->ram_size = (1ull << 39) - bm->ram_base;
}
