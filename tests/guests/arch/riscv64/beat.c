/*
 * Guest "beat" (riscv64): a heartbeat beside the hostile guest
 * (tests/root/scn_rvhostile.c). Every BEAT_MS of the time CSR, one line
 * through SBI DBCN: "[test] beat <n> <ms> gap <largest>", ms since it
 * started and the largest gap between two beats so far. A VM starved by
 * its neighbour (or a VMM that stops taking its calls) shows as a gap
 * when it runs again; one over MAX_GAP_MS is a FAIL. The wait is a WFI
 * with the timer's interrupt enabled in sie but not taken (sstatus.SIE
 * stays off): the timer ends the WFI and the loop sets the next one.
 */
#include "rv.h"

#define BEAT_MS 100ul
#define MAX_GAP_MS 3000ul

void guest_hart1(unsigned long hart, unsigned long opaque)
{
	(void)hart, (void)opaque;
}

__attribute__((interrupt("supervisor"), aligned(4))) void guest_trap(void)
{
	unsigned long pc = csr_read(sepc);
	pc += (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
	csr_write(sepc, pc);
}

void rv_main(unsigned long hart, const void *dtb)
{
	unsigned long start = now(), last = start, gap = 0;
	(void)hart, (void)dtb;
	csr_set(sie, SIE_STIE);
	out("[test] PASS beat-start: every ");
	out_dec(BEAT_MS);
	out(" ms, a gap over ");
	out_dec(MAX_GAP_MS);
	out(" ms fails");
	flush();
	for (unsigned long n = 1;; n++) {
		unsigned long next = start + n * BEAT_MS * TICKS_PER_MS, t;
		sbi(EXT_TIME, 0, next, 0, 0);
		while (now() < next)
			__asm__ volatile("wfi" : : : "memory");
		t = now();
		if ((t - last) / TICKS_PER_MS > gap)
			gap = (t - last) / TICKS_PER_MS;
		last = t;
		out(gap > MAX_GAP_MS ? "[test] FAIL beat-gap: beat " : "[test] beat ");
		out_dec(n);
		out(" ");
		out_dec((t - start) / TICKS_PER_MS);
		out(" gap ");
		out_dec(gap);
		flush();
	}
}
