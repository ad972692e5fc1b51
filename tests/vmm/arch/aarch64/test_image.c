/* image.c: arm64 Image header checks and loading. */
#include <string.h>

#include "aarch64_vmm.h"
#include "loader.h"
#include "vmm_test.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x400000ull /* 4 MiB */

static uint8_t img[8192];
static uint8_t ram[RAM_SIZE];

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void setup(void)
{
	memset(img, 0x5c, sizeof(img));
	put64(img + 0x08, 0x200000); /* text_offset */
	put64(img + 0x10, 0x100000); /* image_size */
	put64(img + 0x18, 0xa);      /* flags: LE, 4K, anywhere */
	memcpy(img + 0x38, "ARM\x64", 4);
}

START_TEST(valid_image_placed_at_text_offset)
{
	struct guest_image g;
	ck_assert_ptr_null(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	ck_assert_uint_eq(g.entry, RAM_BASE + 0x200000);
	ck_assert_uint_eq(g.load_offset, 0x200000);
	ck_assert_uint_eq(g.mem_size, 0x100000);
	memset(ram, 0xee, sizeof(ram));
	loader_image_copy(img, &g, ram);
	ck_assert_mem_eq(ram + 0x200000, img, sizeof(img));
	ck_assert_uint_eq(ram[0x200000 + sizeof(img)], 0);           /* bss zeroed */
	ck_assert_uint_eq(ram[0x200000 + 0x100000 - 1], 0);
	ck_assert_uint_eq(ram[0x200000 + 0x100000], 0xee);           /* and no further */
	ck_assert_uint_eq(ram[0x1fffff], 0xee);
}
END_TEST

START_TEST(old_image_without_size)
{
	struct guest_image g;
	put64(img + 0x10, 0);
	ck_assert_ptr_null(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	ck_assert_uint_eq(g.load_offset, 0x80000);
	ck_assert_uint_eq(g.mem_size, sizeof(img));
}
END_TEST

START_TEST(bad_images_refused)
{
	struct guest_image g;
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, 63, RAM_BASE, RAM_SIZE, &g));
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE + 0x1000, RAM_SIZE, &g));
	put64(img + 0x10, 0x1000); /* smaller than the file */
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	put64(img + 0x10, RAM_SIZE - 0x200000 + 1); /* one byte too many */
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	put64(img + 0x10, 0x100000);
	put64(img + 0x08, ~0ull - 0xfff); /* text_offset wraps */
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	put64(img + 0x08, 0x200000);
	put64(img + 0x18, 0xb); /* big-endian */
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
	put64(img + 0x18, 0xa);
	img[0x38] = 'X';
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM_BASE, RAM_SIZE, &g));
}
END_TEST

Suite *suite_image(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, valid_image_placed_at_text_offset);
	tcase_add_test(tc, old_image_without_size);
	tcase_add_test(tc, bad_images_refused);
	suite_add_tcase(s, tc);
	return s;
}
