/*
 * The CFI flash model (device-servers/flash/model.c): what a firmware's
 * CFI driver sees, as U-Boot probes and writes QEMU's virt flash.
 */
#include <check.h>
#include <string.h>

#include "flash.h"
#include "vmm_test.h"

#define BANK KEEL_FLASH_BANK_SIZE
static uint8_t bank0[4096], bank1[2 * KEEL_FLASH_SECTOR];
static struct flash_state st;
static struct flash_mem mem;

static void flash_setup(void)
{
	memset(bank0, 0x5a, sizeof(bank0));
	memset(bank1, 0, sizeof(bank1));
	flash_reset(&st);
	mem = (struct flash_mem){ .data = { bank0, bank1 }, .size = { sizeof(bank0), sizeof(bank1) },
				  .writable = { false, true } };
}

static uint64_t rd(uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;
	ck_assert(flash_read(&st, &mem, off, width, &v));
	return v;
}

static void wr(uint64_t off, unsigned width, uint64_t v)
{
	ck_assert(flash_write(&st, &mem, off, width, v));
}

START_TEST(array_reads_contents)
{
	ck_assert(flash_bank_is_array(&st, 0) && flash_bank_is_array(&st, 1));
	ck_assert_uint_eq(rd(8, 4), 0x5a5a5a5a);
	ck_assert_uint_eq(rd(sizeof(bank0), 4), 0); /* beyond the firmware */
	ck_assert_uint_eq(rd(BANK + 16, 8), 0);
	ck_assert(!flash_read(&st, &mem, 2, 4, &(uint64_t){ 0 }));     /* unaligned */
	ck_assert(!flash_read(&st, &mem, 2 * BANK, 4, &(uint64_t){ 0 })); /* past bank 1 */
}
END_TEST

/* The query as a 32-bit port of two x16 devices reads it. */
START_TEST(cfi_query)
{
	wr(0x55 * 4, 4, 0x00980098);
	ck_assert(!flash_bank_is_array(&st, 0));
	ck_assert(flash_bank_is_array(&st, 1)); /* per bank */
	ck_assert_uint_eq(rd(0x10 * 4, 4), 0x00510051); /* 'Q' in both lanes */
	ck_assert_uint_eq(rd(0x11 * 4, 4), 0x00520052);
	ck_assert_uint_eq(rd(0x12 * 4, 2), 0x0059);
	ck_assert_uint_eq(rd(0x13 * 4, 1), 0x01);       /* command set 0001 */
	ck_assert_uint_eq(rd(0x27 * 4, 4), 0x00190019); /* 2^25 bytes a device */
	ck_assert_uint_eq(rd(0x2a * 4, 4), 0x000b000b); /* 2 KiB buffer */
	ck_assert_uint_eq(rd(0x2d * 4, 4), 0x00ff00ff); /* 256 blocks */
	ck_assert_uint_eq(rd(0x30 * 4, 4), 0x00020002); /* of 128 KiB */
	ck_assert_uint_eq(rd(0x30 * 4, 8), 0x0050005000020002ull); /* 128 KiB, "P" */
	wr(0, 1, 0xff);
	ck_assert(flash_bank_is_array(&st, 0));
	ck_assert_uint_eq(rd(0x40, 4), 0x5a5a5a5a);
}
END_TEST

START_TEST(read_identifier)
{
	wr(BANK, 4, 0x90);
	ck_assert_uint_eq(rd(BANK, 4), 0x00890089);
	ck_assert_uint_eq(rd(BANK + 4, 4), 0x00180018);
	ck_assert_uint_eq(rd(BANK + KEEL_FLASH_SECTOR + 8, 4), 0); /* block unlocked */
	wr(BANK, 4, 0xf0); /* an AMD reset reads the array too */
	ck_assert(flash_bank_is_array(&st, 1));
}
END_TEST

START_TEST(program_word)
{
	wr(BANK + 0x100, 4, 0x40);
	wr(BANK + 0x100, 4, 0x12345678);
	ck_assert(!flash_bank_is_array(&st, 1));
	ck_assert_uint_eq(rd(BANK + 0x100, 4), 0x00800080); /* status: ready */
	wr(BANK, 2, 0xff);
	ck_assert_uint_eq(rd(BANK + 0x100, 4), 0x12345678);
	ck_assert_uint_eq(bank1[0x100], 0x78);
}
END_TEST

START_TEST(erase_block)
{
	memset(bank1, 0x11, sizeof(bank1));
	wr(BANK + KEEL_FLASH_SECTOR + 4, 4, 0x20);
	wr(BANK + KEEL_FLASH_SECTOR + 4, 4, 0xd0);
	ck_assert_uint_eq(rd(BANK, 4), 0x00800080);
	wr(BANK, 4, 0xff);
	ck_assert_uint_eq(rd(BANK + KEEL_FLASH_SECTOR, 8), ~0ull);
	ck_assert_uint_eq(rd(BANK + 2 * KEEL_FLASH_SECTOR - 4, 4), 0xffffffff);
	ck_assert_uint_eq(rd(BANK + KEEL_FLASH_SECTOR - 4, 4), 0x11111111); /* the block before */
}
END_TEST

START_TEST(erase_needs_confirm)
{
	memset(bank1, 0x11, sizeof(bank1));
	wr(BANK, 4, 0x20);
	wr(BANK, 4, 0xff); /* not 0xd0: a command-sequence error, nothing erased */
	ck_assert_uint_eq(rd(BANK, 4) & 0x30, 0x30);
	wr(BANK, 4, 0x50);
	ck_assert_uint_eq(rd(BANK, 4), 0x00800080);
	wr(BANK, 4, 0xff);
	ck_assert_uint_eq(rd(BANK, 4), 0x11111111);
}
END_TEST

