/*
 * Guest "beat": a heartbeat with its own timestamps, for the hostile soak
 * (tests/root/scn_hsoak.c, tests/system/hsoak.sh): every BEAT_MS
 * milliseconds "[test] beat <n> <ms>", ms being the virtual counter's
 * time since it started. The checker takes the largest gap between two
 * lines' ms: a VM starved by its neighbour (or a console that stops
 * taking its output: the line is printed after the time is read) shows
 * as a gap. WFE is woken by the counter's event stream, so no interrupt
 * is needed.
 */
#include "lib/guest.h"

#define BEAT_MS 100u
#define CNTKCTL_EVNTEN (1UL << 2)
#define CNTKCTL_EVNTI(bit) ((uint64_t)(bit) << 4)

const char guest_name[] = "beat";

void guest_main(const void *dtb)
{
	uint64_t khz = cntfrq() / 1000, start = cntvct();
	uint64_t period = khz * BEAT_MS;

	(void)dtb;
	/* an event about every 1 ms at 62.5 MHz (bit 15) */
	__asm__ volatile("msr cntkctl_el1, %0\n\tisb"
			 : : "r"(CNTKCTL_EVNTEN | CNTKCTL_EVNTI(15)));
	con_printf("[test] PASS beat-start: every %u ms\n", BEAT_MS);
	for (uint64_t n = 1;; n++) {
		uint64_t next = start + n * period;
		while (cntvct() < next)
			__asm__ volatile("wfe" ::: "memory");
		con_printf("[test] beat %lu %lu\n", n, (cntvct() - start) / khz);
	}
}
