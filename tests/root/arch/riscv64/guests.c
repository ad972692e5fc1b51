/*
 * riscv64's test guests where a scenario's role has one per architecture
 * (scenario.h).
 */
#include "../../scenario.h"

/* Runs and keeps a heartbeat beside a VM that powers off or resets: a
 * heartbeat only (tests/guests/arch/riscv64/pulse.c); riscv64's storm
 * guest powers off when done and has a scenario of its own. */
const char scn_guest_busy[] = "guest-pulse";
