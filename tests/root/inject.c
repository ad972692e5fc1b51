/*
 * Fault injection for the scenarios: crash a server on root's timer, as
 * often and as many times as a scenario asks. The crash itself is root's
 * generic one (srv_crash, boot/server.c: the thread is suspended and sent
 * to address 0, takes an instruction abort, and root's fault path logs it
 * and restarts the server by its policy), the same the console's Ctrl-] k
 * uses; no server carries test code for it. inject_points arms a
 * server's named points instead (keel/crashpoint.h: the server's own
 * word, which root writes), for the steps a timer almost never hits.
 */
#include <keel/print.h>

#include "scenario.h"

/* A crash whose fault has not come INJ_LOST_MS after it was made is
 * lost: the thread went on running its own code (a spinner or a server
 * faults within microseconds of being sent to address 0). */
#define INJ_LOST_MS 2000u

static struct server *inj_srv, *inj_other;
static uint64_t inj_period, inj_next, inj_t0, inj_sent;
static unsigned inj_left, inj_done, inj_lost, inj_every, inj_tick, inj_other_done;
static bool inj_waiting; /* a crash was made; its fault has not come */
static struct server *inj_third;
static unsigned inj_third_every, inj_third_tick;
/* inject_points: the list, whose turn it is, the one armed and since when */
#define INJ_POINT_WAIT_MS 1000u
static struct inject_point *inj_pts, *inj_armed;
static unsigned inj_npts, inj_pts_every, inj_pts_tick, inj_pts_next;
static uint64_t inj_armed_at;

static uint64_t inject_ticks(unsigned ms)
{
	return ms * (root_boot_info()->timer_hz / 1000);
}

void inject_crashes_two(struct server *s, struct server *other, unsigned every,
			unsigned period_ms, unsigned count)
{
	inject_crashes(s, period_ms, count);
	inj_other = other;
	inj_every = every;
}

void inject_crashes_third(struct server *third, unsigned every)
{
	inj_third = third;
	inj_third_every = every;
	inj_third_tick = 0;
}

/* Third's turn (inject_crashes_third): true if this period was its. */
static bool inject_third_turn(void)
{
	if (!inj_third || !inj_third_every || ++inj_third_tick % inj_third_every != 0)
		return false;
	if (inj_third->state == SRV_RUNNING && !inj_third->restart_due)
		srv_crash(inj_third);
	return true;
}

void inject_points(struct inject_point *list, unsigned n, unsigned every)
{
	inj_pts = list;
	inj_npts = n;
	inj_pts_every = every;
	inj_pts_tick = inj_pts_next = 0;
	inj_armed = NULL;
}

/* The points' turn: true if this period was theirs (one armed now, or
 * still armed: no other crash meanwhile, so a fault of its server is its
 * hit). A point not reached in INJ_POINT_WAIT_MS is disarmed, logged, and
 * the next one's turn comes. */
static bool inject_point_turn(uint64_t now)
{
	struct inject_point *p;
	if (inj_armed) {
		if (now - inj_armed_at < inject_ticks(INJ_POINT_WAIT_MS))
			return true;
		srv_crash_at(inj_armed->s, 0);
		kprintf("[root] crash point: %s never passed %s in %u ms\n", inj_armed->s->name,
			inj_armed->name, INJ_POINT_WAIT_MS);
		inj_armed = NULL;
	}
	if (!inj_npts || !inj_pts_every || ++inj_pts_tick % inj_pts_every != 0 || inj_waiting)
		return false;
	p = &inj_pts[inj_pts_next++ % inj_npts];
	if (p->s->state == SRV_RUNNING && !p->s->restart_due && srv_crash_at(p->s, p->point)) {
		inj_armed = p;
		inj_armed_at = now;
	}
	return true;
}

/* The armed point's server faulted: a store to address 0 (an ordinary
 * crash is an instruction fetch there) is the point's hit. */
static void inject_point_faulted(struct server *s)
{
	if (!inj_armed || s != inj_armed->s)
		return;
	if (s->fault_label == KEEL_FAULT_VM && s->fault_addr == 0 && s->fault_pc != 0) {
		kprintf("[root] crash point: %s at %s\n", s->name, inj_armed->name);
	} else {
		kprintf("[root] crash point: %s faulted elsewhere while %s was armed\n", s->name,
			inj_armed->name);
	}
	inj_armed = NULL;
}

unsigned inject_other_count(void)
{
	return inj_other_done;
}

void inject_crashes(struct server *s, unsigned period_ms, unsigned count)
{
	inj_srv = s;
	inj_other = inj_third = NULL;
	inj_npts = 0;
	inj_armed = NULL;
	inj_tick = inj_other_done = 0;
	inj_period = inject_ticks(period_ms ? period_ms : 1);
	inj_left = count;
	inj_done = 0;
	inj_lost = 0;
	inj_waiting = false;
	inj_next = root_arch_now_ticks() + inj_period;
	root_timer_arm();
}

void inject_stop(void)
{
	inj_left = 0;
	root_timer_arm();
}

unsigned inject_count(void)
{
	return inj_done;
}

unsigned inject_lost(void)
{
	return inj_lost;
}

uint64_t inject_since_ns(void)
{
	uint64_t hz = root_boot_info()->timer_hz;
	uint64_t ticks = root_arch_now_ticks() - inj_t0;
	return hz ? ticks * 1000000000ull / hz : ticks;
}

uint64_t root_hook_deadline(void)
{
	return inj_left ? inj_next : 0;
}

/* A server that is down (its back-off) is not crashed again: the next
 * period tries again. A crash counts once its fault arrived
 * (inject_faulted); until then no other is made, and one whose fault has
 * not come INJ_LOST_MS later while the server runs is counted lost
 * (inject_lost: a scenario fails on it) and made again. */
void root_hook_timer(uint64_t now)
{
	if (!inj_left || now < inj_next)
		return;
	inj_next = now + inj_period;
	if (inject_point_turn(now) || inject_third_turn())
		return;
	if (inj_other && inj_every && ++inj_tick % inj_every == 0) {
		if (inj_other->state == SRV_RUNNING && !inj_other->restart_due && srv_crash(inj_other))
			inj_other_done++;
		return;
	}
	if (inj_srv->state != SRV_RUNNING || inj_srv->restart_due)
		return; /* down: its fault came (a back-off), or it stopped */
	if (inj_waiting && now - inj_sent < inject_ticks(INJ_LOST_MS))
		return;
	if (inj_waiting) {
		inj_lost++;
		kprintf("[root] the crash of %s made %u ms ago never faulted it\n",
			inj_srv->name, INJ_LOST_MS);
	}
	inj_waiting = srv_crash(inj_srv);
	inj_sent = now;
}

void inject_faulted(struct server *s)
{
	inject_point_faulted(s);
	if (!inj_left || s != inj_srv)
		return;
	inj_waiting = false;
	inj_left--;
	inj_done++;
	inj_t0 = s->fault_ticks; /* device_restart: from the fault's arrival */
	/* The period counts from the restart, not from the crash: a restart
	 * that takes longer than the period (riscv64 under load: each call
	 * switches satp) would otherwise be crashed again at once, and the
	 * server would get no time to serve between crashes. */
	inj_next = root_arch_now_ticks() + inj_period;
}
