/*
 * libFuzzer over the CFI flash model (device-servers/flash/model.c): any
 * sequence of guest reads and writes of any width at any offset, as a
 * hostile firmware VM makes them. Besides ASan and UBSan (the model never
 * touches memory outside the banks it is given, whose sizes here are not
 * whole blocks), the harness checks what the server relies on:
 *
 *   - bank 0 (the firmware) never changes;
 *   - every byte of bank 1 that changed since the last write-out lies in
 *     the recorded dirty range, which lies inside the bank, so the vars
 *     file gets every change (firmware_vars_path, docs/firmware.md);
 *   - a refused access (bad width or alignment, outside both banks)
 *     changes nothing at all.
 *
 * At each point the server would write out (flash_dirty true) the harness
 * "writes" bank 1 to its shadow and cleans, as the server does.
 */
#include <string.h>

#include "flash.h"
#include "fuzz_input.h"

#define BANK0_BYTES 4100u                         /* not whole words */
#define BANK1_BYTES (KEEL_FLASH_SECTOR + 1000u)   /* not whole blocks */

static uint8_t bank0[BANK0_BYTES], bank0_ref[BANK0_BYTES];
static uint8_t bank1[BANK1_BYTES], shadow[BANK1_BYTES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An offset near something interesting: the banks' starts and backed
 * ends, a block boundary, or anywhere in the window and past it. */
static uint64_t fz_offset(struct fz_in *in)
{
	static const uint64_t base[] = {
		0, BANK0_BYTES, KEEL_FLASH_BANK_SIZE, KEEL_FLASH_BANK_SIZE + KEEL_FLASH_SECTOR,
		KEEL_FLASH_BANK_SIZE + BANK1_BYTES, 2 * KEEL_FLASH_BANK_SIZE,
	};
	uint8_t how = fz_u8(in);
	if (how < 0xf0)
		return base[how % 6] + (uint64_t)(int16_t)fz_bytes(in, 2);
	return fz_u64(in);
}

/* Bank 1 bytes [a, b) are as last written out. */
static bool same(uint64_t a, uint64_t b)
{
	return a >= b || memcmp(bank1 + a, shadow + a, b - a) == 0;
}

/* Whole-bank comparisons cost: done where the server writes out and at
 * the end (the range only grows until then, and a change it missed
 * stays outside it unless a later one covers it). */
static void check_changes(const struct flash_state *s)
{
	uint64_t lo = s->dirty_hi > s->dirty_lo ? s->dirty_lo : BANK1_BYTES;
	uint64_t hi = s->dirty_hi > s->dirty_lo ? s->dirty_hi : BANK1_BYTES;
	FZ_CHECK(same(0, lo) && same(hi, BANK1_BYTES),
		 "bank 1 changed outside the dirty range [0x%llx, 0x%llx)",
		 (unsigned long long)s->dirty_lo, (unsigned long long)s->dirty_hi);
	FZ_CHECK(memcmp(bank0, bank0_ref, BANK0_BYTES) == 0, "bank 0 changed");
}

static void write_out(struct flash_state *s)
{
	uint64_t lo, hi;
	if (!flash_dirty(s, &lo, &hi))
		return;
	check_changes(s);
	memcpy(shadow + lo, bank1 + lo, hi - lo);
	flash_clean(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct flash_state s, before;
	struct flash_mem m = { .data = { bank0, bank1 }, .size = { BANK0_BYTES, BANK1_BYTES },
			       .writable = { false, true } };
	for (unsigned i = 0; i < BANK0_BYTES; i++)
		bank0[i] = bank0_ref[i] = (uint8_t)(i * 7);
	memset(bank1, 0, BANK1_BYTES);
	memset(shadow, 0, BANK1_BYTES);
	flash_reset(&s);
	while (fz_more(&in)) {
		uint8_t op = fz_u8(&in);
		unsigned width = 1u << (op & 3);
		uint64_t off = fz_offset(&in), val = 0;
		bool ok;
		if (op & 4)
			width += op >> 5; /* now and then a width the model must refuse */
		before = s;
		if (op & 8) {
			ok = flash_read(&s, &m, off, width, &val);
			FZ_CHECK(memcmp(&before, &s, sizeof(s)) == 0, "a read changed the state");
		} else {
			/* commands are the low byte; 0xd0 and 0xe8 often */
			val = fz_u8(&in) < 0x80 ? (uint64_t)(uint8_t[]){ 0xd0, 0xe8, 0x20, 0x40 }[op >> 6]
						: fz_bytes(&in, width < 8 ? width : 8);
			ok = flash_write(&s, &m, off, width, val);
		}
		if (!ok)
			FZ_CHECK(memcmp(&before, &s, sizeof(s)) == 0, "a refused access changed the state");
		FZ_CHECK(s.dirty_hi <= s.dirty_lo || s.dirty_hi <= BANK1_BYTES,
			 "dirty range ends past bank 1: 0x%llx", (unsigned long long)s.dirty_hi);
		write_out(&s);
	}
	check_changes(&s);
	return 0;
}
