/*
 * Single loads and stores that may fault. Each access is one instruction
 * (see probe_begin() in guest.h); if it faults, the value read stays what
 * it was before, so a faulting read leaves *val untouched.
 */
#include "guest.h"

static void raw_read(uint64_t addr, unsigned width, uint64_t *val)
{
	uint64_t v = *val;

	switch (width) {
	case 1:
		__asm__ volatile("ldrb %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("ldrh %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("ldr %x0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	}
	*val = v;
}

static void raw_write(uint64_t addr, unsigned width, uint64_t v)
{
	switch (width) {
	case 1:
		__asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("strh %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("str %x0, [%1]" : : "r"(v), "r"(addr) : "memory");
		break;
	}
}

bool probe_read(uint64_t addr, unsigned width, uint64_t *val, struct fault *f)
{
	probe_begin();
	raw_read(addr, width, val);
	return probe_end(f);
}

bool probe_write(uint64_t addr, unsigned width, uint64_t val, struct fault *f)
{
	probe_begin();
	raw_write(addr, width, val);
	return probe_end(f);
}

bool probe_is_abort(const struct fault *f, bool *external)
{
	bool dabt = ESR_EC(f->esr) == EC_DABT_CUR;
	*external = dabt && ESR_DFSC(f->esr) == DFSC_SEA;
	return dabt;
}
