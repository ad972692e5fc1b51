/*
 * Guest "mem": every 8-byte word of guest RAM outside the image holds
 * what was written to it.
 *
 * RAM comes from the device tree's memory nodes (Keel's mem_base and
 * mem_size_mib vary per VM). The tree itself lives in RAM and is
 * overwritten: it is read first. Two passes, each writing every word and
 * then reading every word back:
 *
 *   pass 0   word at a = a ^ 0x5a5a5a5a5a5a5a5a
 *   pass 1   word at a = ~(a ^ 0x5a5a5a5a5a5a5a5a)
 *
 * The value depends on the address, so two addresses backed by the same
 * frame are caught; the second pass flips every bit of the first.
 */
#include "lib/guest.h"
#include "lib/ram.h"

const char guest_name[] = "mem";

#define PATTERN 0x5a5a5a5a5a5a5a5aUL

static uint64_t pattern(uint64_t a, unsigned pass)
{
	return pass ? ~(a ^ PATTERN) : a ^ PATTERN;
}

static void fill(const struct region *r, unsigned pass)
{
	for (uint64_t a = r->base; a < r->base + r->size; a += 8)
		*(volatile uint64_t *)a = pattern(a, pass);
}

/* Returns the number of wrong words; reports the first. */
static uint64_t verify(const struct region *r, unsigned pass)
{
	uint64_t bad = 0;

	for (uint64_t a = r->base; a < r->base + r->size; a += 8) {
		uint64_t got = *(volatile uint64_t *)a;
		if (got == pattern(a, pass))
			continue;
		if (bad++ == 0)
			con_printf("[mem] pass %u: 0x%lx holds 0x%lx, wrote 0x%lx\n",
				   pass, a, got, pattern(a, pass));
	}
	return bad;
}

static uint64_t run_pass(const struct spans *sp, unsigned pass)
{
	uint64_t bad = 0;

	for (unsigned i = 0; i < sp->n; i++)
		fill(&sp->s[i], pass);
	for (unsigned i = 0; i < sp->n; i++)
		bad += verify(&sp->s[i], pass);
	return bad;
}

void guest_main(const void *dtb)
{
	struct ram_map ram;
	struct spans sp;
	const char *err = fdt_ram(dtb, &ram);

	if (err) {
		test_report(false, "mem", "%s", err);
		return;
	}
	ram_spans(&ram, &sp);
	for (unsigned i = 0; i < sp.n; i++)
		con_printf("[mem] testing 0x%lx..0x%lx\n", sp.s[i].base,
			   sp.s[i].base + sp.s[i].size - 1);
	uint64_t t0 = cntvct();
	uint64_t bad = run_pass(&sp, 0);
	bad += run_pass(&sp, 1);
	uint64_t ms = (cntvct() - t0) * 1000 / cntfrq();
	if (bad)
		test_report(false, "mem", "%lu wrong words", bad);
	else
		test_report(sp.bytes > 0, "mem", "%lu MiB checked in %lu ms",
			    sp.bytes >> 20, ms);
}
