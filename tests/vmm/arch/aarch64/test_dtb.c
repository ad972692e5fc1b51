/* dtb.c: the guest's device tree, written and read back with libfdt. */
#include <libfdt.h>
#include <string.h>

#include "aarch64_vmm.h"
#include "dtb.h"
#include "vmm_test.h"

static uint8_t blob[8192];
static struct keel_vm_info info;

static void setup(void)
{
	memset(&info, 0, sizeof(info));
	info.magic = KEEL_VM_INFO_MAGIC;
	info.ram_base = 0x40000000;
	info.ram_size = 0x4000000;
	info.vcpu_count = 1;
	info.dev_count = 1;
	info.dev[0] = (struct keel_vm_dev){ .base = 0x09000000, .size = 0x1000,
					    .kind = KEEL_VM_DEV_PL011, .intid = 33 };
}

static const uint32_t *cells(const char *path, const char *prop, int *len)
{
	int node = fdt_path_offset(blob, path);
	ck_assert_msg(node >= 0, "no node %s", path);
	const uint32_t *p = fdt_getprop(blob, node, prop, len);
	ck_assert_msg(p != NULL, "no %s in %s", prop, path);
	return p;
}

static const char *str(const char *path, const char *prop)
{
	int len;
	return (const char *)cells(path, prop, &len);
}

START_TEST(tree_is_valid_and_describes_the_vm)
{
	size_t n = dtb_build(&info, 1, NULL, blob, sizeof(blob));
	int len;
	const uint32_t *c;
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(fdt_check_full(blob, n), 0);
	ck_assert_uint_eq(fdt_totalsize(blob), n);
	c = cells("/memory@40000000", "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 0x40000000);
	ck_assert_uint_eq(fdt32_to_cpu(c[3]), 0x4000000);
	ck_assert_str_eq(str("/memory@40000000", "device_type"), "memory");
	ck_assert_str_eq(str("/chosen", "stdout-path"), "/pl011@9000000");
	ck_assert_str_eq(str("/psci", "method"), "hvc");
	ck_assert_str_eq(str("/intc@8000000", "compatible"), "arm,gic-v3");
	c = cells("/intc@8000000", "reg", &len);
	ck_assert_int_eq(len, 32);
	ck_assert_uint_eq(fdt32_to_cpu(c[5]), VGIC_GICR_BASE);
	ck_assert_uint_eq(fdt32_to_cpu(c[7]), VGIC_GICR_STRIDE);
	c = cells("/pl011@9000000", "interrupts", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 0);  /* SPI */
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 1);  /* 33 - 32 */
	ck_assert_str_eq(str("/pl011@9000000", "compatible"), "arm,pl011");
	ck_assert_int_eq(fdt_node_check_compatible(blob,
		fdt_path_offset(blob, "/pl011@9000000"), "arm,primecell"), 0);
	ck_assert_int_ge(fdt_node_offset_by_phandle(blob, 1), 0); /* the GIC */
	c = cells("/", "interrupt-parent", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 1);
	ck_assert_int_ge(fdt_path_offset(blob, "/cpus/cpu@0"), 0);
	ck_assert_int_lt(fdt_path_offset(blob, "/cpus/cpu@1"), 0);
}
END_TEST

/* What Linux needs: a cpu node per vCPU (reg = MPIDR, PSCI), PSCI over
 * HVC, one redistributor region of a frame per vCPU, the timer's four
 * PPIs, the PL011's clocks, and /chosen with bootargs and the initrd. */
/* A virtio-mmio device: Linux's virtio,mmio binding, on its SPI. */
START_TEST(virtio_device_is_described)
{
	size_t n;
	int len;
	const uint32_t *c;
	info.dev_count = 2;
	info.dev[1] = (struct keel_vm_dev){ .base = 0x0a000200, .size = 0x200,
					    .kind = KEEL_VM_DEV_VIRTIO, .intid = 49 };
	n = dtb_build(&info, 1, NULL, blob, sizeof(blob));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(fdt_check_full(blob, n), 0);
	ck_assert_str_eq(str("/virtio_mmio@a000200", "compatible"), "virtio,mmio");
	c = cells("/virtio_mmio@a000200", "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 0x0a000200);
	ck_assert_uint_eq(fdt32_to_cpu(c[3]), 0x200);
	c = cells("/virtio_mmio@a000200", "interrupts", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 0);  /* SPI */
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 17); /* 49 - 32 */
	ck_assert_uint_eq(fdt32_to_cpu(c[2]), 4);  /* level, high */
	cells("/virtio_mmio@a000200", "dma-coherent", &len);
	ck_assert_int_eq(len, 0);
}
END_TEST

