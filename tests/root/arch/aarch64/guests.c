/*
 * aarch64's test guests where a scenario's role has one per architecture
 * (scenario.h).
 */
#include "../../scenario.h"

/* Runs and keeps a heartbeat beside a VM that powers off or resets: the
 * hostile guest, which storms first (tests/guests/hostile.c). */
const char scn_guest_busy[] = "guest-hostile";