START_TEST(buffered_program)
{
	wr(BANK + 0x200, 2, 0xe8);
	ck_assert_uint_eq(rd(BANK + 0x200, 2) & 0x80, 0x80); /* buffer available */
	wr(BANK + 0x200, 2, 2);  /* three words */
	wr(BANK + 0x200, 2, 0x1111);
	wr(BANK + 0x202, 2, 0x2222);
	wr(BANK + 0x204, 2, 0x3333);
	wr(BANK + 0x200, 2, 0xd0);
	ck_assert_uint_eq(rd(BANK + 0x200, 2), 0x80);
	wr(BANK, 2, 0xff);
	ck_assert_uint_eq(rd(BANK + 0x200, 8), 0x0000333322221111ull);
	wr(BANK, 2, 0xe8);
	wr(BANK, 2, FLASH_BUF_WORDS); /* one more than the buffer holds */
	ck_assert_uint_eq(rd(BANK, 2) & 0x30, 0x30);
}
END_TEST

/* The firmware's bank is read-only: status says locked, nothing changes. */
START_TEST(bank0_read_only)
{
	wr(0x100, 4, 0x40);
	wr(0x100, 4, 0);
	ck_assert_uint_eq(rd(0x100, 4) & 0x12, 0x12);
	wr(0, 4, 0x20);
	wr(0, 4, 0xd0);
	ck_assert_uint_eq(rd(0, 4) & 0x22, 0x22);
	wr(0, 4, 0xff);
	ck_assert_uint_eq(rd(0x100, 4), 0x5a5a5a5a);
}
END_TEST

START_TEST(lock_commands_pass)
{
	wr(BANK, 4, 0x60);
	wr(BANK, 4, 0xd0); /* unlock */
	ck_assert_uint_eq(rd(BANK, 4), 0x00800080);
	wr(BANK, 4, 0x60);
	wr(BANK, 4, 0x01); /* lock: not kept, but no error */
	ck_assert_uint_eq(rd(BANK, 4), 0x00800080);
}
END_TEST

static void dirty_is(uint64_t lo, uint64_t hi)
{
	uint64_t l, h;
	ck_assert(flash_dirty(&st, &l, &h));
	ck_assert_uint_eq(l, lo);
	ck_assert_uint_eq(h, hi);
}

static bool is_dirty(void)
{
	uint64_t l, h;
	return flash_dirty(&st, &l, &h);
}

/* What the vars file must get (firmware_vars_path): the bytes a program
 * or erase changed, once it has ended, never bank 0's or a refused one's. */
START_TEST(dirty_ranges)
{
	ck_assert(!is_dirty());
	wr(BANK + 0x104, 4, 0x40);
	ck_assert(!is_dirty());
	wr(BANK + 0x104, 4, 0x12345678);
	dirty_is(0x104, 0x108);
	flash_clean(&st);
	ck_assert(!is_dirty());
	wr(BANK + KEEL_FLASH_SECTOR + 8, 4, 0x20);
	wr(BANK + KEEL_FLASH_SECTOR + 8, 4, 0xd0);
	dirty_is(KEEL_FLASH_SECTOR, 2 * KEEL_FLASH_SECTOR); /* the whole block */
	wr(BANK + 0x10, 4, 0x40);
	wr(BANK + 0x10, 4, 0);
	dirty_is(0x10, 2 * KEEL_FLASH_SECTOR); /* both, until written out */
	flash_clean(&st);
	wr(0x100, 4, 0x40); /* bank 0: refused, nothing to write */
	wr(0x100, 4, 0);
	wr(0, 4, 0x20);
	wr(0, 4, 0xd0);
	ck_assert(!is_dirty());
}
END_TEST

/* A buffered program is written out at its end, not word by word. */
START_TEST(dirty_after_buffer)
{
	wr(BANK + 0x200, 2, 0xe8);
	wr(BANK + 0x200, 2, 1); /* two words */
	wr(BANK + 0x200, 2, 0x1111);
	ck_assert(!is_dirty());
	wr(BANK + 0x202, 2, 0x2222);
	ck_assert(!is_dirty()); /* stored, but the confirm is still to come */
	wr(BANK + 0x200, 2, 0xd0);
	dirty_is(0x200, 0x204);
}
END_TEST

/* A request on a copy: until the commit, the page's state is the old one. */
START_TEST(page_commit)
{
	static struct flash_page page;
	struct flash_state *w;
	memset(&page, 0, sizeof(page));
	ck_assert(flash_bank_is_array(flash_page_resume(&page), 1));
	w = flash_begin(&page);
	ck_assert(flash_write(w, &mem, BANK, 4, 0x70));
	ck_assert(flash_bank_is_array(flash_page_resume(&page), 1)); /* a crash here: nothing */
	flash_commit(&page);
	ck_assert(!flash_bank_is_array(flash_page_resume(&page), 1));
}
END_TEST

Suite *suite_flash(void)
{
	Suite *su = suite_create("flash");
	TCase *t = tcase_create("model");
	tcase_add_checked_fixture(t, flash_setup, NULL);
	tcase_add_test(t, array_reads_contents);
	tcase_add_test(t, cfi_query);
	tcase_add_test(t, read_identifier);
	tcase_add_test(t, program_word);
	tcase_add_test(t, erase_block);
	tcase_add_test(t, erase_needs_confirm);
	tcase_add_test(t, buffered_program);
	tcase_add_test(t, bank0_read_only);
	tcase_add_test(t, lock_commands_pass);
	tcase_add_test(t, page_commit);
	tcase_add_test(t, dirty_ranges);
	tcase_add_test(t, dirty_after_buffer);
	suite_add_tcase(su, t);
	return su;
}
