/*
 * The aarch64 nodes of the guest's device tree (vmm-server/dtb.c writes
 * the generic ones). They follow QEMU virt's bindings, so a guest that
 * runs there finds the same things here:
 *
 *   /                      compatible linux,dummy-virt, GIC as parent
 *   cpus/cpu@<n>           one per vCPU, enable-method "psci"
 *   psci                   PSCI 1.0 / 0.2 over HVC (psci.c)
 *   intc@8000000           GICv3: distributor, one redistributor region
 *                          of a 128 KiB frame per vCPU (vgic.c)
 *   timer                  the architected timer's PPIs 13, 14, 11, 10
 *   pmu                    the CPU's PMU (arch/aarch64/vcpu.c gives each
 *                          vCPU its own), without its overflow interrupt,
 *                          which Keel does not deliver: Linux counts
 *                          (perf stat), it cannot sample (perf record)
 *   apb-pclk               a fixed 24 MHz clock the PL011 names
 *   pl011@<base>           each PL011 device, on its SPI
 *   virtio_mmio@<base>     each virtio-mmio transport, on its SPI (level)
 */
#include <stdio.h>

#include "aarch64_vmm.h"
#include "dtb.h"

#define PHANDLE_GIC 1u
#define PHANDLE_CLK 2u
#define IRQ_LEVEL_HIGH 4u
#define GIC_SPI 0u
#define GIC_PPI 1u

static void dtb_cpus(struct dtbw *f, unsigned ncpus)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	dtb_node(f, "psci");
	dtb_prop(f, "compatible", psci_compat, sizeof(psci_compat));
	dtb_prop_str(f, "method", "hvc");
	dtb_end_node(f);
	dtb_node(f, "cpus");
	dtb_prop_u32(f, "#address-cells", 1);
	dtb_prop_u32(f, "#size-cells", 0);
	for (unsigned i = 0; i < ncpus; i++) {
		dtb_node_at(f, "cpu", i);
		dtb_prop_str(f, "device_type", "cpu");
		dtb_prop_str(f, "compatible", "arm,armv8");
		dtb_prop_u32(f, "reg", i); /* MPIDR affinity: Aff0 = i (boot.c) */
		dtb_prop_str(f, "enable-method", "psci");
		dtb_end_node(f);
	}
	dtb_end_node(f);
}

static void dtb_gic_timer(struct dtbw *f, unsigned ncpus)
{
	uint32_t reg[8], irqs[12];
	static const uint32_t ppis[4] = { 13, 14, 11, 10 }; /* secure, phys, virt, hyp */
	dtb_node_at(f, "intc", VGIC_GICD_BASE);
	dtb_prop_str(f, "compatible", "arm,gic-v3");
	dtb_prop_u32(f, "#interrupt-cells", 3);
	dtb_prop_u32(f, "#redistributor-regions", 1);
	dtb_prop(f, "interrupt-controller", NULL, 0);
	dtb_reg2(reg, VGIC_GICD_BASE, VGIC_GICD_SIZE);
	dtb_reg2(reg + 4, VGIC_GICR_BASE, VGIC_GICR_STRIDE * ncpus);
	dtb_prop_cells(f, "reg", reg, 8);
	dtb_prop_u32(f, "phandle", PHANDLE_GIC);
	dtb_end_node(f);
	for (unsigned i = 0; i < 4; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = ppis[i];
		irqs[3 * i + 2] = IRQ_LEVEL_HIGH;
	}
	dtb_node(f, "timer");
	dtb_prop_str(f, "compatible", "arm,armv8-timer");
	dtb_prop_cells(f, "interrupts", irqs, 12);
	dtb_prop(f, "always-on", NULL, 0);
	dtb_end_node(f);
}

static void dtb_pmu(struct dtbw *f)
{
	dtb_node(f, "pmu");
	dtb_prop_str(f, "compatible", "arm,armv8-pmuv3");
	dtb_end_node(f);
}

static void dtb_pl011(struct dtbw *f, const struct keel_vm_dev *d)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint32_t reg[4], irq[3] = { GIC_SPI, d->intid - 32, IRQ_LEVEL_HIGH };
	dtb_node_at(f, "pl011", d->base);
	dtb_prop(f, "compatible", compat, sizeof(compat));
	dtb_reg2(reg, d->base, d->size);
	dtb_prop_cells(f, "reg", reg, 4);
	if (d->intid >= 32)
		dtb_prop_cells(f, "interrupts", irq, 3);
	dtb_prop(f, "clock-names", clock_names, sizeof(clock_names));
	dtb_prop_cells(f, "clocks", clocks, 2);
	dtb_end_node(f);
}

/* A virtio-mmio transport (Linux's virtio,mmio binding): its window, its
 * SPI as a level (the line is InterruptStatus != 0), DMA-coherent. */
static void dtb_virtio(struct dtbw *f, const struct keel_vm_dev *d)
{
	uint32_t reg[4], irq[3] = { GIC_SPI, d->intid - 32, IRQ_LEVEL_HIGH };
	dtb_node_at(f, "virtio_mmio", d->base);
	dtb_prop_str(f, "compatible", "virtio,mmio");
	dtb_reg2(reg, d->base, d->size);
	dtb_prop_cells(f, "reg", reg, 4);
	if (d->intid >= 32)
		dtb_prop_cells(f, "interrupts", irq, 3);
	dtb_prop(f, "dma-coherent", NULL, 0);
	dtb_end_node(f);
}

static void dtb_devices(struct dtbw *f, const struct keel_vm_info *info)
{
	dtb_node(f, "apb-pclk");
	dtb_prop_str(f, "compatible", "fixed-clock");
	dtb_prop_u32(f, "#clock-cells", 0);
	dtb_prop_u32(f, "clock-frequency", 24000000);
	dtb_prop_str(f, "clock-output-names", "clk24mhz");
	dtb_prop_u32(f, "phandle", PHANDLE_CLK);
	dtb_end_node(f);
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++)
		if (info->dev[i].kind == KEEL_VM_DEV_PL011)
			dtb_pl011(f, &info->dev[i]);
		else if (info->dev[i].kind == KEEL_VM_DEV_VIRTIO)
			dtb_virtio(f, &info->dev[i]);
}

void vmm_arch_dtb_root(struct dtbw *f)
{
	dtb_prop_str(f, "compatible", "linux,dummy-virt");
	dtb_prop_u32(f, "interrupt-parent", PHANDLE_GIC);
}

void vmm_arch_dtb_nodes(struct dtbw *f, const struct keel_vm_info *info, unsigned ncpus)
{
	dtb_cpus(f, ncpus);
	dtb_gic_timer(f, ncpus);
	dtb_pmu(f);
	dtb_devices(f, info);
}

bool vmm_arch_dtb_dev_path(const struct keel_vm_dev *d, char *path, size_t size)
{
	if (d->kind != KEEL_VM_DEV_PL011)
		return false;
	snprintf(path, size, "/pl011@%llx", (unsigned long long)d->base);
	return true;
}
