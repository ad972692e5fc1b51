/*
 * The CFI flash model (model.c, pure): two banks of Intel-command-set
 * (CFI command set 0001) NOR flash as QEMU's virt board has them, each
 * bank 64 MiB wide, 4 bytes a bank word, made of two x16 devices side by
 * side (so a 32-bit read of status or query data has the device's byte
 * in each 16-bit half), 256 KiB erase blocks, a 2 KiB write buffer per
 * device.
 * Written from the CFI specification (JEDEC JESD68) and Intel's command
 * set; keel/flash.h has the geometry and the server's layout.
 *
 * Commands (the low byte of a write), per bank:
 *   0xff, 0xf0, 0x00  read array          0x70  read status
 *   0x98              CFI query           0x90  read identifier
 *   0x40, 0x10        program one word    0x20 then 0xd0  erase a block
 *   0xe8, n - 1, n words, 0xd0  buffered program
 *   0x50              clear status        0x60 then 0x01/0xd0  lock bits
 * Bank 0 is read-only (the firmware): programming or erasing it ends
 * with the status' program/erase error and block-locked bits set.
 */
#ifndef FLASH_H
#define FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/flash.h>

enum flash_mode {
	FLASH_ARRAY = 0,    /* reads are the contents (the bank is mapped) */
	FLASH_STATUS,
	FLASH_QUERY,
	FLASH_ID,
	FLASH_PROGRAM,      /* the next write is the word to program */
	FLASH_ERASE,        /* the next write must confirm (0xd0) */
	FLASH_LOCK,         /* the next write is the lock command's second */
	FLASH_BUF_COUNT,    /* the next write is the word count - 1 */
	FLASH_BUF_DATA,     /* `left` words to come */
	FLASH_BUF_CONFIRM,  /* the next write must confirm (0xd0) */
};

#define FLASH_SR_READY 0x80u
#define FLASH_SR_ERASE_ERR 0x20u
#define FLASH_SR_PROG_ERR 0x10u
#define FLASH_SR_LOCKED 0x02u
#define FLASH_BUF_WORDS 1024u /* writes a buffered program takes, at most */
#define FLASH_VARS_BANK 1u    /* the bank a vars file keeps */

struct flash_bank {
	uint32_t mode;   /* enum flash_mode */
	uint32_t status; /* one device's status register (both say the same) */
	uint32_t left;   /* FLASH_BUF_DATA: words still to come */
	uint32_t pad;
};

#define FLASH_STATE_MAGIC 0x464c415348303031ull /* "FLASH001" */

/* Guest-visible state: the modes and status, nothing else. The banks'
 * contents live in frames root keeps (they outlive the server). */
struct flash_state {
	uint64_t magic;
	struct flash_bank bank[KEEL_FLASH_BANKS];
	/* The last guest access applied (its sequence number) and its
	 * answer, so that the VMM's retry after a crash is not applied
	 * twice (keel/vmm.h). */
	uint64_t acc_seq, acc_val;
	uint32_t acc_ok, pad;
	/* With a vars file (firmware_vars_path): bank 1's bytes read from it
	 * so far (once per VM, in steps, so that a server crashed often
	 * still gets through), and its bytes [dirty_lo, dirty_hi) changed
	 * since they were last written to it (the server writes them
	 * before it answers the access that ended the program or erase). */
	uint64_t vars_loaded;
	uint64_t dirty_lo, dirty_hi;
};

/* The state page: the state twice; a request works on the other copy
 * and one store of `current` makes it the state (as the PL011's). */
struct flash_page {
	uint64_t current;
	struct flash_state copy[2];
};

/* What the model reads and writes: each bank's contents as the server
 * sees them, `size` bytes of it backed (beyond: reads 0, writes are
 * dropped); a bank without `writable` refuses program and erase. */
struct flash_mem {
	uint8_t *data[KEEL_FLASH_BANKS];
	uint64_t size[KEEL_FLASH_BANKS];
	bool writable[KEEL_FLASH_BANKS];
};

void flash_reset(struct flash_state *s);
/* The current copy, reset first unless it holds the model's state. */
struct flash_state *flash_page_resume(struct flash_page *p);
/* A working copy of the current state, for one request. */
struct flash_state *flash_begin(struct flash_page *p);
/* Make the working copy the state (one store). */
void flash_commit(struct flash_page *p);

/* One guest access at off from the flash's base (both banks: 0 up to
 * 2 * KEEL_FLASH_BANK_SIZE); false: refused (bad width or alignment,
 * outside the banks): the guest gets a data abort. */
bool flash_read(const struct flash_state *s, const struct flash_mem *m, uint64_t off,
		unsigned width, uint64_t *val);
bool flash_write(struct flash_state *s, const struct flash_mem *m, uint64_t off,
		 unsigned width, uint64_t val);
/* Bank FLASH_VARS_BANK's bytes [*lo, *hi) changed by a program or erase
 * that has ended (not in the middle of a buffered program): true if
 * there are any. flash_clean forgets them (written out). */
bool flash_dirty(const struct flash_state *s, uint64_t *lo, uint64_t *hi);
void flash_clean(struct flash_state *s);
/* The bank reads as its contents: it may be mapped into the guest. */
bool flash_bank_is_array(const struct flash_state *s, unsigned bank);
/* One device's CFI query byte at word index i (0 beyond the table). */
uint8_t flash_cfi_byte(unsigned i);

#endif /* FLASH_H */
