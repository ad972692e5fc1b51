/*
 * aarch64's test guests where a scenario's role has one per architecture
 * (scenario.h).
 */
#include "../../scenario.h"

/* Runs and keeps a heartbeat beside a VM that powers off or resets: the
 * hostile guest, which storms first (tests/guests/hostile.c). */
const char scn_guest_busy[] = "guest-hostile";

/* The seq guest's UART: the PL011 at 0x09000000, SPI 33 (tests/guests/
 * lib/pl011.c). */
const struct vm_dev_spec scn_seq_uart = { .prog = "pl011", .kind = KEEL_VM_DEV_PL011,
					  .base = 0x09000000ull, .size = 0x1000, .intid = 33 };
