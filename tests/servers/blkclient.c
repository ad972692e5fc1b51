/*
 * blkclient: the block driver's client in the test root's blk scenario
 * (tests/root/scn_blk.c, tests/system/blk.sh), using the real disk image
 * QEMU was given:
 *
 *   1. writes sectors 0 .. BLK_SECTORS-1 in 32 KiB requests, each sector
 *      its number's line ("keel-blk-%06u\n", 32 times: the host checks
 *      the image file after QEMU has stopped), then FLUSH;
 *   2. reads them back and compares;
 *   3. reads sectors HOST_SECTOR.. that the host wrote before boot
 *      ("keel-hst-%06u\n" lines) into its "guest RAM" (two pages the
 *      scenario gave it and listed in the driver's RAM table), in
 *      segments, one over the two pages' boundary, and compares;
 *   4. sends one request of each kind the driver must refuse (unknown
 *      type, a length not a multiple of 512, a read past the end, and
 *      segments outside its RAM: below it, over its end, wrapping the
 *      address space) and wants UNSUPP or IOERR for it. The refused write
 *      would put the host's lines at sector 0: the host's check of the
 *      image proves that none of it reached the disk.
 * Each step reports PASS or FAIL to root. Requests keep up to
 * KEEL_BLK_SLOTS in flight; the scenario crashes the driver meanwhile.
 *
 *   argv: name
 * Slots: KEEL_SRV_FREE the driver's notification (WRITE); its own
 * notification, bound, is signalled when requests complete.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/server.h>

#define BLK_SECTORS 8192u         /* 4 MiB written and read back */
#define BLK_REQ_BYTES 0x8000u     /* 32 KiB per request */
#define HOST_SECTOR 12288u
#define HOST_SECTORS 16u
#define LINE 16u
/* Its "guest RAM" (tests/root/scn_blk.c has the other copy). */
#define BLK_RAM_GPA 0x40000000ull
#define BLK_RAM_VADDR 0x10400000ull
#define BLK_RAM_BYTES 0x2000u
#define BAD_REQUESTS 6u

static struct keel_blk_ring *ring;
static uint32_t issued;           /* requests published */
static unsigned phase;            /* 0 write, 1 flush, 2 read, 3 host, 4 bad, 5 done */
static unsigned next_sector, bad_sent, bad_ok, mismatches, errors;

static uint8_t *slot_data(uint32_t n)
{
	return (uint8_t *)(uintptr_t)(KEEL_BLK_SHARED_VADDR + KEEL_BLK_DATA_OFF +
				      (uint64_t)(n % KEEL_BLK_SLOTS) * KEEL_BLK_SLOT_BYTES);
}

static void sector_text(char *buf, const char *tag, unsigned sector)
{
	char line[32]; /* LINE bytes are used: a 3-letter tag, 6 digits */
	snprintf(line, sizeof(line), "keel-%s-%06u\n", tag, sector % 1000000u);
	for (unsigned i = 0; i < KEEL_BLK_SECTOR; i += LINE)
		memcpy(buf + i, line, LINE);
}

static void publish_n(uint32_t type, uint64_t sector, uint32_t len, uint32_t nseg)
{
	ring->slot[issued % KEEL_BLK_SLOTS] = (struct keel_blk_req){ .type = type,
		.len = len, .sector = sector, .status = 0xff, .nseg = nseg };
	__atomic_store_n(&ring->req, ++issued, __ATOMIC_RELEASE);
	keel_signal(KEEL_SRV_FREE);
}

static void publish(uint32_t type, uint64_t sector, uint32_t len)
{
	publish_n(type, sector, len, 0);
}

/* A request whose data is in segments of guest RAM; its length is their
 * sum, so only where they point can make the driver refuse it. */
static void publish_segs(uint32_t type, uint64_t sector, const struct keel_blk_seg *seg,
			 uint32_t nseg)
{
	struct keel_blk_seg *list = (struct keel_blk_seg *)(uintptr_t)(KEEL_BLK_SHARED_VADDR +
		KEEL_BLK_SEG_OFF + (uint64_t)(issued % KEEL_BLK_SLOTS) * KEEL_BLK_SEG_BYTES);
	uint32_t len = 0;
	for (uint32_t i = 0; i < nseg; i++) {
		list[i] = seg[i];
		len += seg[i].len;
	}
	publish_n(type, sector, len, nseg);
}

/* The request at n finished: check what a read brought. */
static void finished(uint32_t n)
{
	const struct keel_blk_req *r = &ring->slot[n % KEEL_BLK_SLOTS];
	char want[KEEL_BLK_SECTOR];
	bool host = r->sector >= HOST_SECTOR && r->sector < HOST_SECTOR + HOST_SECTORS;
	if (phase == 4) {
		bad_ok += r->status == KEEL_BLK_S_IOERR || r->status == KEEL_BLK_S_UNSUPP;
		return;
	}
	if (r->status != KEEL_BLK_S_OK) {
		errors++;
		return;
	}
	if (r->type != KEEL_BLK_T_IN)
		return;
	for (uint32_t off = 0; off < r->len; off += KEEL_BLK_SECTOR) {
		const uint8_t *got = r->nseg ? (const uint8_t *)(uintptr_t)BLK_RAM_VADDR + off
					     : slot_data(n) + off;
		sector_text(want, host ? "hst" : "blk", (unsigned)(r->sector + off / KEEL_BLK_SECTOR));
		mismatches += memcmp(got, want, KEEL_BLK_SECTOR) != 0;
	}
}

