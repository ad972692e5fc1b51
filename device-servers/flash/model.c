/*
 * The CFI flash model (flash.h): command decoding per bank, answers to
 * reads outside read-array mode, program and erase on the banks'
 * contents. Pure: the server (main.c) keeps the state page and the
 * guest's mappings; tests/vmm/ links this file on the host.
 */
#include <string.h>

#include "flash.h"

#define WORD 4u            /* a bank word: two x16 devices */
#define DEV_LANE 16u       /* each device answers in its own 16 bits */
#define ID_MANUFACTURER 0x89u
#define ID_DEVICE 0x18u

/* One device's CFI query structure (CFI 2.0, JESD68): 32 MiB, x16,
 * 256 blocks of 128 KiB, a 2 KiB write buffer, command set 0001 with
 * its extended table at 0x31. Two side by side make a bank. */
static const uint8_t cfi_table[] = {
	[0x10] = 'Q', 'R', 'Y',
	[0x13] = 0x01, 0x00,     /* primary command set: Intel/Sharp extended */
	[0x15] = 0x31, 0x00,     /* its extended query table */
	[0x1b] = 0x45, 0x55,     /* Vcc min, max (4.5 V, 5.5 V) */
	[0x1f] = 0x07, 0x07,     /* typical word, buffer program: 2^7 us */
	[0x21] = 0x0a, 0x00,     /* typical block erase 2^10 ms; no chip erase */
	[0x23] = 0x04, 0x04, 0x04, 0x00, /* maxima: 2^4 times typical */
	[0x27] = 25,             /* device size 2^25 bytes */
	[0x28] = 0x01, 0x00,     /* interface: x16 */
	[0x2a] = 0x0b, 0x00,     /* write buffer 2^11 bytes */
	[0x2c] = 0x01,           /* one erase block region: */
	[0x2d] = 0xff, 0x00,     /* 256 blocks */
	[0x2f] = 0x00, 0x02,     /* of 0x200 * 256 bytes */
	[0x31] = 'P', 'R', 'I', '1', '0',
};

uint8_t flash_cfi_byte(unsigned i)
{
	return i < sizeof(cfi_table) ? cfi_table[i] : 0;
}

void flash_reset(struct flash_state *s)
{
	memset(s, 0, sizeof(*s));
	s->magic = FLASH_STATE_MAGIC;
	for (unsigned b = 0; b < KEEL_FLASH_BANKS; b++)
		s->bank[b] = (struct flash_bank){ .mode = FLASH_ARRAY, .status = FLASH_SR_READY };
}

struct flash_state *flash_page_resume(struct flash_page *p)
{
	struct flash_state *s = &p->copy[p->current & 1];
	if (s->magic != FLASH_STATE_MAGIC)
		flash_reset(s);
	return s;
}

struct flash_state *flash_begin(struct flash_page *p)
{
	struct flash_state *w = &p->copy[(p->current & 1) ^ 1];
	*w = *flash_page_resume(p);
	return w;
}

void flash_commit(struct flash_page *p)
{
	__atomic_store_n(&p->current, (p->current & 1) ^ 1, __ATOMIC_RELEASE);
}

bool flash_bank_is_array(const struct flash_state *s, unsigned bank)
{
	return bank < KEEL_FLASH_BANKS && s->bank[bank].mode == FLASH_ARRAY;
}

static bool access_ok(uint64_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && off % width == 0 &&
	       off < KEEL_FLASH_BANKS * KEEL_FLASH_BANK_SIZE;
}

/* A device's byte in both devices' lanes of a bank word. */
static uint32_t both_devices(uint32_t v)
{
	return v | v << DEV_LANE;
}

/* The bank word at boff (aligned) outside read-array mode. */
static uint32_t mode_word(const struct flash_bank *b, uint64_t boff)
{
	unsigned index = (unsigned)(boff / WORD);
	switch (b->mode) {
	case FLASH_QUERY:
		return both_devices(flash_cfi_byte(index));
	case FLASH_ID: /* per block: manufacturer, device, lock status (unlocked) */
		index &= 0x3f;
		return both_devices(index == 0 ? ID_MANUFACTURER : index == 1 ? ID_DEVICE : 0);
	default: /* status, and every step of a command sequence */
		return both_devices(b->status);
	}
}

static uint64_t array_bytes(const struct flash_mem *m, unsigned bank, uint64_t boff,
			    unsigned width)
{
	uint64_t v = 0;
	if (boff < m->size[bank] && width <= m->size[bank] - boff)
		memcpy(&v, m->data[bank] + boff, width);
	return v;
}

bool flash_read(const struct flash_state *s, const struct flash_mem *m, uint64_t off,
		unsigned width, uint64_t *val)
{
	unsigned bank = (unsigned)(off / KEEL_FLASH_BANK_SIZE);
	uint64_t boff = off % KEEL_FLASH_BANK_SIZE, v = 0;
	if (!access_ok(off, width))
		return false;
	if (s->bank[bank].mode == FLASH_ARRAY) {
		*val = array_bytes(m, bank, boff, width);
		return true;
	}
	/* whole bank words, then the bytes asked for (little-endian) */
	for (unsigned i = 0; i < width; i += WORD) {
		uint64_t w = mode_word(&s->bank[bank], (boff & ~(uint64_t)(WORD - 1)) + i);
		v |= w << (8 * i);
	}
	if (width < WORD)
		v = v >> (8 * (boff % WORD)) & ((1ull << (8 * width)) - 1);
	*val = v;
	return true;
}

