/*
 * The CFI flash of a firmware VM (docs/firmware.md): QEMU virt's two
 * banks of parallel NOR flash, the firmware in bank 0 (read-only), bank 1
 * writable (U-Boot keeps its environment there). One device server
 * (device-servers/flash/) serves both banks; while a bank is in
 * read-array mode its pages are mapped read-only into the guest's
 * stage-2 space (the guest executes from bank 0 and reads bank 1 as
 * memory), and only writes trap; in any other mode the server unmaps the
 * bank, so reads trap too and it answers them (status, query, ID).
 *
 * Root gives the flash server (besides a device server's usual slots):
 *
 *   KEEL_FLASH_SLOT_S2          the guest's stage-2 space (WRITE: map)
 *   KEEL_FLASH_SLOT_BANK0(i)    bank 0's frames: the firmware blob's
 *                               2 MiB frames, read + execute
 *   KEEL_FLASH_SLOT_BANK1(i)    bank 1's 2 MiB frames, read
 *   KEEL_FLASH_BANK0_VADDR      bank 0's frames, read-only in the server
 *   KEEL_FLASH_BANK1_VADDR      bank 1 mapped read-write in the server
 *                               (the same frames: they outlive it)
 *   KEEL_DEV_STATE_VADDR        its state page
 *   argv[1] VM name (bank 0's frame count: the filled BANK0 slots)
 *
 * and with a vars file (firmware_vars_path: argv[2] "vars"), as the
 * client of the block driver server of the file's disk (keel/blk.h):
 *
 *   KEEL_FLASH_SLOT_DRV         the driver's notification, WRITE, badged
 *                               KEEL_BLK_BIT_REQ
 *   KEEL_FLASH_SLOT_DONE        a notification, READ, that the driver
 *                               signals (not bound: the server waits on
 *                               it inside a guest access)
 *   KEEL_BLK_SHARED_VADDR       the shared area (ring, segment lists)
 *
 * The driver's table of "guest RAM" is bank 1 at its guest-physical
 * address: requests move bank 1's bytes and nothing else.
 */
#ifndef KEEL_FLASH_H
#define KEEL_FLASH_H

#define KEEL_FLASH_BASE 0x0ull               /* guest-physical, bank 0 */
#define KEEL_FLASH_BANK_SIZE 0x4000000ull    /* 64 MiB a bank */
#define KEEL_FLASH_BANKS 2u
#define KEEL_FLASH_FRAME_SIZE 0x200000ull    /* 2 MiB frames */
#define KEEL_FLASH_BANK_FRAMES 32u           /* a bank's frames */
#define KEEL_FLASH_BANK0_MAX 16u             /* firmware of up to 32 MiB */
#define KEEL_FLASH_SECTOR 0x40000ull         /* 256 KiB erase blocks */
#define KEEL_FLASH_SLOT_S2 9u                /* KEEL_SRV_FREE */
#define KEEL_FLASH_SLOT_BANK0(i) (10u + (i))
#define KEEL_FLASH_SLOT_BANK1(i) (10u + KEEL_FLASH_BANK0_MAX + (i))
#define KEEL_FLASH_SLOT_DRV KEEL_FLASH_SLOT_BANK1(KEEL_FLASH_BANK_FRAMES)
#define KEEL_FLASH_SLOT_DONE (KEEL_FLASH_SLOT_DRV + 1u)
#define KEEL_FLASH_BANK0_VADDR 0x100000000ull
#define KEEL_FLASH_BANK1_VADDR 0x200000000ull

#endif /* KEEL_FLASH_H */
