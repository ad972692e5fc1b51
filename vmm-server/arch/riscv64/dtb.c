/*
 * The riscv64 nodes of the guest's device tree (vmm-server/dtb.c writes
 * the generic ones), after QEMU virt's bindings:
 *
 *   /                      compatible riscv-virtio
 *   cpus                   timebase-frequency: the host's (the guest's
 *                          time CSR is the host's)
 *   cpus/cpu@<n>           one per vCPU (hart n), riscv,isa, Sv39, with
 *                          its local interrupt controller (riscv,cpu-intc)
 *   plic@c000000           the PLIC (plic.c): riscv,ndev 95, one context
 *                          per hart, its supervisor external interrupt
 *                          (9) only (interrupts-extended), so context n
 *                          is hart n's S-mode
 *   serial@<base>          each 16550 device (ns16550a, reg-shift 0,
 *                          clock-frequency 3686400: QEMU virt's), on its
 *                          PLIC source; /chosen/stdout-path names the
 *                          first UART (vmm-server/dtb.c)
 *   pl011@<base>           each PL011 device, on its PLIC source
 *   virtio_mmio@<base>     each virtio-mmio transport with a source
 *
 * The firmware is SBI (sbi.c), which needs no node. A virtio-mmio device
 * without a source gets none: its driver would wait forever.
 */
#include <stdio.h>

#include "riscv64_vmm.h"
#include "dtb.h"

#define PHANDLE_CLK 1u
#define PHANDLE_PLIC 2u
#define PHANDLE_INTC(i) (3u + (i)) /* hart i's riscv,cpu-intc */

static void dtb_cpu(struct dtbw *f, unsigned i)
{
	dtb_node_at(f, "cpu", i);
	dtb_prop_str(f, "device_type", "cpu");
	dtb_prop_u32(f, "reg", i);
	dtb_prop_str(f, "status", "okay");
	dtb_prop_str(f, "compatible", "riscv");
	dtb_prop_str(f, "riscv,isa", "rv64imafdc_zicsr_zifencei_sstc");
	dtb_prop_str(f, "mmu-type", "riscv,sv39");
	dtb_node(f, "interrupt-controller");
	dtb_prop_u32(f, "#interrupt-cells", 1);
	dtb_prop(f, "interrupt-controller", NULL, 0);
	dtb_prop_str(f, "compatible", "riscv,cpu-intc");
	dtb_prop_u32(f, "phandle", PHANDLE_INTC(i));
	dtb_end_node(f);
	dtb_end_node(f);
}

static void dtb_cpus(struct dtbw *f, unsigned ncpus)
{
	dtb_node(f, "cpus");
	dtb_prop_u32(f, "#address-cells", 1);
	dtb_prop_u32(f, "#size-cells", 0);
	dtb_prop_u32(f, "timebase-frequency", RV_TIMEBASE_HZ);
	for (unsigned i = 0; i < ncpus; i++)
		dtb_cpu(f, i);
	dtb_end_node(f);
}

/* interrupts-extended: each hart's supervisor external interrupt. */
static void dtb_plic(struct dtbw *f, unsigned ncpus)
{
	static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	uint32_t reg[4], ext[2 * KEEL_VMM_MAX_VCPUS]; /* dtb_prop_cells: 16 at most */
	unsigned n = ncpus < KEEL_VMM_MAX_VCPUS ? ncpus : KEEL_VMM_MAX_VCPUS;
	for (unsigned i = 0; i < n; i++) {
		ext[2 * i] = PHANDLE_INTC(i);
		ext[2 * i + 1] = RV_IRQ_EXT;
	}
	dtb_node_at(f, "plic", PLIC_BASE);
	dtb_prop(f, "compatible", compat, sizeof(compat));
	dtb_reg2(reg, PLIC_BASE, PLIC_SIZE(ncpus));
	dtb_prop_cells(f, "reg", reg, 4);
	dtb_prop_u32(f, "#address-cells", 0);
	dtb_prop_u32(f, "#interrupt-cells", 1);
	dtb_prop(f, "interrupt-controller", NULL, 0);
	dtb_prop_cells(f, "interrupts-extended", ext, 2 * n);
	dtb_prop_u32(f, "riscv,ndev", PLIC_SOURCES - 1);
	dtb_prop_u32(f, "phandle", PHANDLE_PLIC);
	dtb_end_node(f);
}

