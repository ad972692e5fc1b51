/*
 * Fault injection for the scenarios: crash a server on root's timer, as
 * often and as many times as a scenario asks. The crash itself is root's
 * generic one (srv_crash, boot/server.c: the thread is suspended and sent
 * to address 0, takes an instruction abort, and root's fault path logs it
 * and restarts the server by its policy), the same the console's Ctrl-] k
 * uses; no server carries test code for it.
 */
#include "scenario.h"

static struct server *inj_srv, *inj_other;
static uint64_t inj_period, inj_next, inj_t0;
static unsigned inj_left, inj_done, inj_every, inj_tick, inj_other_done;

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

unsigned inject_other_count(void)
{
	return inj_other_done;
}

void inject_crashes(struct server *s, unsigned period_ms, unsigned count)
{
	inj_srv = s;
	inj_other = NULL;
	inj_tick = inj_other_done = 0;
	inj_period = inject_ticks(period_ms ? period_ms : 1);
	inj_left = count;
	inj_done = 0;
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
 * (inject_faulted): the kernel may lose one aimed at a thread that is
 * running on another CPU at that moment (the thread's registers are saved
 * after root's write), and then the next period tries again. */
void root_hook_timer(uint64_t now)
{
	if (!inj_left || now < inj_next)
		return;
	inj_next = now + inj_period;
	if (inj_other && inj_every && ++inj_tick % inj_every == 0) {
		if (inj_other->state == SRV_RUNNING && !inj_other->restart_due && srv_crash(inj_other))
			inj_other_done++;
		return;
	}
	if (inj_srv->state != SRV_RUNNING || inj_srv->restart_due)
		return;
	srv_crash(inj_srv);
}

void inject_faulted(struct server *s)
{
	if (!inj_left || s != inj_srv)
		return;
	inj_left--;
	inj_done++;
	inj_t0 = s->fault_ticks; /* device_restart: from the fault's arrival */
}
