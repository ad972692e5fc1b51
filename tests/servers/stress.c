/*
 * stress: a bounded storm of random calls, and its kicker.
 *
 *   stress storm <n>   n random calls: call numbers 0..15 (0 = a Linux
 *                      system call to root, 10..15 unknown), random
 *                      cptrs, labels, lengths and arguments, many aimed at
 *                      its own capabilities (keel/server.h slots: EP,
 *                      NTFN, CNODE, UNTYPED, FRAME). Then exit(0).
 *   stress kick        runs below the storm on the same CPU, so only while
 *                      the storm is blocked: answers or feeds the endpoint,
 *                      signals the notification, and if the storm has made
 *                      no progress for KICK_MS suspends and resumes it
 *                      (a random receive on an object it made itself can
 *                      wait forever). Holds KEEL_SRV_TCB = the storm.
 *
 * The two share a page at KEEL_SHARED_VADDR (struct stress_shared). The
 * random numbers come from a fixed seed, so every run makes the same calls.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <keel/abi.h>
#include <keel/error.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>

#include "counter.h"

#define STORM_SEED 0x5eed2024cafef00dull
#define KICK_MS 10u

struct stress_shared {
	volatile uint64_t started, done, count, kicks;
};

static struct stress_shared *stress_shared(void)
{
	return (struct stress_shared *)(uintptr_t)KEEL_SHARED_VADDR;
}

/* ---- the storm ---------------------------------------------------------------- */

static uint64_t rng_state = STORM_SEED;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

/* Mostly its own slots, sometimes anything. */
static uint64_t pick_cptr(void)
{
	switch (rng_below(10)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return rng_below(KEEL_SRV_FREE + 4);
	case 6: case 7: return rng_below(1u << KEEL_SRV_CNODE_BITS);
	case 8: return rng_below(4096);
	default: return rng();
	}
}

/* Arguments shaped like slots, types, sizes, addresses, rights, CPUs. */
static uint64_t pick_word(void)
{
	switch (rng_below(9)) {
	case 0: return 0;
	case 1: return rng_below(1u << KEEL_SRV_CNODE_BITS);
	case 2: return rng_below(KEEL_OBJ_COUNT + 2);
	case 3: return rng_below(24);
	case 4: return rng_below(1u << 20) << KEEL_PAGE_BITS;
	case 5: return rng_below(8);
	case 6: return rng_below(3);
	case 7: return 1 + rng_below(4);
	default: return rng();
	}
}

static uint64_t pick_info(void)
{
	uint64_t label, len;
	switch (rng_below(8)) {
	case 0: label = 0x1000 + rng_below(3); break;
	case 1: label = rng() & 0xffffff; break;
	default: label = rng_below(KEEL_LABEL_COUNT + 2); break;
	}
	len = rng_below(8) ? rng_below(8) : rng_below(256);
	return keel_msginfo(label, len) | (rng_below(4) ? 0 : rng() << 32);
}

/* A slot it made things in (the given ones stay put in shaped calls, so
 * the storm keeps its untyped and CNode long enough to go deep). */
static uint64_t pick_free_slot(void)
{
	return KEEL_SRV_FREE + rng_below((1u << KEEL_SRV_CNODE_BITS) - KEEL_SRV_FREE);
}

/* A call shaped like a real invocation of a slot it may hold: retype from
 * its untyped, CNode operations on its CNode, thread and mapping
 * operations on whatever it made. Random enough to go wrong in most ways,
 * shaped enough to get past the first check. */
static uint64_t storm_shaped(uint64_t *mr, uint64_t *label)
{
	mr[1] = KEEL_SRV_CNODE;
	mr[2] = rng_below(2) ? pick_free_slot() : rng_below(KEEL_SRV_FREE);
	switch (rng_below(4)) {
	case 0:
		*label = KEEL_UNTYPED_RETYPE;
		mr[0] = 1 + rng_below(KEEL_OBJ_COUNT);
		mr[1] = rng_below(2) ? 0 : rng_below(17);
		mr[2] = KEEL_SRV_CNODE;
		mr[3] = pick_free_slot();
		mr[4] = 1 + rng_below(3);
		return KEEL_SRV_UNTYPED;
	case 1:
		*label = KEEL_CNODE_COPY + rng_below(5);
		mr[0] = pick_free_slot();
		if (*label == KEEL_CNODE_MOVE)
			mr[2] = pick_free_slot();
		mr[3] = rng_below(8);
		mr[4] = 1 + rng_below(100);
		return KEEL_SRV_CNODE;
	case 2:
		*label = KEEL_TCB_CONFIGURE + rng_below(8);
		mr[0] = pick_free_slot();
		mr[3] = pick_free_slot();
		mr[4] = rng_below(64) << KEEL_PAGE_BITS;
		return pick_free_slot();
	default:
		*label = KEEL_FRAME_MAP + rng_below(5);
		mr[0] = pick_free_slot();
		mr[1] = (rng_below(1u << 12) << 21) + (rng_below(8) ? 0 : rng_below(4096));
		mr[2] = rng_below(8);
		return rng_below(4) ? pick_free_slot() : KEEL_SRV_FRAME;
	}
}

