/*
 * The storm's parts (tests/servers/stress.c drives them): its random
 * numbers and its tallies, shared with the retype/use/delete sequences of
 * stress_seq.c.
 */
#ifndef TESTS_SERVERS_STRESS_H
#define TESTS_SERVERS_STRESS_H

#include <stdint.h>

#include <keel/abi.h>

/* Call numbers the storm makes: 0..KEEL_SYS_COUNT-1 and some above. */
#define STORM_NUMS 16u

/* What the storm made and what came back. result[KEEL_E_COUNT] counts
 * statuses outside the error enum. */
struct storm_tally {
	uint64_t calls;
	uint64_t num[STORM_NUMS];
	uint64_t result[KEEL_E_COUNT + 1];
	uint64_t made[KEEL_OBJ_COUNT]; /* objects retyped by sequences */
	uint64_t seqs, revokes;
	uint64_t spared; /* deletes and moves of given slots turned aside */
	/* The profile: counter ticks spent in single calls by call number,
	 * and in whole sequences (their calls are not in ticks[]). */
	uint64_t ticks[STORM_NUMS], seq_ticks;
};

/* The page a storm shares with its kicker (and root, which prints the
 * tally when the storm has exited: tests/root/scn_stress.c). */
struct stress_shared {
	volatile uint64_t started, done, count, kicks;
	/* Set while the storm waits for root to answer a Linux call: the
	 * kicker leaves it alone then (root answers every one; a kick would
	 * only cancel the answer). */
	volatile uint64_t in_linux;
	struct storm_tally tally;
};

/* xorshift64 from the seed the storm was given. */
void stress_seed(uint64_t seed);
uint64_t stress_rng(void);
uint64_t stress_rng_below(uint64_t n);

/* One status of a Keel call made with number num. */
void storm_count(struct storm_tally *t, unsigned num, long status);

/* A short real sequence: retype an object from the untyped, use it the
 * way its owner would (map, bind, configure, badge, signal...), then
 * delete it, now and then revoking the whole untyped. */
void storm_sequence(struct storm_tally *t);

#endif
