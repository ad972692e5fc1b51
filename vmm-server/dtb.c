/*
 * The device tree the VMM gives its guest (x0 at entry), written from the
 * VM description root made (struct keel_vm_info). It follows QEMU virt's
 * bindings, so a guest that runs there finds the same things here:
 *
 *   /                      #address-cells = #size-cells = 2, GIC as parent
 *   chosen                 stdout-path: the first PL011; bootargs (the
 *                          description's cmdline); linux,initrd-start/end;
 *                          keel,vm-name: the VM's name (the guest's /init
 *                          makes it the hostname, so prompts differ)
 *   memory@<base>          the VM's RAM
 *   cpus/cpu@<n>           one per vCPU, enable-method "psci"
 *   psci                   PSCI 1.0 / 0.2 over HVC (psci.c)
 *   intc@8000000           GICv3: distributor, one redistributor region
 *                          of a 128 KiB frame per vCPU (vgic.c)
 *   timer                  the architected timer's PPIs 13, 14, 11, 10
 *   apb-pclk               a fixed 24 MHz clock the PL011 names
 *   pl011@<base>           each PL011 device, on its SPI
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "dtb.h"

/* libfdt's sequential writer, with the first error remembered so the
 * description below can read straight through. */
struct dtbw {
	void *fdt;
	int err;
};

static void fdtw_node(struct dtbw *f, const char *name)
{
	if (!f->err)
		f->err = fdt_begin_node(f->fdt, name);
}

static void fdtw_end_node(struct dtbw *f)
{
	if (!f->err)
		f->err = fdt_end_node(f->fdt);
}

static void fdtw_prop(struct dtbw *f, const char *name, const void *val, size_t len)
{
	if (!f->err)
		f->err = fdt_property(f->fdt, name, val, (int)len);
}

static void fdtw_prop_cells(struct dtbw *f, const char *name, const uint32_t *c, size_t n)
{
	fdt32_t be[16];
	for (size_t i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(c[i]);
	fdtw_prop(f, name, be, (n < 16 ? n : 16) * sizeof(fdt32_t));
}

static void fdtw_prop_u32(struct dtbw *f, const char *name, uint32_t v)
{
	fdtw_prop_cells(f, name, &v, 1);
}

static void fdtw_prop_str(struct dtbw *f, const char *name, const char *s)
{
	if (!f->err)
		f->err = fdt_property_string(f->fdt, name, s);
}

#define PHANDLE_GIC 1u
#define PHANDLE_CLK 2u
#define IRQ_LEVEL_HIGH 4u
#define GIC_SPI 0u
#define GIC_PPI 1u

static void reg2(uint32_t *c, uint64_t base, uint64_t size)
{
	c[0] = (uint32_t)(base >> 32);
	c[1] = (uint32_t)base;
	c[2] = (uint32_t)(size >> 32);
	c[3] = (uint32_t)size;
}

static void node_at(struct dtbw *f, const char *what, uint64_t base)
{
	char name[40];
	snprintf(name, sizeof(name), "%s@%llx", what, (unsigned long long)base);
	fdtw_node(f, name);
}

static void dtb_memory(struct dtbw *f, const struct keel_vm_info *info)
{
	uint32_t reg[4];
	node_at(f, "memory", info->ram_base);
	fdtw_prop_str(f, "device_type", "memory");
	reg2(reg, info->ram_base, info->ram_size);
	fdtw_prop_cells(f, "reg", reg, 4);
	fdtw_end_node(f);
}

static void dtb_cpus(struct dtbw *f, unsigned ncpus)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	fdtw_node(f, "psci");
	fdtw_prop(f, "compatible", psci_compat, sizeof(psci_compat));
	fdtw_prop_str(f, "method", "hvc");
	fdtw_end_node(f);
	fdtw_node(f, "cpus");
	fdtw_prop_u32(f, "#address-cells", 1);
	fdtw_prop_u32(f, "#size-cells", 0);
	for (unsigned i = 0; i < ncpus; i++) {
		node_at(f, "cpu", i);
		fdtw_prop_str(f, "device_type", "cpu");
		fdtw_prop_str(f, "compatible", "arm,armv8");
		fdtw_prop_u32(f, "reg", i); /* MPIDR affinity: Aff0 = i (main.c) */
		fdtw_prop_str(f, "enable-method", "psci");
		fdtw_end_node(f);
	}
	fdtw_end_node(f);
}

static void dtb_gic_timer(struct dtbw *f, unsigned ncpus)
{
	uint32_t reg[8], irqs[12];
	static const uint32_t ppis[4] = { 13, 14, 11, 10 }; /* secure, phys, virt, hyp */
	node_at(f, "intc", VGIC_GICD_BASE);
	fdtw_prop_str(f, "compatible", "arm,gic-v3");
	fdtw_prop_u32(f, "#interrupt-cells", 3);
	fdtw_prop_u32(f, "#redistributor-regions", 1);
	fdtw_prop(f, "interrupt-controller", NULL, 0);
	reg2(reg, VGIC_GICD_BASE, VGIC_GICD_SIZE);
	reg2(reg + 4, VGIC_GICR_BASE, VGIC_GICR_STRIDE * ncpus);
	fdtw_prop_cells(f, "reg", reg, 8);
	fdtw_prop_u32(f, "phandle", PHANDLE_GIC);
	fdtw_end_node(f);
	for (unsigned i = 0; i < 4; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = ppis[i];
		irqs[3 * i + 2] = IRQ_LEVEL_HIGH;
	}
	fdtw_node(f, "timer");
	fdtw_prop_str(f, "compatible", "arm,armv8-timer");
	fdtw_prop_cells(f, "interrupts", irqs, 12);
	fdtw_prop(f, "always-on", NULL, 0);
	fdtw_end_node(f);
}

