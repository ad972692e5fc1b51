/*
 * Guest "sbi" (riscv64): a VS-mode guest's firmware calls and devices
 * under Keel's VMM. It prints through SBI DBCN (the VMM's log) and
 * reports, in order:
 *
 *   sbi-dbcn    a DBCN write returns SUCCESS and its whole length
 *   sbi-base    BASE: spec version 2.0, DBCN probes as present, an
 *               unknown extension as absent and its call NOT_SUPPORTED
 *   sbi-mmio    the PL011 at 0x10001000 (a device server): FR read with
 *               a compressed and a full-size load, a line written to DR
 *   sbi-timer   TIME set_timer 10 ms ahead, WFI with the timer interrupt
 *               enabled: it comes once, no earlier than the deadline
 *   sbi-abort   a load and a store to guest-physical 0x20000000 (nothing
 *               there) come back as access faults (5, 7) at that address
 *   sbi-csr     a read of hstatus comes back as an illegal instruction
 *   sbi-hsm     HSM: hart 1 STOPPED, hart_start(1) runs it with a0 = 1,
 *               a1 = the opaque value, STARTED, it stops itself: STOPPED
 *   sbi-rfence  RFENCE sfence.vma to hart 1 (running: the VMM takes its
 *               state off its CPU) succeeds; to hart 2 (none) is refused
 *   sbi-ipi     IPI: hart 1, waiting in WFI with SSIE, takes the software
 *               interrupt hart 0 sends
 *   sbi-plic-pending  the PLIC (0x0c000000, the VMM's model): the PL011's
 *               source 10 at priority 1, enabled for hart 0's context,
 *               its TX interrupt unmasked (IMSC), a byte written to DR:
 *               the source reads pending while the threshold (1) holds
 *               it back, and no interrupt comes
 *   sbi-plic    threshold 0: the external interrupt (cause 9) comes in
 *               WFI (a timer a second away ends the wait if it does
 *               not: FAIL, not a hang); the handler claims 10, clears the PL011's TX
 *               interrupt (ICR) and completes it; with the line low the
 *               source is no longer pending (claims of 0, a line the
 *               VMM had not yet seen low, are allowed)
 *   sbi-uart-regs  the 16550 at 0x10000000 (QEMU virt's UART, the
 *               ns16550 server): reset values, a word load an access
 *               fault, the divisor latch, FIFOs on (IIR bits 7:6)
 *   sbi-uart    this marker's line written to THR
 *               a byte at a time, polling LSR.THRE (run.sh wants it
 *               exactly once)
 *   sbi-uart-irq  IER.ETBEI with THR empty: the THRE interrupt comes on
 *               PLIC source 10; the handler claims it, reads IIR (0xc2,
 *               which acknowledges it) and completes; IIR then reads
 *               "none" (0xc1)
 *
 * then "[test] DONE sbi" and SRST shutdown (a return is a FAIL).
 */
#include "rv.h"

#define PL011 0x10001000ul
#define PL011_FR_TXFF (1u << 5)
#define PL011_IMSC 0x38u
#define PL011_ICR 0x44u
#define PL011_INT_TX (1u << 5)
#define PL011_SOURCE 11u /* tests/root/scn_vm.c gives it this PLIC source */
#define UART 0x10000000ul /* the 16550, on QEMU virt's source (scn_vm.c) */
#define UART_SOURCE 10u
#define UART_THR 0u
#define UART_DLL 0u
#define UART_IER 1u
#define UART_DLM 1u
#define UART_IIR 2u
#define UART_FCR 2u
#define UART_LCR 3u
#define UART_LSR 5u
#define UART_LCR_DLAB 0x80u
#define UART_LSR_THRE 0x20u
#define UART_IER_ETBEI 0x02u
#define PLIC 0x0c000000ul
#define PLIC_PENDING (PLIC + 0x1000)
#define PLIC_ENABLE0 (PLIC + 0x2000)      /* context 0: hart 0's S-mode */
#define PLIC_THRESHOLD0 (PLIC + 0x200000)
#define PLIC_CLAIM0 (PLIC + 0x200004)
#define HOLE 0x20000000ul
#define SIP_SSIP (1ul << 1)
#define TICKS_10MS 100000ul /* the device tree's timebase is 10 MHz */
#define OPAQUE 0x5eedf00dul

static bool report(bool ok, const char *name, const char *what, unsigned long v)
{
	out(ok ? "[test] PASS " : "[test] FAIL ");
	out(name);
	out(": ");
	out(what);
	out(" ");
	out_hex(v);
	flush();
	return ok;
}

/* ---- traps: an access fault is recorded and stepped over ---- */

static volatile unsigned long trap_cause, trap_tval, trap_count, timer_irqs, timer_at;
static volatile unsigned long ext_irqs, ext_claimed, ext_spurious, ext_other;
static volatile unsigned long uart_claimed, uart_iir;