static bool bank_writable(const struct flash_mem *m, unsigned bank)
{
	return m->writable[bank] && m->data[bank];
}

static void mark_dirty(struct flash_state *s, unsigned bank, uint64_t lo, uint64_t hi)
{
	if (bank != FLASH_VARS_BANK)
		return;
	if (s->dirty_hi <= s->dirty_lo) {
		s->dirty_lo = lo;
		s->dirty_hi = hi;
		return;
	}
	s->dirty_lo = lo < s->dirty_lo ? lo : s->dirty_lo;
	s->dirty_hi = hi > s->dirty_hi ? hi : s->dirty_hi;
}

bool flash_dirty(const struct flash_state *s, uint64_t *lo, uint64_t *hi)
{
	uint32_t mode = s->bank[FLASH_VARS_BANK].mode;
	*lo = s->dirty_lo;
	*hi = s->dirty_hi;
	return *hi > *lo && mode != FLASH_BUF_DATA && mode != FLASH_BUF_CONFIRM;
}

void flash_clean(struct flash_state *s)
{
	s->dirty_lo = s->dirty_hi = 0;
}

/* Program width bytes at boff as QEMU's model does: the word is stored
 * (no AND with what was there). */
static void bank_program(struct flash_state *s, const struct flash_mem *m, unsigned bank,
			 uint64_t boff, unsigned width, uint64_t val)
{
	if (!bank_writable(m, bank)) {
		s->bank[bank].status |= FLASH_SR_PROG_ERR | FLASH_SR_LOCKED;
		return;
	}
	if (boff < m->size[bank] && width <= m->size[bank] - boff) {
		memcpy(m->data[bank] + boff, &val, width);
		mark_dirty(s, bank, boff, boff + width);
	}
}

static void bank_erase(struct flash_state *s, const struct flash_mem *m, unsigned bank,
		       uint64_t boff)
{
	uint64_t at = boff & ~(KEEL_FLASH_SECTOR - 1), n;
	if (!bank_writable(m, bank)) {
		s->bank[bank].status |= FLASH_SR_ERASE_ERR | FLASH_SR_LOCKED;
		return;
	}
	if (at < m->size[bank]) {
		n = m->size[bank] - at < KEEL_FLASH_SECTOR ? m->size[bank] - at : KEEL_FLASH_SECTOR;
		memset(m->data[bank] + at, 0xff, n);
		mark_dirty(s, bank, at, at + n);
	}
}

/* A command in read-array, status, query or identifier mode. */
static void bank_command(struct flash_bank *b, uint8_t cmd)
{
	switch (cmd) {
	case 0xff: case 0xf0: case 0x00:
		b->mode = FLASH_ARRAY;
		break;
	case 0x70:
		b->mode = FLASH_STATUS;
		break;
	case 0x98:
		b->mode = FLASH_QUERY;
		break;
	case 0x90:
		b->mode = FLASH_ID;
		break;
	case 0x40: case 0x10:
		b->mode = FLASH_PROGRAM;
		break;
	case 0x20:
		b->mode = FLASH_ERASE;
		break;
	case 0x60:
		b->mode = FLASH_LOCK;
		break;
	case 0xe8: /* the buffer is free at once: status says ready */
		b->status |= FLASH_SR_READY;
		b->mode = FLASH_BUF_COUNT;
		break;
	case 0x50:
		b->status = FLASH_SR_READY;
		break;
	default: /* unknown: back to reading the contents */
		b->mode = FLASH_ARRAY;
		break;
	}
}

/* The second write of a two-cycle command: confirm (0xd0) or the end of
 * the sequence with a command-sequence error. */
static void bank_confirm(struct flash_bank *b, uint8_t cmd, uint32_t err)
{
	if (cmd != 0xd0)
		b->status |= err;
	b->mode = FLASH_STATUS;
}

bool flash_write(struct flash_state *s, const struct flash_mem *m, uint64_t off,
		 unsigned width, uint64_t val)
{
	unsigned bank = (unsigned)(off / KEEL_FLASH_BANK_SIZE);
	uint64_t boff = off % KEEL_FLASH_BANK_SIZE;
	struct flash_bank *b;
	uint8_t cmd = (uint8_t)val;
	if (!access_ok(off, width)) /* first: bank may be any number (fuzz_flash found it) */
		return false;
	b = &s->bank[bank];
	switch (b->mode) {
	case FLASH_PROGRAM:
		bank_program(s, m, bank, boff, width, val);
		b->mode = FLASH_STATUS;
		break;
	case FLASH_ERASE:
		if (cmd == 0xd0)
			bank_erase(s, m, bank, boff);
		bank_confirm(b, cmd, FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR);
		break;
	case FLASH_LOCK: /* lock bits are not kept: every block stays unlocked */
		bank_confirm(b, cmd == 0x01 ? 0xd0 : cmd, FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR);
		break;
	case FLASH_BUF_COUNT:
		b->left = (uint32_t)(val & 0xffff) + 1; /* one device's lane */
		if (b->left > FLASH_BUF_WORDS) {
			b->status |= FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR;
			b->mode = FLASH_STATUS;
		} else {
			b->mode = FLASH_BUF_DATA;
		}
		break;
	case FLASH_BUF_DATA: /* stored as it comes, as QEMU's model does */
		bank_program(s, m, bank, boff, width, val);
		if (--b->left == 0)
			b->mode = FLASH_BUF_CONFIRM;
		break;
	case FLASH_BUF_CONFIRM:
		bank_confirm(b, cmd, FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR);
		break;
	default:
		bank_command(b, cmd);
		break;
	}
	return true;
}
