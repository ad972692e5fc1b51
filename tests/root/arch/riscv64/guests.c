/*
 * riscv64's test guests where a scenario's role has one per architecture
 * (scenario.h).
 */
#include "../../scenario.h"

/* Runs and keeps a heartbeat beside a VM that powers off or resets: a
 * heartbeat only (tests/guests/arch/riscv64/pulse.c); riscv64's storm
 * guest powers off when done and has a scenario of its own. */
const char scn_guest_busy[] = "guest-pulse";

/* The seq guest's UART: the 16550 at 0x10000000 on PLIC source 10, where
 * QEMU virt has its own (tests/guests/arch/riscv64/ns16550.c), so the
 * restart runs test the 16550 server. */
const struct vm_dev_spec scn_seq_uart = { .prog = "ns16550", .kind = KEEL_VM_DEV_NS16550,
					  .base = 0x10000000ull, .size = 0x1000, .intid = 10 };