static volatile uint32_t *mmio32(unsigned long a) { return (volatile uint32_t *)a; }
static volatile uint8_t *uart_reg(unsigned r) { return (volatile uint8_t *)(UART + r); }

/* The PLIC's protocol: claim, quiet the device, complete. A claim of 0
 * (nothing left) needs no completion. */
static void plic_irq(void)
{
	uint32_t src = *mmio32(PLIC_CLAIM0);
	ext_irqs++;
	if (!src) {
		ext_spurious++;
		return;
	}
	if (src == PL011_SOURCE) {
		ext_claimed++;
		*mmio32(PL011 + PL011_ICR) = PL011_INT_TX;
	} else if (src == UART_SOURCE) {
		uart_claimed++;
		uart_iir = *uart_reg(UART_IIR); /* acknowledges THRE */
	} else {
		ext_other++;
	}
	*mmio32(PLIC_CLAIM0) = src;
}

/* A timer interrupt masks itself (STIE) and notes when it came. */
static void guest_irq(unsigned long cause)
{
	if (cause == (1ul << 63 | 5)) {
		timer_irqs++;
		timer_at = csr_read(time);
		csr_clear(sie, SIE_STIE);
	} else if (cause == (1ul << 63 | 9)) {
		plic_irq();
	}
}

/* 4-byte aligned: stvec's low bits are its mode (2 and 3 are reserved,
 * and a write of them is ignored). */
__attribute__((interrupt("supervisor"), aligned(4))) void guest_trap(void)
{
	unsigned long pc = csr_read(sepc), cause = csr_read(scause);
	if (cause >> 63) {
		guest_irq(cause);
		return;
	}
	trap_cause = cause;
	trap_tval = csr_read(stval);
	trap_count++;
	pc += (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
	__asm__ volatile("csrw sepc, %0" : : "r"(pc));
}

/* ---- the checks ---- */

static void check_dbcn(void)
{
	static const char hello[] = "[sbi] hello from VS-mode";
	struct sbiret r;
	unsigned long len = sizeof(hello); /* and the newline flush adds */
	out(hello);
	r = flush();
	report(r.error == 0 && (unsigned long)r.value == len, "sbi-dbcn", "write returned",
	       (unsigned long)r.value);
}

static void check_base(void)
{
	struct sbiret v = sbi(EXT_BASE, 0, 0, 0, 0);
	struct sbiret p = sbi(EXT_BASE, 3, EXT_DBCN, 0, 0);
	struct sbiret q = sbi(EXT_BASE, 3, 0x0a0b0c0d, 0, 0);
	struct sbiret u = sbi(0x0a0b0c0d, 0, 0, 0, 0);
	report(v.error == 0 && v.value == 2l << 24 && p.value == 1 && q.value == 0 &&
		       u.error == SBI_ERR_NOT_SUPPORTED,
	       "sbi-base", "spec version", (unsigned long)v.value);
}

/* FR read by a compressed load (c.lw, x8..x15) and a full-size one, then
 * a line out of DR: each access an exit to the PL011's server. */
static void check_mmio(void)
{
	register unsigned long base __asm__("a4") = PL011;
	register unsigned long fr1 __asm__("a5");
	unsigned long fr2;
	const char *s = "[test] PASS sbi-mmio: through the PL011 server\n";
	__asm__ volatile(".option push\n.option rvc\nc.lw %0, 24(%1)\n.option pop"
			 : "=r"(fr1) : "r"(base) : "memory");
	__asm__ volatile(".option push\n.option norvc\nlw %0, 24(%1)\n.option pop"
			 : "=r"(fr2) : "r"(base) : "memory");
	if (trap_count || (fr1 & PL011_FR_TXFF) != (fr2 & PL011_FR_TXFF)) {
		report(false, "sbi-mmio", "FR reads", fr1);
		return;
	}
	for (; *s; s++)
		*(volatile uint32_t *)PL011 = (uint8_t)*s;
}

/* The interrupt itself, not sip.STIP: QEMU 7.2 reads the guest's
 * sip.STIP as 0 under Sstc (docs/riscv64.md). */
static void check_timer(void)
{
	unsigned long t0 = now();
	sbi(EXT_TIME, 0, t0 + TICKS_10MS, 0, 0);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	for (unsigned i = 0; i < 1000 && !timer_irqs; i++)
		__asm__ volatile("wfi");
	csr_clear(sstatus, SSTATUS_SIE);
	sbi(EXT_TIME, 0, ~0ul, 0, 0);
	report(timer_irqs == 1 && timer_at >= t0 + TICKS_10MS, "sbi-timer", "ticks waited",
	       timer_at - t0);
}

static void check_abort(void)
{
	unsigned long v = 0;
	trap_count = 0;
	__asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(HOLE) : "memory");
	if (!report(trap_count == 1 && trap_cause == 5 && trap_tval == HOLE, "sbi-abort-load",
		    "cause", trap_cause))
		return;
	trap_count = 0;
	__asm__ volatile("sw %0, 4(%1)" : : "r"(v), "r"(HOLE) : "memory");
	report(trap_count == 1 && trap_cause == 7 && trap_tval == HOLE + 4, "sbi-abort",
	       "store cause", trap_cause);
}

