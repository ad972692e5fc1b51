/* mmio.c: the region map, dispatch by address, and load-value shaping. */
#include <string.h>

#include "vmm.h"
#include "vmm_test.h"

struct fake_dev {
	unsigned calls;
	uint64_t off, val, answer;
	unsigned width;
	bool write, refuse;
};

static bool fake_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	struct fake_dev *d = ctx;
	d->calls++;
	d->off = off;
	d->width = width;
	d->write = write;
	if (write)
		d->val = *val;
	else
		*val = d->answer;
	return !d->refuse;
}

static struct mmio_map map;
static struct fake_dev dev_a, dev_b;

static void setup(void)
{
	memset(&map, 0, sizeof(map));
	memset(&dev_a, 0, sizeof(dev_a));
	memset(&dev_b, 0, sizeof(dev_b));
	ck_assert(mmio_map_add(&map, 0x09000000, 0x1000, fake_mmio, &dev_a));
	ck_assert(mmio_map_add(&map, 0x0a000000, 0x200, fake_mmio, &dev_b));
}

static struct keel_mmio_access acc(uint64_t gpa, unsigned width, bool write, unsigned reg)
{
	return (struct keel_mmio_access){ .gpa = gpa, .width = width, .write = write, .reg = reg };
}

START_TEST(map_rejects_bad_regions)
{
	ck_assert(!mmio_map_add(&map, 0x09000800, 0x1000, fake_mmio, NULL)); /* overlap */
	ck_assert(!mmio_map_add(&map, 0x08fff000, 0x1001, fake_mmio, NULL)); /* overlap */
	ck_assert(!mmio_map_add(&map, 0x1000, 0, fake_mmio, NULL));
	ck_assert(!mmio_map_add(&map, ~0ull - 0xff, 0x200, fake_mmio, NULL)); /* wraps */
	ck_assert(mmio_map_add(&map, 0x08fff000, 0x1000, fake_mmio, NULL)); /* adjacent */
	while (map.n < MMIO_MAX_REGIONS)
		ck_assert(mmio_map_add(&map, 0x100000ull * map.n, 0x1000, fake_mmio, NULL));
	ck_assert(!mmio_map_add(&map, 0x7000000000ull, 0x1000, fake_mmio, NULL));
}
END_TEST

START_TEST(find_by_range)
{
	ck_assert_ptr_eq(mmio_find(&map, 0x09000000, 4), &map.r[0]);
	ck_assert_ptr_eq(mmio_find(&map, 0x09000ffc, 4), &map.r[0]);
	ck_assert_ptr_eq(mmio_find(&map, 0x09000fff, 1), &map.r[0]);
	ck_assert_ptr_null(mmio_find(&map, 0x09000ffc, 8)); /* runs past the end */
	ck_assert_ptr_null(mmio_find(&map, 0x09001000, 1));
	ck_assert_ptr_null(mmio_find(&map, 0x08ffffff, 1));
	ck_assert_ptr_eq(mmio_find(&map, 0x0a0001f8, 8), &map.r[1]);
	ck_assert_ptr_null(mmio_find(&map, 0, 4));
	ck_assert_ptr_null(mmio_find(&map, ~0ull - 3, 4));
}
END_TEST

START_TEST(dispatch_read_to_its_region)
{
	struct keel_mmio_access a = acc(0x0a000010, 4, false, 7);
	struct keel_msg r;
	dev_b.answer = 0x12345678;
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(dev_a.calls, 0);
	ck_assert_uint_eq(dev_b.calls, 1);
	ck_assert_uint_eq(dev_b.off, 0x10);
	ck_assert_uint_eq(dev_b.width, 4);
	ck_assert(!dev_b.write);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG);
	ck_assert_uint_eq(r.mr[1], 7);
	ck_assert_uint_eq(r.mr[2], 0x12345678);
}
END_TEST

START_TEST(dispatch_write_skips_only)
{
	uint64_t mr[6] = { 0x09000000, 2 | KEEL_MMIO_WRITE, 3, 0xffffff41, 0x40200000, 7 };
	struct keel_mmio_access a;
	struct keel_msg r;
	ck_assert(keel_mmio_decode(mr, &a));
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(dev_a.calls, 1);
	ck_assert(dev_a.write);
	ck_assert_uint_eq(dev_a.val, 0xffffff41); /* 4 bytes: all of it */
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP);
	mr[1] = 0 | KEEL_MMIO_WRITE; /* a byte: the rest of the register is not stored */
	ck_assert(keel_mmio_decode(mr, &a));
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(dev_a.val, 0x41);
}
END_TEST

