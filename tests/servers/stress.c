/*
 * stress: a bounded storm of random calls, and its kicker.
 *
 *   stress storm <n> [seed [every [linux]]]
 *                      n Keel and Linux calls (tests/root/scn_stress.c
 *                      passes n from the kernel command line; make soak
 *                      makes it millions): call numbers 0..15 (0 = a
 *                      Linux system call to root, 9 debug putc of a
 *                      carriage return, 10..15 unknown), random cptrs,
 *                      labels, lengths and arguments, many aimed at its
 *                      own capabilities (keel/server.h slots: EP, NTFN,
 *                      CNODE, UNTYPED, FRAME, and PEER: a VMID pool); one
 *                      step in eight a real sequence (stress_seq.c); a
 *                      line every `every` calls; a Linux call on only
 *                      one in `linux` of its turns (default 1; root
 *                      gives more to a storm off its CPU). Deletes and
 *                      moves of the given slots are turned to free
 *                      slots (storm_spare). Its counts go to the
 *                      shared page (root prints them); then exit(0).
 *   stress kick        runs below the storm on the same CPU, so only while
 *                      the storm is blocked: answers or feeds the endpoint,
 *                      signals the notification, and if the storm has made
 *                      no progress for KICK_MS suspends and resumes it
 *                      (a random receive on an object it made itself can
 *                      wait forever), but not while it waits for root
 *                      to answer a Linux call. Holds KEEL_SRV_TCB = the
 *                      storm.
 *
 * The two share a page at KEEL_SHARED_VADDR (struct stress_shared). The
 * random numbers come from the seed (default STORM_SEED), so every run
 * with the same arguments makes the same calls.
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
#include "stress.h"

#define STORM_SEED 0x5eed2024cafef00dull
#define KICK_MS 10u

static const char *storm_name = "stress";

static struct stress_shared *stress_shared(void)
{
	return (struct stress_shared *)(uintptr_t)KEEL_SHARED_VADDR;
}

/* ---- the storm ---------------------------------------------------------------- */

static uint64_t rng_state = STORM_SEED;

void stress_seed(uint64_t seed)
{
	rng_state = seed ? seed : STORM_SEED; /* xorshift stays at 0 */
}

uint64_t stress_rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

uint64_t stress_rng_below(uint64_t n)
{
	return stress_rng() % n;
}

#define rng stress_rng
#define rng_below stress_rng_below

