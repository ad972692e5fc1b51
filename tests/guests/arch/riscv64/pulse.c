/*
 * Guest "pulse" (riscv64): the heartbeat aarch64's hostile guest prints
 * once its storm is done ("[test] heartbeat ..." every second through
 * the PL011), for the VM that must keep running while its neighbour
 * powers off or resets (test=vm-poweroff, vm-reset; riscv64's own storm
 * has its own scenario, vm-hostile-sbi). The wait is a WFI with the
 * timer's interrupt enabled in sie but not taken, as in beat.c.
 */
#include "../../lib/guest.h"
#include "rv.h"

#define PULSE_MS 1000ul

const char guest_name[] = "pulse";

void guest_main(const void *dtb)
{
	unsigned long start = now();
	(void)dtb;
	csr_set(sie, SIE_STIE);
	test_report(true, "pulse-start", "a heartbeat every %lu ms", PULSE_MS);
	for (unsigned long n = 1;; n++) {
		unsigned long next = start + n * PULSE_MS * TICKS_PER_MS;
		sbi(EXT_TIME, 0, next, 0, 0);
		while (now() < next)
			__asm__ volatile("wfi" : : : "memory");
		con_printf("[test] heartbeat pulse %lu\n", n);
	}
}