static void dtb_pl011(struct dtbw *f, const struct keel_vm_dev *d)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint32_t reg[4], irq[3] = { GIC_SPI, d->intid - 32, IRQ_LEVEL_HIGH };
	node_at(f, "pl011", d->base);
	fdtw_prop(f, "compatible", compat, sizeof(compat));
	reg2(reg, d->base, d->size);
	fdtw_prop_cells(f, "reg", reg, 4);
	if (d->intid >= 32)
		fdtw_prop_cells(f, "interrupts", irq, 3);
	fdtw_prop(f, "clock-names", clock_names, sizeof(clock_names));
	fdtw_prop_cells(f, "clocks", clocks, 2);
	fdtw_end_node(f);
}

static void dtb_devices(struct dtbw *f, const struct keel_vm_info *info)
{
	fdtw_node(f, "apb-pclk");
	fdtw_prop_str(f, "compatible", "fixed-clock");
	fdtw_prop_u32(f, "#clock-cells", 0);
	fdtw_prop_u32(f, "clock-frequency", 24000000);
	fdtw_prop_str(f, "clock-output-names", "clk24mhz");
	fdtw_prop_u32(f, "phandle", PHANDLE_CLK);
	fdtw_end_node(f);
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++)
		if (info->dev[i].kind == KEEL_VM_DEV_PL011)
			dtb_pl011(f, &info->dev[i]);
}

static void fdtw_prop_u64(struct dtbw *f, const char *name, uint64_t v)
{
	const uint32_t c[2] = { (uint32_t)(v >> 32), (uint32_t)v };
	fdtw_prop_cells(f, name, c, 2);
}

/* The description is root's: take the name only if it ends. */
static bool dtb_name_ok(const struct keel_vm_info *info)
{
	return info->name[0] && memchr(info->name, 0, sizeof(info->name));
}

static void dtb_chosen(struct dtbw *f, const struct keel_vm_info *info,
		       const struct dtb_boot *boot)
{
	char path[40];
	fdtw_node(f, "chosen");
	/* the description is root's: take the command line only if it ends */
	if (info->cmdline[0] && memchr(info->cmdline, 0, sizeof(info->cmdline)))
		fdtw_prop_str(f, "bootargs", info->cmdline);
	if (dtb_name_ok(info))
		fdtw_prop_str(f, "keel,vm-name", info->name);
	if (boot && boot->initrd_end > boot->initrd_start) {
		fdtw_prop_u64(f, "linux,initrd-start", boot->initrd_start);
		fdtw_prop_u64(f, "linux,initrd-end", boot->initrd_end);
	}
	for (unsigned i = 0; i < info->dev_count && i < KEEL_VMM_MAX_DEVICES; i++)
		if (info->dev[i].kind == KEEL_VM_DEV_PL011) {
			snprintf(path, sizeof(path), "/pl011@%llx",
				 (unsigned long long)info->dev[i].base);
			fdtw_prop_str(f, "stdout-path", path);
			break;
		}
	fdtw_end_node(f);
}

size_t dtb_build(const struct keel_vm_info *info, unsigned ncpus, const struct dtb_boot *boot,
		 uint8_t *out, size_t cap)
{
	struct dtbw w = { .fdt = out }, *f = &w;
	w.err = fdt_create(out, (int)cap);
	if (!w.err)
		w.err = fdt_finish_reservemap(out);
	fdtw_node(f, "");
	fdtw_prop_u32(f, "#address-cells", 2);
	fdtw_prop_u32(f, "#size-cells", 2);
	fdtw_prop_str(f, "compatible", "linux,dummy-virt");
	fdtw_prop_str(f, "model", "Keel VM");
	fdtw_prop_u32(f, "interrupt-parent", PHANDLE_GIC);
	dtb_chosen(f, info, boot);
	dtb_memory(f, info);
	dtb_cpus(f, ncpus);
	dtb_gic_timer(f, ncpus);
	dtb_devices(f, info);
	fdtw_end_node(f);
	if (!w.err)
		w.err = fdt_finish(out);
	return w.err ? 0 : fdt_totalsize(out);
}

static int dtb_set_chosen(void *fdt, const struct keel_vm_info *info, const struct dtb_boot *boot)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		return chosen;
	if (info->cmdline[0] && fdt_setprop_string(fdt, chosen, "bootargs", info->cmdline))
		return -1;
	if (dtb_name_ok(info) && fdt_setprop_string(fdt, chosen, "keel,vm-name", info->name))
		return -1;
	if (boot && boot->initrd_end > boot->initrd_start &&
	    (fdt_setprop_u64(fdt, chosen, "linux,initrd-start", boot->initrd_start) ||
	     fdt_setprop_u64(fdt, chosen, "linux,initrd-end", boot->initrd_end)))
		return -1;
	return 0;
}

size_t dtb_adopt(const void *src, size_t len, const struct keel_vm_info *info,
		 const struct dtb_boot *boot, uint8_t *out, size_t cap)
{
	if (len < sizeof(struct fdt_header) || len > cap || fdt_check_full(src, len) != 0)
		return 0;
	if (fdt_open_into(src, out, (int)cap) != 0 || dtb_set_chosen(out, info, boot) != 0 ||
	    fdt_pack(out) != 0)
		return 0;
	return fdt_totalsize(out);
}
