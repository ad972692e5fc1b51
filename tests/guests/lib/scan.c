/*
 * The "scan" guest's check, on both architectures (tests/guests/scan.c,
 * arch/riscv64/scan.c start it): guest-physical space outside this VM's
 * RAM and devices answers every read with an abort, and never with
 * another VM's memory.
 *
 * First the guest fills its own RAM (outside the image) with SCAN_SECRET,
 * so when two VMs run this guest each is the other's "given pattern".
 * Then it reads 8 bytes at each probe address that the device tree does
 * not describe (any `reg` or `ranges` window, RAM included):
 *
 *   edges    every 4 KiB page within 1 MiB below and above each RAM region
 *   low      every 1 MiB of [0, 4 GiB)
 *   high     every 1 GiB of [4 GiB, 1 TiB)
 *   random   1024 pages of [0, 1 TiB), fixed seed
 *
 * 1 TiB is Keel's guest-physical space (CFG_GPA_BITS, 40 bits, config/).
 * What counts as an abort is the architecture's (probe_is_abort: a
 * synchronous data abort on aarch64, a load access fault on riscv64); the
 * tally says how many were external aborts (aarch64's DFSC 0x10).
 */
#include "fdt.h"
#include "guest.h"
#include "rand.h"
#include "ram.h"
#include "scan.h"

#define SCAN_SECRET 0x4345532d4c45454bUL /* "KEEL-SEC", little-endian */
#define GPA_LIMIT (1UL << 40)
#define EDGE (1UL << 20)
#define PAGE 4096UL
#define RANDOM_PROBES 1024
#define MAX_WINDOWS 96

struct scan {
	struct region win[MAX_WINDOWS];
	unsigned nwin;
	bool too_many;
	struct ram_map ram;
	uint64_t probes, skipped, aborts, external, other_ec;
	uint64_t readable, secret, first_readable, first_value;
};

static void collect(void *ctx, const struct fdt_window *w)
{
	struct scan *s = ctx;

	if (!w->size)
		return;
	if (s->nwin == MAX_WINDOWS) {
		s->too_many = true;
		return;
	}
	s->win[s->nwin++] = (struct region){ w->base, w->size };
	con_printf("[scan] described: 0x%lx+0x%lx %s%s\n", w->base, w->size,
		   w->node, w->memory ? " (RAM)" : "");
	if (w->memory && s->ram.n < MAX_RAM_REGIONS)
		s->ram.r[s->ram.n++] = (struct region){ w->base, w->size };
}

static bool described(const struct scan *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->nwin; i++)
		if (addr + 8 > s->win[i].base &&
		    addr - s->win[i].base < s->win[i].size)
			return true;
	return false;
}

static void probe_one(struct scan *s, uint64_t addr)
{
	struct fault f;
	uint64_t v = 0;

	if (addr >= GPA_LIMIT || described(s, addr)) {
		s->skipped++;
		return;
	}
	s->probes++;
	if (probe_read(addr, 8, &v, &f)) {
		bool external, abort = probe_is_abort(&f, &external);
		s->aborts += abort;
		s->other_ec += !abort;
		s->external += abort && external;
		return;
	}
	if (s->readable++ == 0) {
		s->first_readable = addr;
		s->first_value = v;
	}
	if (v == SCAN_SECRET) {
		s->secret++;
		con_printf("[scan] 0x%lx reads as the secret pattern: another "
			   "VM's RAM, or this one's aliased\n", addr);
	}
}

static void probe_range(struct scan *s, uint64_t from, uint64_t to, uint64_t step)
{
	for (uint64_t a = from; a < to && a >= from; a += step)
		probe_one(s, a);
}

static void probe_all(struct scan *s)
{
	uint64_t seed = 0x5ca11ab1eUL;

	for (unsigned i = 0; i < s->ram.n; i++) {
		uint64_t b = s->ram.r[i].base, e = b + s->ram.r[i].size;
		probe_range(s, b >= EDGE ? b - EDGE : 0, b, PAGE);
		probe_range(s, e, e + EDGE, PAGE);
	}
	probe_range(s, 0, 4UL << 30, 1UL << 20);
	probe_range(s, 4UL << 30, GPA_LIMIT, 1UL << 30);
	for (unsigned i = 0; i < RANDOM_PROBES; i++)
		probe_one(s, rand_next(&seed) % GPA_LIMIT & ~(PAGE - 1));
}

static void fill_secret(const struct ram_map *ram)
{
	struct spans sp;

	ram_spans(ram, &sp);
	for (unsigned i = 0; i < sp.n; i++)
		for (uint64_t a = sp.s[i].base; a < sp.s[i].base + sp.s[i].size; a += 8)
			*(volatile uint64_t *)a = SCAN_SECRET;
	con_printf("[scan] wrote the secret pattern to %lu MiB of RAM\n",
		   sp.bytes >> 20);
}

static void report(const struct scan *s)
{
	con_printf("[scan] %lu probes (%lu skipped as described): %lu "
		   "aborts (%lu external), %lu other exceptions, %lu reads\n",
		   s->probes, s->skipped, s->aborts, s->external, s->other_ec,
		   s->readable);
	test_report(s->secret == 0, "scan-secret", "%lu reads returned the "
		    "secret pattern", s->secret);
	if (s->readable)
		test_report(false, "scan", "%lu reads did not abort, first 0x%lx "
			    "read 0x%lx", s->readable, s->first_readable,
			    s->first_value);
	else
		test_report(s->other_ec == 0 && s->probes > 0, "scan",
			    "%lu probes aborted", s->aborts);
}

static struct scan scan; /* too big for the stack */

void scan_run(const void *dtb)
{
	const char *err = fdt_walk(dtb, collect, &scan);

	if (!err && scan.too_many)
		err = "device tree describes more than 96 windows";
	if (!err && scan.ram.n == 0)
		err = "device tree has no memory node";
	if (err) {
		test_report(false, "scan", "%s", err);
		return;
	}
	fill_secret(&scan.ram);
	probe_all(&scan);
	report(&scan);
}
