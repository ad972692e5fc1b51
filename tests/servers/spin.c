/*
 * spin: scheduling fairness.
 *
 *   spin spin       loop forever, never yielding
 *   spin work <n>   n steps of arithmetic, then report PASS: it can only
 *                   finish if the kernel's time slice preempts a spinner
 *                   of equal priority on the same CPU
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/server.h>

static volatile uint64_t spin_count;

static uint64_t spin_work(uint64_t n)
{
	uint64_t x = 1;
	for (uint64_t i = 0; i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "work") == 0) {
		uint64_t sum = spin_work(strtoull(argv[2], NULL, 0));
		keel_report(KEEL_REPORT_PASS, sum, "%s steps done", argv[2]);
		return 0;
	}
	for (;;)
		spin_count++;
}
