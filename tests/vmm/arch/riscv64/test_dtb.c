/* dtb.c with the riscv64 nodes: written and read back with libfdt. The
 * PLIC as Linux's sifive,plic-1.0.0 driver reads it: one context per
 * hart, each the supervisor external interrupt (9) of that hart's
 * riscv,cpu-intc; devices on their sources. */
#include <libfdt.h>
#include <string.h>

#include "riscv64_vmm.h"
#include "dtb.h"
#include "vmm_test.h"

static uint8_t blob[8192];
static struct keel_vm_info info;

#define PLIC_NODE "/plic@c000000"

static void setup(void)
{
	memset(&info, 0, sizeof(info));
	info.magic = KEEL_VM_INFO_MAGIC;
	info.ram_base = 0x40000000;
	info.ram_size = 0x4000000;
	info.vcpu_count = 2;
	info.dev_count = 3;
	info.dev[0] = (struct keel_vm_dev){ .base = 0x10000000, .size = 0x1000,
					    .kind = KEEL_VM_DEV_PL011, .intid = 10 };
	info.dev[1] = (struct keel_vm_dev){ .base = 0x10001000, .size = 0x200,
					    .kind = KEEL_VM_DEV_VIRTIO, .intid = 1 };
	info.dev[2] = (struct keel_vm_dev){ .base = 0x10002000, .size = 0x200,
					    .kind = KEEL_VM_DEV_VIRTIO };
}

static const uint32_t *cells(const char *path, const char *prop, int *len)
{
	int node = fdt_path_offset(blob, path);
	ck_assert_msg(node >= 0, "no node %s", path);
	const uint32_t *p = fdt_getprop(blob, node, prop, len);
	ck_assert_msg(p != NULL, "no %s in %s", prop, path);
	return p;
}

static uint32_t cell(const char *path, const char *prop)
{
	int len;
	const uint32_t *c = cells(path, prop, &len);
	ck_assert_int_eq(len, 4);
	return fdt32_to_cpu(c[0]);
}

START_TEST(plic_and_its_contexts)
{
	size_t n = dtb_build(&info, 2, NULL, blob, sizeof(blob));
	int len, plic;
	const uint32_t *c;
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(fdt_check_full(blob, n), 0);
	plic = fdt_path_offset(blob, PLIC_NODE);
	ck_assert_int_ge(plic, 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, plic, "sifive,plic-1.0.0"), 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, plic, "riscv,plic0"), 0);
	ck_assert_uint_eq(cell(PLIC_NODE, "riscv,ndev"), PLIC_SOURCES - 1);
	ck_assert_uint_eq(cell(PLIC_NODE, "#interrupt-cells"), 1);
	c = cells(PLIC_NODE, "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), PLIC_BASE);
	ck_assert_uint_eq(fdt32_to_cpu(c[3]), PLIC_SIZE(2));
	c = cells(PLIC_NODE, "interrupts-extended", &len);
	ck_assert_int_eq(len, 16);
	for (unsigned i = 0; i < 2; i++) {
		int intc = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(c[2 * i]));
		char path[64];
		ck_assert_int_ge(intc, 0);
		ck_assert_int_eq(fdt_get_path(blob, intc, path, sizeof(path)), 0);
		ck_assert_str_eq(path, i ? "/cpus/cpu@1/interrupt-controller"
					  : "/cpus/cpu@0/interrupt-controller");
		ck_assert_uint_eq(fdt32_to_cpu(c[2 * i + 1]), RV_IRQ_EXT);
	}
}
END_TEST

START_TEST(devices_on_their_sources)
{
	uint32_t plic;
	ck_assert_uint_gt(dtb_build(&info, 2, NULL, blob, sizeof(blob)), 0);
	plic = fdt_get_phandle(blob, fdt_path_offset(blob, PLIC_NODE));
	ck_assert_uint_ne(plic, 0);
	ck_assert_uint_eq(cell("/pl011@10000000", "interrupts"), 10);
	ck_assert_uint_eq(cell("/pl011@10000000", "interrupt-parent"), plic);
	ck_assert_uint_eq(cell("/virtio_mmio@10001000", "interrupts"), 1);
	ck_assert_uint_eq(cell("/virtio_mmio@10001000", "interrupt-parent"), plic);
	/* without a source a virtio driver would wait forever: no node */
	ck_assert_int_lt(fdt_path_offset(blob, "/virtio_mmio@10002000"), 0);
	info.dev[0].intid = 0; /* a PL011 without one is polled */
	ck_assert_uint_gt(dtb_build(&info, 2, NULL, blob, sizeof(blob)), 0);
	ck_assert_ptr_null(fdt_getprop(blob, fdt_path_offset(blob, "/pl011@10000000"),
				       "interrupts", NULL));
}
END_TEST

/* QEMU virt's UART as Linux's of_serial reads it, and the console. */
START_TEST(ns16550_node_and_stdout)
{
	const char *path = "/serial@10000000";
	const char *stdout_path;
	int len;
	const uint32_t *c;
	info.dev[0].kind = KEEL_VM_DEV_NS16550;
	ck_assert_uint_gt(dtb_build(&info, 2, NULL, blob, sizeof(blob)), 0);
	ck_assert_int_lt(fdt_path_offset(blob, "/pl011@10000000"), 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, fdt_path_offset(blob, path), "ns16550a"), 0);
	ck_assert_uint_eq(cell(path, "clock-frequency"), 3686400);
	ck_assert_uint_eq(cell(path, "interrupts"), 10);
	ck_assert_uint_eq(cell(path, "interrupt-parent"),
			  fdt_get_phandle(blob, fdt_path_offset(blob, PLIC_NODE)));
	c = cells(path, "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 0x10000000);
	ck_assert_uint_eq(fdt32_to_cpu(c[3]), 0x1000);
	stdout_path = fdt_getprop(blob, fdt_path_offset(blob, "/chosen"), "stdout-path", &len);
	ck_assert_ptr_nonnull(stdout_path);
	ck_assert_str_eq(stdout_path, path);
}
END_TEST

Suite *suite_dtb(void)
{
	Suite *s = suite_create("dtb");
	TCase *tc = tcase_create("dtb");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, plic_and_its_contexts);
	tcase_add_test(tc, devices_on_their_sources);
	tcase_add_test(tc, ns16550_node_and_stdout);
	suite_add_tcase(s, tc);
	return s;
}
