/*
 * The runtime every test guest links against (tests/guests/lib/).
 *
 * A guest defines guest_name[] and guest_main(); head.S calls guest_start(),
 * which checks the exception level, runs guest_main() and prints
 * "[test] DONE <guest_name>". Output goes to the PL011 at 0x09000000.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- provided by each guest ---- */
extern const char guest_name[];
void guest_main(const void *dtb);

/* ---- console.c ---- */
void con_putc(char c);
/* A byte typed at the console, if one is waiting (no wait). */
bool con_getc(char *c);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);
/* "[test] PASS name[: detail]" or "[test] FAIL name: detail"; returns ok. */
bool test_report(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_done(void);

/* ---- exc.c: exception frame (layout: head.S) ---- */
struct exc_frame {
	uint64_t x[31];
	uint64_t elr, spsr, esr, far;
	uint64_t pad;
};
_Static_assert(sizeof(struct exc_frame) == 288, "head.S EXC_FRAME_SIZE");

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define ESR_DFSC(esr) ((esr) & 0x3f)
#define ESR_FNV (1u << 10) /* data abort: FAR not valid */
#define EC_UNKNOWN 0x00    /* what an UNDEFINED instruction reports */
#define EC_DABT_CUR 0x25   /* data abort taken without a change of EL */
#define DFSC_SEA 0x10      /* synchronous external abort */

/* Handlers a guest may install (at run time: no pointer tables in data). */
typedef void exc_handler_fn(struct exc_frame *f);
void exc_set_irq_handler(exc_handler_fn *fn);
void exc_dispatch(struct exc_frame *f, uint64_t vector);
_Noreturn void guest_halt(void); /* interrupts masked, WFI for ever */
/* The VM powers off: PSCI SYSTEM_OFF (riscv64's rt.c: SBI SRST shutdown).
 * Returns only if the call was refused. */
void guest_power_off(void);

/*
 * Probes: between probe_begin() and probe_end(), a synchronous exception
 * (any class) is recorded and the faulting instruction skipped, so the
 * access in between must be exactly one instruction. SErrors are counted
 * whenever exc_serror_ok is set.
 */
struct fault {
	uint64_t esr, far, elr;
};
void probe_begin(void);
bool probe_end(struct fault *out); /* true if the access faulted */
extern volatile bool exc_serror_ok;
extern volatile uint64_t exc_serror_count;

/* probe.c: one access of 1, 2, 4 or 8 bytes; true if it faulted. */
bool probe_read(uint64_t addr, unsigned width, uint64_t *val, struct fault *f);
bool probe_write(uint64_t addr, unsigned width, uint64_t val, struct fault *f);
/* Was the fault the architecture's answer to an access nothing serves (a
 * synchronous data abort; *external: an external one)? riscv64's test
 * guests have their own (arch/riscv64/scan.c: a load or store access
 * fault; esr holds scause, far stval). */
bool probe_is_abort(const struct fault *f, bool *external);

/* ---- string.c: what GCC may call on its own ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

/* ---- image bounds (guest.ld), as run-time addresses ---- */
extern char __image_start[], __image_end[];

static inline uint64_t cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

#endif