/* hstatus (0x600) is the hypervisor's: from VS-mode a virtual-instruction
 * trap, which the VMM answers with an illegal instruction. */
static void check_csr(void)
{
	unsigned long v = 0;
	trap_count = 0;
	__asm__ volatile(".option push\n.option norvc\ncsrr %0, 0x600\n.option pop"
			 : "=r"(v) : : "memory");
	report(trap_count == 1 && trap_cause == 2, "sbi-csr", "hstatus read: cause", trap_cause);
}

/* ---- two harts ---- */

static volatile unsigned long hart1_a0, hart1_a1, hart1_ready, hart1_ipi;

void guest_hart1(unsigned long hart, unsigned long opaque)
{
	hart1_a0 = hart;
	hart1_a1 = opaque;
	csr_set(sie, SIP_SSIP);
	__atomic_store_n(&hart1_ready, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < 100000 && !(csr_read(sip) & SIP_SSIP); i++)
		__asm__ volatile("wfi");
	hart1_ipi = csr_read(sip) & SIP_SSIP;
	csr_clear(sip, SIP_SSIP);
	sbi(EXT_HSM, 1, 0, 0, 0); /* hart_stop: does not return */
	hart1_ipi = 2;
}

static bool wait_for(volatile unsigned long *flag, unsigned long ticks)
{
	unsigned long t0 = now();
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (now() - t0 > ticks)
			return false;
	return true;
}

static long hart1_status(void) { return sbi(EXT_HSM, 2, 1, 0, 0).value; }

static void check_hsm(void)
{
	long before = hart1_status(), started;
	struct sbiret r;
	unsigned long t0;
	r = sbi(EXT_HSM, 0, 1, (unsigned long)guest_hart1_entry, OPAQUE);
	started = hart1_status();
	if (!report(before == HSM_STOPPED && r.error == 0 && wait_for(&hart1_ready, 500 * TICKS_10MS) &&
			    hart1_a0 == 1 && hart1_a1 == OPAQUE,
		    "sbi-hsm-start", "hart 1 a1", hart1_a1))
		return;
	r = sbi(EXT_RFENCE, 1, 1ul << 1, 0, 0); /* sfence.vma on hart 1, in WFI */
	report(r.error == 0 && sbi(EXT_RFENCE, 1, 1ul << 2, 0, 0).error == SBI_ERR_INVALID_PARAM,
	       "sbi-rfence", "error", (unsigned long)r.error);
	r = sbi(EXT_IPI, 0, 1ul << 1, 0, 0);
	for (t0 = now(); hart1_status() != HSM_STOPPED && now() - t0 < 500 * TICKS_10MS;)
		;
	report(r.error == 0 && hart1_ipi == SIP_SSIP, "sbi-ipi", "hart 1 saw sip", hart1_ipi);
	report(started == HSM_STARTED && hart1_status() == HSM_STOPPED, "sbi-hsm",
	       "status after stop", (unsigned long)hart1_status());
}

/* ---- the PLIC and a device's interrupt ---- */

static bool pl011_pending(void)
{
	return (*mmio32(PLIC_PENDING) >> PL011_SOURCE) & 1;
}

/* The source pending at the PLIC, held back by the threshold. The DR
 * write may wait in the PL011's post page up to a millisecond before its
 * server sees it and tells the VMM its line is high. */
static bool check_plic_pending(void)
{
	unsigned long t0;
	*mmio32(PLIC + 4 * PL011_SOURCE) = 1;
	*mmio32(PLIC_THRESHOLD0) = 1;
	*mmio32(PLIC_ENABLE0) = 1u << PL011_SOURCE;
	*mmio32(PL011 + PL011_ICR) = 0x7ff;
	*mmio32(PL011 + PL011_IMSC) = PL011_INT_TX;
	csr_set(sie, SIE_SEIE);
	csr_set(sstatus, SSTATUS_SIE);
	if (pl011_pending() || ext_irqs)
		return report(false, "sbi-plic-pending", "before the write: irqs", ext_irqs);
	*mmio32(PL011) = '\n';
	for (t0 = now(); !pl011_pending() && now() - t0 < 100 * TICKS_10MS;)
		;
	return report(pl011_pending() && !ext_irqs, "sbi-plic-pending", "irqs", ext_irqs);
}

