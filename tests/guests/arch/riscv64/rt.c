/*
 * The riscv64 runtime for the architecture-neutral test guests
 * (tests/guests/uart.c, scan.c, ...: lib/guest.h's guest_main, output
 * through the PL011 at 0x09000000 by lib/console.c): head.S enters
 * rv_main, which runs guest_main and prints "[test] DONE <name>". Traps
 * are probes' (lib/guest.h, probe_read): a load the VM cannot serve
 * comes back as a load access fault (scause 5, stval the address),
 * injected by the VMM; the handler records it and steps over the load.
 * Any other trap, or one outside a probe, is a FAIL.
 */
#include "../../lib/guest.h"
#include "rv.h"

#define CAUSE_LOAD_ACCESS 5ul
#define CAUSE_STORE_ACCESS 7ul

static volatile bool probe_armed, probe_hit;
static struct fault probe_fault;

void guest_hart1(unsigned long hart, unsigned long opaque)
{
	(void)hart, (void)opaque;
}

static _Noreturn void rt_halt(void)
{
	for (;;)
		__asm__ volatile("wfi");
}

static _Noreturn void rt_unexpected(unsigned long cause, unsigned long pc, unsigned long tval)
{
	con_printf("[test] FAIL %s: unexpected trap, scause 0x%lx sepc 0x%lx stval 0x%lx\n",
		   guest_name, cause, pc, tval);
	test_done();
	rt_halt();
}

__attribute__((interrupt("supervisor"), aligned(4))) void guest_trap(void)
{
	unsigned long pc = csr_read(sepc), cause = csr_read(scause), tval = csr_read(stval);
	if (!probe_armed || probe_hit || (cause & IRQ_BIT))
		rt_unexpected(cause, pc, tval);
	probe_fault = (struct fault){ .esr = cause, .far = tval, .elr = pc };
	probe_hit = true;
	pc += (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
	csr_write(sepc, pc);
}

/* One load of width bytes; the handler skips it if it traps, so *val
 * keeps what it held. */
bool probe_read(uint64_t addr, unsigned width, uint64_t *val, struct fault *f)
{
	uint64_t v = *val;
	probe_hit = false;
	probe_armed = true;
	switch (width) {
	case 1: __asm__ volatile("lbu %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory"); break;
	case 2: __asm__ volatile("lhu %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory"); break;
	case 4: __asm__ volatile("lwu %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory"); break;
	default: __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory"); break;
	}
	probe_armed = false;
	*val = v;
	if (probe_hit && f)
		*f = probe_fault;
	return probe_hit;
}

/* riscv64 has no external-abort kind: an access fault is the answer. */
bool probe_is_abort(const struct fault *f, bool *external)
{
	*external = false;
	return f->esr == CAUSE_LOAD_ACCESS || f->esr == CAUSE_STORE_ACCESS;
}

void guest_power_off(void)
{
	sbi(EXT_SRST, 0, 0 /* shutdown */, 0, 0);
}

void rv_main(unsigned long hart, const void *dtb)
{
	(void)hart;
	guest_main(dtb);
	test_done();
	rt_halt();
}
