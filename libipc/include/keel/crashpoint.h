/*
 * keel/crashpoint.h — crashes at a server's named points, for root's
 * fault injection (docs/blk.md, "Crashes at chosen points").
 *
 * A crash on a timer lands wherever the server happens to be; the
 * narrow steps of a request (between taking a chain and handing it on,
 * between the used ring and the interrupt) it almost never hits. So a
 * server names its points, keeps one word, keel_crash_at, and tells root
 * where the word is at each start (keel_crash_points_report,
 * KEEL_REPORT_CRASH_POINT). Root arms a point by writing its number
 * there through its view of the server's pages (boot/server.c,
 * srv_crash_at); the server faults when it next passes that point: a
 * store to address 0, a real data abort that root handles as any other
 * crash. The word is in .bss, which a restart fills afresh, so the
 * restarted server runs disarmed. 0 arms nothing; while nothing is armed
 * a point costs a load and a branch.
 */
#ifndef KEEL_CRASHPOINT_H
#define KEEL_CRASHPOINT_H

#include <stdint.h>

/* Report kind (keel_report): value = the address of keel_crash_at. */
#define KEEL_REPORT_CRASH_POINT 0x1e0u

extern volatile uint32_t keel_crash_at;

/* Tell root where keel_crash_at is (once per start, from init). */
void keel_crash_points_report(void);

static inline void keel_crash_point(uint32_t point)
{
	uintptr_t zero = 0;
	if (keel_crash_at != point)
		return;
	/* hidden from the compiler, which would otherwise see a null store
	 * and put its own trap there: the fault must be an ordinary one */
	__asm__ volatile("" : "+r"(zero));
	*(volatile uint32_t *)zero = point;
}

#endif
