/*
 * Host tests of the block driver's check of a request's segments against
 * the table of its VM's RAM (device-servers/blk-driver/ram.c): what lies
 * inside is translated, cut where ranges meet; anything with a byte
 * outside, or that wraps, or that does not fit, is refused.
 */
#include "fake.h"
#include "ram.h"

#define GPA 0x40000000ull
#define MIB (1ull << 20)

/* Two ranges adjacent in guest-physical addresses, not in host-physical
 * ones, as two 2 MiB frames from different carve pieces. */
static const struct keel_blk_ram_table two = {
	.n = 2,
	.r = { { .gpa = GPA, .pa = 0x80000000ull, .size = 2 * MIB },
	       { .gpa = GPA + 2 * MIB, .pa = 0x90000000ull, .size = 2 * MIB } },
};

static struct blkram_piece out[4];

static bool translate(const struct keel_blk_ram_table *t, uint64_t gpa, uint32_t len,
		      unsigned *n)
{
	*n = 0;
	return blkram_translate(t, gpa, len, out, n, 4);
}

START_TEST(inside_one_range)
{
	unsigned n;
	ck_assert(translate(&two, GPA + 0x1234, 4096, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].pa, 0x80001234ull);
	ck_assert_uint_eq(out[0].len, 4096);
	ck_assert(translate(&two, GPA + 4 * MIB - 512, 512, &n)); /* the last bytes */
	ck_assert_uint_eq(out[0].pa, 0x90000000ull + 2 * MIB - 512);
}
END_TEST

START_TEST(cut_where_ranges_meet)
{
	unsigned n;
	ck_assert(translate(&two, GPA + 2 * MIB - 0x200, 0x1000, &n));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].pa, 0x80000000ull + 2 * MIB - 0x200);
	ck_assert_uint_eq(out[0].len, 0x200);
	ck_assert_uint_eq(out[1].pa, 0x90000000ull);
	ck_assert_uint_eq(out[1].len, 0xe00);
}
END_TEST

START_TEST(outside_refused)
{
	unsigned n;
	ck_assert(!translate(&two, GPA - 512, 512, &n));           /* below */
	ck_assert(!translate(&two, GPA - 256, 512, &n));           /* into it from below */
	ck_assert(!translate(&two, GPA + 4 * MIB, 512, &n));       /* just past the end */
	ck_assert(!translate(&two, GPA + 4 * MIB - 256, 512, &n)); /* over the end */
	ck_assert(!translate(&two, 0, 512, &n));
	ck_assert(!translate(&two, GPA, 0, &n));                   /* empty */
}
END_TEST

START_TEST(wrap_refused)
{
	/* a range at the top of the address space: what goes past it would
	 * wrap to 0, where a naive end check (gpa + len <= end) would pass */
	static const struct keel_blk_ram_table top = {
		.n = 2, .r = { { .gpa = ~0ull - 4095, .pa = 0x80000000ull, .size = 4096 },
			       { .gpa = 0, .pa = 0x90000000ull, .size = 4096 } },
	};
	unsigned n;
	ck_assert(!translate(&top, ~0ull - 255, 512, &n));
	ck_assert(!translate(&two, ~0ull - 255, 512, &n));
	ck_assert(translate(&top, ~0ull - 511, 512, &n)); /* its last bytes are fine */
}
END_TEST

START_TEST(full_or_empty_table)
{
	static const struct keel_blk_ram_table none = { .n = 0 };
	struct keel_blk_ram_table lying = two;
	unsigned n = 3;
	/* a segment cut in two with room for one piece */
	ck_assert(!blkram_translate(&two, GPA + 2 * MIB - 512, 1024, out, &n, 4));
	ck_assert(!translate(&none, GPA, 512, &n));
	lying.n = 1000; /* the count is clamped to the table, nothing past it is read */
	ck_assert(translate(&lying, GPA, 512, &n));
}
END_TEST

Suite *suite_blkram(void)
{
	Suite *s = suite_create("blkram");
	TCase *tc = tcase_create("blkram");
	tcase_add_test(tc, inside_one_range);
	tcase_add_test(tc, cut_where_ranges_meet);
	tcase_add_test(tc, outside_refused);
	tcase_add_test(tc, wrap_refused);
	tcase_add_test(tc, full_or_empty_table);
	suite_add_tcase(s, tc);
	return s;
}
