/*
 * The shipped root's hooks (boot/root.h): no test code. A test root
 * (tests/root/) links its own scenario.c in place of this file.
 */
#include "root.h"

bool root_hook_start(const char *cmdline)
{
	(void)cmdline;
	return false;
}

bool root_hook_report(struct server *s, unsigned kind, uint64_t value, const char *text,
		      uint64_t *answer)
{
	(void)s, (void)kind, (void)value, (void)text, (void)answer;
	return false;
}

void root_hook_faulted(struct server *s)
{
	(void)s;
}

void root_hook_exited(struct server *s, int code)
{
	(void)s, (void)code;
}

uint64_t root_hook_deadline(void)
{
	return 0;
}

void root_hook_timer(uint64_t now)
{
	(void)now;
}