static void check_plic(void)
{
	unsigned long t0;
	bool ok = check_plic_pending();
	t0 = now();
	sbi(EXT_TIME, 0, t0 + 100 * TICKS_10MS, 0, 0); /* a WFI that nothing ends: FAIL */
	csr_set(sie, SIE_STIE);
	*mmio32(PLIC_THRESHOLD0) = 0;
	while (ok && !ext_claimed && now() - t0 < 100 * TICKS_10MS)
		__asm__ volatile("wfi");
	sbi(EXT_TIME, 0, ~0ul, 0, 0);
	while (ok && pl011_pending() && now() - t0 < 200 * TICKS_10MS)
		; /* the VMM may see the line low a little after the ICR */
	csr_clear(sstatus, SSTATUS_SIE);
	*mmio32(PL011 + PL011_IMSC) = 0;
	if (ok)
		report(ext_claimed >= 1 && !ext_other && !pl011_pending() &&
			       ext_irqs == ext_claimed + ext_spurious,
		       "sbi-plic", "claims of the PL011", ext_claimed);
}

/* ---- the 16550 ---- */

/* Reset values, a word load refused (an access fault: the registers
 * are bytes), the divisor latch behind LCR.DLAB, FIFOs on: IIR then
 * reads 0xc1 (FIFOs, no interrupt). */
static bool uart_setup(void)
{
	bool reset = *uart_reg(UART_LSR) == 0x60 && *uart_reg(UART_IIR) == 0x01 &&
		     *uart_reg(UART_LCR) == 0;
	bool latch, refused;
	trap_count = 0;
	(void)*mmio32(UART + 4);
	refused = trap_count == 1 && trap_cause == 5 && trap_tval == UART + 4;
	*uart_reg(UART_LCR) = UART_LCR_DLAB;
	*uart_reg(UART_DLL) = 0x01;
	*uart_reg(UART_DLM) = 0x02;
	latch = *uart_reg(UART_DLL) == 0x01 && *uart_reg(UART_DLM) == 0x02;
	*uart_reg(UART_LCR) = 0x03; /* 8N1 */
	*uart_reg(UART_FCR) = 0x07; /* FIFOs on and cleared */
	return report(reset && refused && latch && *uart_reg(UART_IIR) == 0xc1 &&
			      *uart_reg(UART_IER) == 0,
		      "sbi-uart-regs", "IIR", *uart_reg(UART_IIR));
}

/* The marker's line a byte at a time, each after LSR.THRE. */
static void uart_puts(const char *s)
{
	for (; *s; s++) {
		for (unsigned i = 0; i < 100000 && !(*uart_reg(UART_LSR) & UART_LSR_THRE); i++)
			;
		*uart_reg(UART_THR) = (uint8_t)*s;
	}
}

/* ETBEI with THR empty raises THRE at once, on source 10; the handler
 * claims it and reads IIR (plic_irq). A timer ends a wait nothing ends. */
static void uart_irq(void)
{
	unsigned long t0 = now();
	*mmio32(PLIC + 4 * UART_SOURCE) = 1;
	*mmio32(PLIC_ENABLE0) = 1u << UART_SOURCE;
	*mmio32(PLIC_THRESHOLD0) = 0;
	sbi(EXT_TIME, 0, t0 + 100 * TICKS_10MS, 0, 0);
	csr_set(sie, SIE_SEIE | SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	*uart_reg(UART_IER) = UART_IER_ETBEI;
	while (!uart_claimed && now() - t0 < 100 * TICKS_10MS)
		__asm__ volatile("wfi");
	sbi(EXT_TIME, 0, ~0ul, 0, 0);
	csr_clear(sstatus, SSTATUS_SIE);
	report(uart_claimed == 1 && uart_iir == 0xc2 && *uart_reg(UART_IIR) == 0xc1 &&
		       !ext_other,
	       "sbi-uart-irq", "IIR in the handler", uart_iir);
	*uart_reg(UART_IER) = 0;
}

static void check_uart(void)
{
	if (!uart_setup())
		return;
	uart_puts("[test] PASS sbi-uart: through the ns16550 server\n");
	uart_irq();
}

void rv_main(unsigned long hart, const void *dtb)
{
	(void)dtb;
	if (hart != 0) {
		report(false, "sbi-boot", "boot hart", hart);
		return;
	}
	check_dbcn();
	check_base();
	check_mmio();
	check_timer();
	check_abort();
	check_csr();
	check_hsm();
	check_plic();
	check_uart();
	out("[test] DONE sbi");
	flush();
	sbi(EXT_SRST, 0, 0, 0, 0); /* shutdown */
	report(false, "sbi-poweroff", "SRST returned", 0);
}
