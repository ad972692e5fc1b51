/*
 * counter.h — the free-running system counter, readable at EL0 (the kernel
 * allows it). Under QEMU -icount shift=0 one instruction takes 1 ns of
 * virtual time, so counter_ns() of an interval is its instruction count.
 */
#ifndef TESTS_SERVERS_COUNTER_H
#define TESTS_SERVERS_COUNTER_H

#include <stdint.h>

/* arch/<arch>/counter.c */
uint64_t counter_now(void);
uint64_t counter_hz(void);

/* counter.c */
uint64_t counter_ticks_to_ns(uint64_t ticks);
/* the same at a frequency given (root's boot info's timer_hz) */
uint64_t counter_ticks_to_ns_at(uint64_t ticks, uint64_t hz);
void counter_wait_ms(unsigned ms);

#endif