/* A device's PLIC source, if it has one. */
static void dtb_irq(struct dtbw *f, const struct keel_vm_dev *d)
{
	if (!vmm_arch_irq_valid(d->intid))
		return;
	dtb_prop_u32(f, "interrupts", d->intid);
	dtb_prop_u32(f, "interrupt-parent", PHANDLE_PLIC);
}

static void dtb_pl011(struct dtbw *f, const struct keel_vm_dev *d)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint32_t reg[4];
	dtb_node_at(f, "pl011", d->base);
	dtb_prop(f, "compatible", compat, sizeof(compat));
	dtb_reg2(reg, d->base, d->size);
	dtb_prop_cells(f, "reg", reg, 4);
	dtb_irq(f, d);
	dtb_prop(f, "clock-names", clock_names, sizeof(clock_names));
	dtb_prop_cells(f, "clocks", clocks, 2);
	dtb_end_node(f);
}

/* Linux's of_serial binding for QEMU virt's UART: byte registers at
 * stride 1 (the model refuses other widths, ns16550.h). */
#define NS16550_CLOCK_HZ 3686400u
static void dtb_ns16550(struct dtbw *f, const struct keel_vm_dev *d)
{
	uint32_t reg[4];
	dtb_node_at(f, "serial", d->base);
	dtb_prop_str(f, "compatible", "ns16550a");
	dtb_reg2(reg, d->base, d->size);
	dtb_prop_cells(f, "reg", reg, 4);
	dtb_prop_u32(f, "clock-frequency", NS16550_CLOCK_HZ);
	dtb_irq(f, d);
	dtb_end_node(f);
}

/* Linux's virtio,mmio binding: its window and its source (a level). */
static void dtb_virtio(struct dtbw *f, const struct keel_vm_dev *d)
{
	uint32_t reg[4];
	dtb_node_at(f, "virtio_mmio", d->base);
	dtb_prop_str(f, "compatible", "virtio,mmio");
	dtb_reg2(reg, d->base, d->size);
	dtb_prop_cells(f, "reg", reg, 4);
	dtb_irq(f, d);
	dtb_prop(f, "dma-coherent", NULL, 0);
	dtb_end_node(f);
}

void vmm_arch_dtb_root(struct dtbw *f)
{
	dtb_prop_str(f, "compatible", "riscv-virtio");
}

void vmm_arch_dtb_nodes(struct dtbw *f, const struct keel_vm_info *info, unsigned ncpus)
{
	dtb_cpus(f, ncpus);
	dtb_node(f, "apb-pclk"); /* the PL011's clock, as on an Arm VM */
	dtb_prop_str(f, "compatible", "fixed-clock");
	dtb_prop_u32(f, "#clock-cells", 0);
	dtb_prop_u32(f, "clock-frequency", 24000000);
	dtb_prop_u32(f, "phandle", PHANDLE_CLK);
	dtb_end_node(f);
	dtb_plic(f, ncpus);
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++)
		if (info->dev[i].kind == KEEL_VM_DEV_PL011)
			dtb_pl011(f, &info->dev[i]);
		else if (info->dev[i].kind == KEEL_VM_DEV_NS16550)
			dtb_ns16550(f, &info->dev[i]);
		else if (info->dev[i].kind == KEEL_VM_DEV_VIRTIO &&
			 vmm_arch_irq_valid(info->dev[i].intid))
			dtb_virtio(f, &info->dev[i]);
}

bool vmm_arch_dtb_dev_path(const struct keel_vm_dev *d, char *path, size_t size)
{
	const char *node = d->kind == KEEL_VM_DEV_PL011 ? "pl011" : "serial";
	if (!keel_vm_dev_is_uart(d->kind))
		return false;
	snprintf(path, size, "/%s@%llx", node, (unsigned long long)d->base);
	return true;
}
