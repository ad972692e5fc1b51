/* Counter arithmetic shared by the test servers. */
#include "counter.h"

/* Split so ticks * 1e9 cannot overflow for any realistic interval. */
uint64_t counter_ticks_to_ns_at(uint64_t ticks, uint64_t hz)
{
	if (hz == 0)
		return 0;
	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

uint64_t counter_ticks_to_ns(uint64_t ticks)
{
	return counter_ticks_to_ns_at(ticks, counter_hz());
}

void counter_wait_ms(unsigned ms)
{
	uint64_t start = counter_now();
	uint64_t ticks = counter_hz() / 1000 * ms;
	while (counter_now() - start < ticks)
		;
}
