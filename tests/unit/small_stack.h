#ifndef TESTS_UNIT_SMALL_STACK_H
#define TESTS_UNIT_SMALL_STACK_H
#include <stddef.h>
/* Call fn(arg) on a new thread whose stack is bytes long; 0 once it
 * returned, -1 if the thread could not be made. */
int fx_on_small_stack(void (*fn)(void *), void *arg, size_t bytes);
#endif