START_TEST(unbacked_address_aborts)
{
	struct keel_mmio_access a = acc(0x7f000000, 8, false, 1);
	struct keel_msg r;
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(r.mr[0], 0x7f000000);
	ck_assert_uint_eq(dev_a.calls + dev_b.calls, 0);
}
END_TEST

START_TEST(refused_access_aborts)
{
	struct keel_mmio_access a = acc(0x09000004, 4, true, 1);
	struct keel_msg r;
	dev_a.refuse = true;
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(r.mr[0], 0x09000004);
}
END_TEST

START_TEST(read_into_zero_register)
{
	struct keel_mmio_access a = acc(0x09000018, 4, false, KEEL_EXIT_REG_NONE);
	struct keel_msg r;
	mmio_handle(&map, &a, &r);
	ck_assert_uint_eq(dev_a.calls, 1); /* the read still happens (side effects) */
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP);
}
END_TEST

START_TEST(load_value_width_and_sign)
{
	struct keel_mmio_access a = { .width = 1 };
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0xfedcba80), 0x80);                /* ldrb */
	a.sign_extend = true;
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0x80), 0xffffff80);                 /* ldrsb w */
	a.reg64 = true;
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0x80), 0xffffffffffffff80ull);      /* ldrsb x */
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0x7f), 0x7f);
	a = (struct keel_mmio_access){ .width = 2, .sign_extend = true };
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0x18000), 0xffff8000);              /* ldrsh w */
	a = (struct keel_mmio_access){ .width = 4, .reg64 = false };
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0xdeadbeefcafef00dull), 0xcafef00d); /* ldr w */
	a = (struct keel_mmio_access){ .width = 4, .sign_extend = true, .reg64 = true };
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0x80000000), 0xffffffff80000000ull); /* ldrsw */
	a = (struct keel_mmio_access){ .width = 8, .reg64 = true };
	ck_assert_uint_eq(keel_mmio_load_value(&a, 0xdeadbeefcafef00dull), 0xdeadbeefcafef00dull);
}
END_TEST

START_TEST(decode_checks_the_message)
{
	uint64_t mr[6] = { 0x1000, 3 | KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64, 30, 0, 0, 9 };
	struct keel_mmio_access a;
	ck_assert(keel_mmio_decode(mr, &a));
	ck_assert_uint_eq(a.width, 8);
	ck_assert(a.sign_extend && a.reg64 && !a.write);
	ck_assert_uint_eq(a.reg, 30);
	ck_assert_uint_eq(a.seq, 9); /* MR5: the exit's sequence number */
	mr[2] = KEEL_EXIT_REG_NONE; /* the zero register */
	ck_assert(keel_mmio_decode(mr, &a));
	ck_assert_uint_eq(a.reg, KEEL_EXIT_REG_NONE);
	mr[2] = KEEL_VREG_GENERAL; /* no general register: SP is not a target */
	ck_assert(!keel_mmio_decode(mr, &a));
	mr[2] = 32;
	ck_assert(!keel_mmio_decode(mr, &a));
	mr[2] = 0;
	mr[1] = 0x20;
	ck_assert(!keel_mmio_decode(mr, &a));
}
END_TEST

Suite *suite_mmio(void)
{
	Suite *s = suite_create("mmio");
	TCase *tc = tcase_create("mmio");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, map_rejects_bad_regions);
	tcase_add_test(tc, find_by_range);
	tcase_add_test(tc, dispatch_read_to_its_region);
	tcase_add_test(tc, dispatch_write_skips_only);
	tcase_add_test(tc, unbacked_address_aborts);
	tcase_add_test(tc, refused_access_aborts);
	tcase_add_test(tc, read_into_zero_register);
	tcase_add_test(tc, load_value_width_and_sign);
	tcase_add_test(tc, decode_checks_the_message);
	suite_add_tcase(s, tc);
	return s;
}
