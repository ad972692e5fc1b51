/*
 * Restart decisions (policy.h). The window is fixed, not sliding: it opens
 * at the first restart and closes window_ms later; the next failure after
 * that opens a new one. So "max_restarts within window_ms" is enforced
 * with two numbers of state, and a server that fails once a day never
 * runs out of restarts.
 */
#include "policy.h"

enum srv_decision srv_policy_decide(const struct srv_policy *p, struct srv_policy_state *st,
				    uint64_t now_ms)
{
	if (p->never)
		return SRV_STAY_DOWN_NEVER;
	if (p->window_ms != 0 && st->in_window != 0 &&
	    now_ms - st->window_start_ms >= p->window_ms)
		st->in_window = 0;
	if (st->in_window >= p->max_restarts)
		return SRV_STAY_DOWN_LIMIT;
	if (st->in_window == 0)
		st->window_start_ms = now_ms;
	st->in_window++;
	return SRV_RESTART;
}
