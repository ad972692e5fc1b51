/*
 * nullderef: works a little, then faults, every time it is (re)started.
 *
 *   nullderef read   loads from address 0 (a VM fault, data abort)
 *   nullderef trap   executes a trap instruction (a user fault)
 */
#include <stdint.h>
#include <string.h>

#include <keel/print.h>

#include "counter.h"

#define ND_WORK_MS 50u

/* volatile, so the compiler cannot see the NULL and emit a trap instead of
 * the load this test is about. */
static volatile uintptr_t nd_nowhere;

int main(int argc, char **argv)
{
	counter_wait_ms(ND_WORK_MS);
	if (argc >= 2 && strcmp(argv[1], "trap") == 0)
		__builtin_trap();
	return *(volatile int *)nd_nowhere;
}