START_TEST(two_vcpus_initrd_and_bootargs)
{
	const struct dtb_boot boot = { 0x40800000, 0x40912345 };
	static const uint32_t timer[12] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };
	int len, node;
	const uint32_t *c;
	strcpy(info.cmdline, "console=ttyAMA0 earlycon");
	strcpy(info.name, "vm2");
	ck_assert_uint_gt(dtb_build(&info, 2, &boot, blob, sizeof(blob)), 0);
	ck_assert_str_eq(str("/chosen", "keel,vm-name"), "vm2");
	for (unsigned i = 0; i < 2; i++) {
		char path[16] = "/cpus/cpu@0";
		path[10] = (char)('0' + i);
		c = cells(path, "reg", &len);
		ck_assert_int_eq(len, 4);
		ck_assert_uint_eq(fdt32_to_cpu(c[0]), i);
		ck_assert_str_eq(str(path, "enable-method"), "psci");
		ck_assert_str_eq(str(path, "device_type"), "cpu");
	}
	ck_assert_int_lt(fdt_path_offset(blob, "/cpus/cpu@2"), 0);
	c = cells("/cpus", "#address-cells", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 1);
	node = fdt_path_offset(blob, "/psci");
	ck_assert_int_eq(fdt_node_check_compatible(blob, node, "arm,psci-1.0"), 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, node, "arm,psci-0.2"), 0);
	c = cells("/intc@8000000", "reg", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[7]), 2 * VGIC_GICR_STRIDE);
	c = cells("/intc@8000000", "#redistributor-regions", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 1);
	c = cells("/intc@8000000", "#interrupt-cells", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 3);
	ck_assert_str_eq(str("/timer", "compatible"), "arm,armv8-timer");
	c = cells("/timer", "interrupts", &len);
	ck_assert_int_eq(len, 48);
	for (unsigned i = 0; i < 12; i++)
		ck_assert_uint_eq(fdt32_to_cpu(c[i]), timer[i]);
	c = cells("/pl011@9000000", "clocks", &len);
	ck_assert_int_eq(len, 8);
	node = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(c[0]));
	ck_assert_int_ge(node, 0);
	ck_assert_int_eq(fdt_node_check_compatible(blob, node, "fixed-clock"), 0);
	ck_assert_str_eq(str("/pl011@9000000", "clock-names"), "uartclk");
	ck_assert_str_eq(str("/chosen", "bootargs"), "console=ttyAMA0 earlycon");
	c = cells("/chosen", "linux,initrd-start", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt32_to_cpu(c[0]), 0);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 0x40800000);
	c = cells("/chosen", "linux,initrd-end", &len);
	ck_assert_uint_eq(fdt32_to_cpu(c[1]), 0x40912345);
}
END_TEST

/* No initrd, no command line: no such properties; a command line that
 * does not end inside its array is not taken. */
START_TEST(no_initrd_no_bootargs)
{
	int node, len;
	memset(info.cmdline, 'x', sizeof(info.cmdline));
	memset(info.name, 'y', sizeof(info.name));
	ck_assert_uint_gt(dtb_build(&info, 1, NULL, blob, sizeof(blob)), 0);
	node = fdt_path_offset(blob, "/chosen");
	ck_assert_ptr_null(fdt_getprop(blob, node, "bootargs", &len));
	ck_assert_ptr_null(fdt_getprop(blob, node, "keel,vm-name", &len));
	ck_assert_ptr_null(fdt_getprop(blob, node, "linux,initrd-start", &len));
}
END_TEST

START_TEST(too_small_a_buffer_fails)
{
	ck_assert_uint_eq(dtb_build(&info, 1, NULL, blob, 100), 0);
}
END_TEST

/* A supplied tree (here one without /chosen, made with libfdt's
 * sequential writer) keeps its own nodes and gains bootargs and the
 * initrd range; a damaged one, or one too big, is refused. */
START_TEST(supplied_tree_gets_chosen_and_keeps_the_rest)
{
	static uint8_t src[1024], bad[1024];
	const struct dtb_boot boot = { 0x44000000, 0x44200000 };
	const void *rd;
	uint64_t start;
	int len;
	ck_assert_int_eq(fdt_create(src, sizeof(src)), 0);
	ck_assert_int_eq(fdt_finish_reservemap(src), 0);
	ck_assert_int_eq(fdt_begin_node(src, ""), 0);
	ck_assert_int_eq(fdt_property_string(src, "model", "user board"), 0);
	ck_assert_int_eq(fdt_begin_node(src, "memory@40000000"), 0);
	ck_assert_int_eq(fdt_property_string(src, "device_type", "memory"), 0);
	ck_assert_int_eq(fdt_end_node(src), 0);
	ck_assert_int_eq(fdt_end_node(src), 0);
	ck_assert_int_eq(fdt_finish(src), 0);
	strcpy(info.cmdline, "console=ttyAMA0 quiet");
	strcpy(info.name, "board1");
	ck_assert_uint_gt(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
	ck_assert_int_eq(fdt_check_full(blob, fdt_totalsize(blob)), 0);
	ck_assert_str_eq(str("/", "model"), "user board");
	ck_assert_str_eq(str("/memory@40000000", "device_type"), "memory");
	ck_assert_str_eq(str("/chosen", "bootargs"), "console=ttyAMA0 quiet");
	ck_assert_str_eq(str("/chosen", "keel,vm-name"), "board1");
	rd = (const void *)cells("/chosen", "linux,initrd-start", &len);
	ck_assert_int_eq(len, 8);
	memcpy(&start, rd, sizeof(start)); /* properties are 4-byte aligned only */
	ck_assert_uint_eq(fdt64_to_cpu(start), 0x44000000);
	/* damaged: a structure block that runs off its end */
	memcpy(bad, src, sizeof(bad));
	((struct fdt_header *)(void *)bad)->size_dt_struct = cpu_to_fdt32(4096);
	ck_assert_uint_eq(dtb_adopt(bad, fdt_totalsize(bad), &info, &boot, blob, sizeof(blob)), 0);
	ck_assert_uint_eq(dtb_adopt("nonsense", 9, &info, &boot, blob, sizeof(blob)), 0);
	ck_assert_uint_eq(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, 64), 0);
}
END_TEST

