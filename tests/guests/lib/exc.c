/*
 * Exception dispatch for the test guests, the probe mechanism (an access
 * that may fault, caught and skipped), and guest_start().
 *
 * Vector index (head.S):  0-3 current EL with SP_EL0, 4-7 current EL with
 * SP_ELx, 8-15 lower EL. Within each group: sync, IRQ, FIQ, SError. The
 * guests run at EL1h, so only 4 (sync), 5 (IRQ) and 7 (SError) are
 * expected; anything else is reported as a FAIL.
 */
#include "guest.h"
#include "smccc.h"

#define PSCI_SYSTEM_OFF 0x84000008u

#define VEC_SYNC 4
#define VEC_IRQ 5
#define VEC_SERROR 7

static const char vector_names[16][12] = {
	"sync/sp0", "irq/sp0", "fiq/sp0", "serror/sp0",
	"sync", "irq", "fiq", "serror",
	"sync/a64", "irq/a64", "fiq/a64", "serror/a64",
	"sync/a32", "irq/a32", "fiq/a32", "serror/a32",
};

static struct {
	volatile bool armed;
	volatile bool hit;
	struct fault fault;
} probe;

static exc_handler_fn *irq_handler;
volatile bool exc_serror_ok;
volatile uint64_t exc_serror_count;

void exc_set_irq_handler(exc_handler_fn *fn)
{
	irq_handler = fn;
}

void probe_begin(void)
{
	probe.hit = false;
	probe.armed = true;
	__asm__ volatile("" ::: "memory");
}

bool probe_end(struct fault *out)
{
	__asm__ volatile("" ::: "memory");
	probe.armed = false;
	if (out && probe.hit)
		*out = probe.fault;
	return probe.hit;
}

_Noreturn void guest_halt(void)
{
	__asm__ volatile("msr daifset, #0xf");
	for (;;)
		__asm__ volatile("wfi");
}

void guest_power_off(void)
{
	hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}

static _Noreturn void exc_unexpected(const struct exc_frame *f, uint64_t vector)
{
	con_printf("[test] FAIL %s: unexpected %s exception, ESR 0x%lx "
		   "(EC 0x%lx) ELR 0x%lx FAR 0x%lx\n",
		   guest_name, vector_names[vector & 15], f->esr, ESR_EC(f->esr),
		   f->elr, f->far);
	test_done();
	guest_halt();
}

/*
 * A probed access faulted: record it and resume after it. Every
 * exception the probes expect (data abort, undefined instruction, an HVC
 * or SMC that is UNDEFINED) reports the instruction itself in ELR.
 */
static bool probe_catch(struct exc_frame *f)
{
	if (!probe.armed || probe.hit)
		return false;
	probe.fault.esr = f->esr;
	probe.fault.far = f->far;
	probe.fault.elr = f->elr;
	probe.hit = true;
	f->elr += 4;
	return true;
}

void exc_dispatch(struct exc_frame *f, uint64_t vector)
{
	switch (vector) {
	case VEC_SYNC:
		if (probe_catch(f))
			return;
		break;
	case VEC_IRQ:
		if (irq_handler) {
			irq_handler(f);
			return;
		}
		break;
	case VEC_SERROR:
		if (exc_serror_ok) {
			exc_serror_count++;
			return;
		}
		break;
	}
	exc_unexpected(f, vector);
}

static unsigned current_el(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(v));
	return (unsigned)(v >> 2) & 3;
}

/* Called by head.S with the device-tree address from x0. */
void guest_start(const void *dtb);
void guest_start(const void *dtb)
{
	unsigned el = current_el();

	con_printf("[%s] up at %p, device tree at %p\n", guest_name,
		   (void *)__image_start, dtb);
	if (el != 1)
		test_report(false, guest_name, "entered at EL%u, need EL1", el);
	else
		guest_main(dtb);
	test_done();
}