#define STORM_CASE(n) case n: return keel_trap(n, cptr, &info, mr)

static long storm_trap(unsigned num, uint64_t cptr, uint64_t info, uint64_t *mr)
{
	switch (num) {
	STORM_CASE(1); STORM_CASE(2); STORM_CASE(3); STORM_CASE(4);
	STORM_CASE(5); STORM_CASE(6); STORM_CASE(7); STORM_CASE(8);
	STORM_CASE(10); STORM_CASE(11); STORM_CASE(12); STORM_CASE(13);
	STORM_CASE(14); STORM_CASE(15);
	default: return -1;
	}
}

/* One Keel call: half of the object invocations are shaped. */
static long storm_keel(unsigned num, uint64_t *mr)
{
	uint64_t label, cptr;
	if (num == KEEL_SYS_CALL && rng_below(2)) {
		cptr = storm_shaped(mr, &label);
		return storm_trap(num, cptr, keel_msginfo(label, 5), mr);
	}
	return storm_trap(num, pick_cptr(), pick_info(), mr);
}

/* A Linux call root must answer without harm; exit would end the storm. */
static long storm_linux(void)
{
	long nr;
	do
		nr = (long)rng_below(300);
	while (nr == SYS_exit || nr == SYS_exit_group);
	return syscall(nr, pick_word(), pick_word(), pick_word(), pick_word(),
		       pick_word(), pick_word());
}

static unsigned storm_number(void)
{
	unsigned num;
	do /* debug putc cannot fail and would only fill the log with noise */
		num = (unsigned)rng_below(16);
	while (num == KEEL_SYS_DEBUG_PUTC);
	return num;
}

static void storm_print(uint64_t n, const uint64_t *hist, uint64_t linux_calls)
{
	kprintf("[stress] %lu calls (%lu Linux, %lu kicks):", (unsigned long)n,
		(unsigned long)linux_calls, (unsigned long)stress_shared()->kicks);
	for (unsigned e = 0; e <= KEEL_E_COUNT; e++)
		if (hist[e])
			kprintf(" %s %lu", e < KEEL_E_COUNT ? keel_err_name(e) + 5 : "other",
				(unsigned long)hist[e]);
	kprintf("\n");
}

static int storm(uint64_t n)
{
	uint64_t hist[KEEL_E_COUNT + 1] = { 0 }, linux_calls = 0;
	uint64_t *buf = keel_ipcbuf()->mr;
	stress_shared()->started = 1;
	for (uint64_t i = 0; i < n; i++) {
		unsigned num = storm_number();
		uint64_t mr[6] = { pick_word(), pick_word(), pick_word(), pick_word(),
				   pick_word(), pick_word() };
		buf[KEEL_MSG_REG_MRS + rng_below(KEEL_MSG_MAX_MRS - KEEL_MSG_REG_MRS)] = pick_word();
		if (num == KEEL_SYS_LINUX) {
			storm_linux();
			linux_calls++;
		} else {
			long st = storm_keel(num, mr);
			hist[st >= 0 && st < KEEL_E_COUNT ? st : KEEL_E_COUNT]++;
		}
		stress_shared()->count = i + 1;
	}
	stress_shared()->done = 1;
	storm_print(n, hist, linux_calls);
	return 0;
}

/* ---- the kicker --------------------------------------------------------------- */

static void kick_gently(void)
{
	uint64_t info = 0, mr[6] = { 0 };
	if (keel_poll(KEEL_SRV_EP, &info, mr) == KEEL_OK) {
		info = keel_msginfo(0, 0);
		keel_reply(info, mr); /* KEEL_E_INVALID_CALL if it was a send */
	}
	info = keel_msginfo(0, 0);
	keel_trap(KEEL_SYS_NBSEND, KEEL_SRV_EP, &info, mr);
	keel_signal(KEEL_SRV_NTFN);
}

static void kick_hard(void)
{
	keel_tcb_suspend(KEEL_SRV_TCB);
	keel_tcb_resume(KEEL_SRV_TCB);
	stress_shared()->kicks++;
}

static _Noreturn void kick(void)
{
	struct stress_shared *sh = stress_shared();
	uint64_t last = 0, since = counter_now();
	uint64_t limit = counter_hz() / 1000 * KICK_MS;
	while (!sh->done) {
		if (sh->started)
			kick_gently();
		if (sh->count != last || !sh->started) {
			last = sh->count;
			since = counter_now();
		} else if (counter_now() - since > limit && !sh->done) {
			kick_hard();
			since = counter_now();
		}
	}
	for (;;)
		keel_yield(); /* root stops us */
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "storm") == 0)
		return storm(strtoull(argv[2], NULL, 0));
	if (argc >= 2 && strcmp(argv[1], "kick") == 0)
		kick();
	kprintf("[stress] usage: stress storm <n> | stress kick\n");
	return 2;
}