void storm_count(struct storm_tally *t, unsigned num, long status)
{
	t->calls++;
	t->num[num % STORM_NUMS]++;
	if (num != KEEL_SYS_LINUX)
		t->result[status >= 0 && status < KEEL_E_COUNT ? status : KEEL_E_COUNT]++;
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

/* A random delete or move would, once in a while, take one of the given
 * capabilities (slots below KEEL_SRV_FREE) for good: none of them can be
 * given back (an untyped or VMID pool has one capability), and a storm
 * without its untyped or CNode spends the rest of its calls in
 * E_INVALID_CAP (in a 10 M-call run, 46% of storm0's). So a delete or move whose
 * index names a given slot is turned to a free slot, in whatever CNode
 * the cptr names (a free slot may hold a copy of the storm's own), and
 * counted. Revokes stay: revoking a given slot takes only what the storm
 * made from it. */
static void storm_spare(struct storm_tally *t, uint64_t info, uint64_t *mr)
{
	uint64_t label = keel_msg_label(info);
	uint64_t *index = label == KEEL_CNODE_DELETE ? &mr[0]
			: label == KEEL_CNODE_MOVE   ? &mr[2] : NULL;
	if (index && *index < KEEL_SRV_FREE) {
		*index = pick_free_slot();
		t->spared++;
	}
}

/* One Keel call: half of the object invocations are shaped. */
static long storm_keel(struct storm_tally *t, unsigned num, uint64_t *mr)
{
	uint64_t label, cptr, info;
	if (num == KEEL_SYS_CALL && rng_below(2)) {
		cptr = storm_shaped(mr, &label);
		return storm_trap(num, cptr, keel_msginfo(label, 5), mr);
	}
	cptr = pick_cptr();
	info = pick_info();
	if (num == KEEL_SYS_CALL)
		storm_spare(t, info, mr);
	return storm_trap(num, cptr, info, mr);
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

/* A Linux call is taken on one in storm_linux_every of its turns: 1 on
 * root's CPU, more on another, where each one is a cross-CPU round trip
 * to root (11-29 ms under a loaded host's TCG, against about 80 us on
 * root's CPU and 1-2 us for a Keel call: at one in 16 calls they took 94%
 * of the storm's time; root prints the profile). */
static uint64_t storm_linux_every = 1;

/* Debug putc cannot fail and would fill the log: one in 64 of its turns,
 * with a carriage return, which shows nothing. Debug write likewise, or
 * with a length over its limit (refused, nothing written). */
static unsigned storm_number(void)
{
	unsigned num;
	do
		num = (unsigned)rng_below(STORM_NUMS);
	while (((num == KEEL_SYS_DEBUG_PUTC || num == KEEL_SYS_DEBUG_WRITE) && rng_below(64)) ||
	       (num == KEEL_SYS_LINUX && storm_linux_every > 1 && rng_below(storm_linux_every)));
	return num;
}

/* One random call of the storm. */
static void storm_one(struct storm_tally *t)
{
	unsigned num = storm_number();
	uint64_t mr[6] = { pick_word(), pick_word(), pick_word(), pick_word(), pick_word(),
			   pick_word() };
	uint64_t *buf = keel_ipcbuf()->mr;
	buf[KEEL_MSG_REG_MRS + rng_below(KEEL_MSG_MAX_MRS - KEEL_MSG_REG_MRS)] = pick_word();
	uint64_t start = counter_now();
	if (num == KEEL_SYS_LINUX) {
		stress_shared()->in_linux = 1;
		storm_linux();
		stress_shared()->in_linux = 0;
		storm_count(t, num, 0);
	} else if (num == KEEL_SYS_DEBUG_PUTC) {
		keel_debug_putc('\r');
		storm_count(t, num, KEEL_OK);
	} else if (num == KEEL_SYS_DEBUG_WRITE) {
		static const char cr[KEEL_DEBUG_WRITE_REGS] = "\r"; /* what a long one reads */
		storm_count(t, num, keel_debug_write(cr, rng_below(2) ? 1 : KEEL_DEBUG_WRITE_MAX +
					  (unsigned)rng_below(1000)));
	} else {
		storm_count(t, num, storm_keel(t, num, mr));
	}
	t->ticks[num] += counter_now() - start;
}

static void storm_sequence_timed(struct storm_tally *t)
{
	uint64_t start = counter_now();
	storm_sequence(t);
	t->seq_ticks += counter_now() - start;
}

/* n calls; a line every `every` calls (0: none). The tally is left in
 * the shared page, where root reads and prints it when the storm exits
 * (two storms printing at once would mix their lines). */
static int storm(uint64_t n, uint64_t every)
{
	struct stress_shared *sh = stress_shared();
	struct storm_tally *t = &sh->tally;
	uint64_t next = every;
	sh->started = 1;
	while (t->calls < n) {
		if (rng_below(8) == 0)
			storm_sequence_timed(t);
		else
			storm_one(t);
		sh->count = t->calls;
		if (every && t->calls >= next) {
			kprintf("[stress] %s: %lu calls\n", storm_name, (unsigned long)t->calls);
			next += every;
		}
	}
	sh->done = 1;
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
		if (sh->count != last || !sh->started || sh->in_linux) {
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
	if (argc >= 3 && strcmp(argv[1], "storm") == 0) {
		storm_name = argv[0];
		stress_seed(argc >= 4 ? strtoull(argv[3], NULL, 0) : STORM_SEED);
		if (argc >= 6)
			storm_linux_every = strtoull(argv[5], NULL, 0);
		return storm(strtoull(argv[2], NULL, 0),
			     argc >= 5 ? strtoull(argv[4], NULL, 0) : 0);
	}
	if (argc >= 2 && strcmp(argv[1], "kick") == 0)
		kick();
	kprintf("[stress] usage: stress storm <n> [seed [every [linux]]] | stress kick\n");
	return 2;
}
