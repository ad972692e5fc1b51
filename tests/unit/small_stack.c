/*
 * Running a piece of a test on a small stack: kernel code that recurses
 * once per object a user made overflows it (SIGSEGV fails the test) where
 * the host's 8 MiB stack would hide the recursion. Kept apart from
 * fixture.c because <pthread.h> declares a sched_yield of its own.
 */
#include <pthread.h>
#include <stddef.h>

#include "small_stack.h"

struct small_stack_call {
	void (*fn)(void *);
	void *arg;
};

static void *small_stack_trampoline(void *p)
{
	struct small_stack_call *c = p;
	c->fn(c->arg);
	return NULL;
}

int fx_on_small_stack(void (*fn)(void *), void *arg, size_t bytes)
{
	struct small_stack_call c = { fn, arg };
	pthread_attr_t attr;
	pthread_t th;
	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, bytes) ||
	    pthread_create(&th, &attr, small_stack_trampoline, &c))
		return -1;
	return pthread_join(th, NULL) ? -1 : 0;
}