/* Issue 16's hostile tree: a header claiming version 15 makes libfdt
 * 1.6.1's fdt_check_full dereference NULL (the root's name has no '/'),
 * and one at an odd address made it load misaligned. Both are refused,
 * and a good tree at an odd address is adopted. */
START_TEST(hostile_headers_are_refused_without_a_fault)
{
	static uint8_t src[1024], odd[1025];
	const struct dtb_boot boot = { 0, 0 };
	ck_assert_int_eq(fdt_create(src, sizeof(src)), 0);
	ck_assert_int_eq(fdt_finish_reservemap(src), 0);
	ck_assert_int_eq(fdt_begin_node(src, ""), 0);
	ck_assert_int_eq(fdt_property_string(src, "model", "old board"), 0);
	ck_assert_int_eq(fdt_end_node(src), 0);
	ck_assert_int_eq(fdt_finish(src), 0);
	memcpy(odd + 1, src, fdt_totalsize(src));
	ck_assert_uint_gt(dtb_adopt(odd + 1, fdt_totalsize(src), &info, &boot, blob,
				    sizeof(blob)), 0);
	((struct fdt_header *)(void *)src)->version = cpu_to_fdt32(15);
	((struct fdt_header *)(void *)src)->last_comp_version = cpu_to_fdt32(2);
	ck_assert_uint_eq(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
	((struct fdt_header *)(void *)src)->version = cpu_to_fdt32(17);
	((struct fdt_header *)(void *)src)->last_comp_version = cpu_to_fdt32(18);
	ck_assert_uint_eq(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
	((struct fdt_header *)(void *)src)->last_comp_version = cpu_to_fdt32(16);
	((struct fdt_header *)(void *)src)->totalsize = cpu_to_fdt32(2000);
	ck_assert_uint_eq(dtb_adopt(src, 1024, &info, &boot, blob, sizeof(blob)), 0);
}
END_TEST

/* make fuzz's finding (tests/fuzz/fuzz_dtb.c, 8.3 M inputs in): a
 * property whose length is 0xfffffff4 sends libfdt 1.6.1's fdt_next_tag
 * back to the same tag, and fdt_check_full loops for ever (this test then
 * fails by Check's timeout). Refused, as is one running past the block. */
START_TEST(wrapping_property_length_is_refused)
{
	static uint8_t src[1024];
	const struct dtb_boot boot = { 0, 0 };
	uint8_t *prop;
	ck_assert_int_eq(fdt_create(src, sizeof(src)), 0);
	ck_assert_int_eq(fdt_finish_reservemap(src), 0);
	ck_assert_int_eq(fdt_begin_node(src, ""), 0);
	ck_assert_int_eq(fdt_property_string(src, "model", "looping board"), 0);
	ck_assert_int_eq(fdt_end_node(src), 0);
	ck_assert_int_eq(fdt_finish(src), 0);
	ck_assert_uint_gt(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
	/* the root's BEGIN_NODE and empty name take 8 bytes; then "model" */
	prop = src + fdt_off_dt_struct(src) + 8;
	ck_assert_uint_eq(fdt32_to_cpu(*(const fdt32_t *)(const void *)prop), FDT_PROP);
	*(fdt32_t *)(void *)(prop + 4) = cpu_to_fdt32(0xfffffff4u);
	ck_assert_uint_eq(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
	*(fdt32_t *)(void *)(prop + 4) = cpu_to_fdt32(fdt_size_dt_struct(src));
	ck_assert_uint_eq(dtb_adopt(src, fdt_totalsize(src), &info, &boot, blob, sizeof(blob)), 0);
}
END_TEST

Suite *suite_dtb(void)
{
	Suite *s = suite_create("dtb");
	TCase *tc = tcase_create("dtb");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, tree_is_valid_and_describes_the_vm);
	tcase_add_test(tc, virtio_device_is_described);
	tcase_add_test(tc, two_vcpus_initrd_and_bootargs);
	tcase_add_test(tc, no_initrd_no_bootargs);
	tcase_add_test(tc, too_small_a_buffer_fails);
	tcase_add_test(tc, supplied_tree_gets_chosen_and_keeps_the_rest);
	tcase_add_test(tc, hostile_headers_are_refused_without_a_fault);
	tcase_add_test(tc, wrapping_property_length_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