/* Bad request i: three the driver refuses whatever the RAM, three with
 * segments outside the RAM that are otherwise right. */
static void issue_bad(unsigned i)
{
	static const struct keel_blk_req bad[3] = {
		{ .type = 77, .len = 512 },
		{ .type = KEEL_BLK_T_IN, .len = 100 },
		{ .type = KEEL_BLK_T_IN, .len = 512, .sector = ~0ull / 2 },
	};
	static const struct keel_blk_seg below[1] = { { .gpa = BLK_RAM_GPA - 512, .len = 512 } };
	static const struct keel_blk_seg over_end[2] = { /* the first is fine */
		{ .gpa = BLK_RAM_GPA, .len = 512 }, { .gpa = BLK_RAM_GPA + BLK_RAM_BYTES - 512, .len = 1024 },
	};
	static const struct keel_blk_seg wrap[1] = { { .gpa = ~0ull - 255, .len = 512 } };
	if (i < 3)
		publish(bad[i].type, bad[i].sector, bad[i].len);
	else if (i == 3)
		publish_segs(KEEL_BLK_T_IN, 0, below, 1);
	else if (i == 4)
		publish_segs(KEEL_BLK_T_OUT, 0, over_end, 2);
	else
		publish_segs(KEEL_BLK_T_OUT, 2, wrap, 1);
}

/* The next request of this phase, if a slot is free; false when the
 * phase has published all of its requests. */
static bool issue_next(void)
{
	unsigned per = BLK_REQ_BYTES / KEEL_BLK_SECTOR;
	if (phase == 0 || phase == 2) {
		if (next_sector >= BLK_SECTORS)
			return false;
		if (phase == 0)
			for (unsigned s = 0; s < per; s++)
				sector_text((char *)slot_data(issued) + s * KEEL_BLK_SECTOR, "blk",
					    next_sector + s);
		publish(phase == 0 ? KEEL_BLK_T_OUT : KEEL_BLK_T_IN, next_sector, BLK_REQ_BYTES);
		next_sector += per;
		return true;
	}
	if (phase == 1 && next_sector == 0) {
		publish(KEEL_BLK_T_FLUSH, 0, 0);
		next_sector = 1;
		return true;
	}
	if (phase == 3 && next_sector == 0) {
		static const struct keel_blk_seg host[2] = { /* the second over the pages' boundary */
			{ .gpa = BLK_RAM_GPA, .len = 0xc00 }, { .gpa = BLK_RAM_GPA + 0xc00, .len = 0x1400 },
		};
		_Static_assert(0xc00 + 0x1400 == HOST_SECTORS * KEEL_BLK_SECTOR, "all host sectors");
		publish_segs(KEEL_BLK_T_IN, HOST_SECTOR, host, 2);
		next_sector = 1;
		return true;
	}
	if (phase == 4 && bad_sent < BAD_REQUESTS) {
		issue_bad(bad_sent++);
		return true;
	}
	return false;
}

static const char *const phase_name[] = { "blk-write", "blk-flush", "blk-read", "blk-host-data",
					  "blk-refused" };

/* Everything of the phase is done: report it, go on. */
static void phase_end(void)
{
	if (phase == 4)
		keel_report(bad_ok == BAD_REQUESTS ? KEEL_REPORT_PASS : KEEL_REPORT_FAIL, 0,
			    "blk-refused: %u of %u bad requests refused", bad_ok, BAD_REQUESTS);
	else if (errors || mismatches)
		keel_report(KEEL_REPORT_FAIL, 0, "%s: %u errors, %u sectors differ",
			    phase_name[phase], errors, mismatches);
	else
		keel_report(KEEL_REPORT_PASS, 0, "%s", phase_name[phase]);
	phase++;
	next_sector = 0;
	errors = mismatches = 0;
}

static uint32_t seen; /* completions handled */

static void client_notified(void *ctx, uint64_t bits)
{
	(void)ctx;
	(void)bits;
	if (!__atomic_load_n(&ring->ready, __ATOMIC_ACQUIRE))
		return;
	for (;;) {
		uint32_t done = __atomic_load_n(&ring->done, __ATOMIC_ACQUIRE);
		while (seen != done)
			finished(seen++);
		while (phase < 5 && issued - seen < KEEL_BLK_SLOTS && issue_next())
			;
		if (phase >= 5 || issued != seen)
			break;
		phase_end(); /* all of it completed and nothing more to publish */
		if (phase == 5)
			keel_report(KEEL_REPORT_PASS, ring->capacity, "blk: driver served every request");
	}
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .init = NULL, .notified = client_notified };
	(void)argc;
	(void)argv;
	ring = (struct keel_blk_ring *)(uintptr_t)KEEL_BLK_SHARED_VADDR;
	client_notified(NULL, 0);
	return (int)keel_server_run(&loop);
}
