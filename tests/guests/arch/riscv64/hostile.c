/*
 * Guest "hostile" (riscv64): a seeded storm of what a misbehaving VS-mode
 * guest may do, on two harts, beside a VM whose heartbeat must go on
 * (tests/root/scn_rvhostile.c, test=vm-hostile-sbi). Its command line
 * (the device tree's bootargs) gives "ops=<n> seed=<s> ram=<bytes>".
 *
 *   hart 0  n operations, each picked at random (weights: storm_weights):
 *           loads and stores of 1, 2, 4 and 8 bytes, compressed or not,
 *           FP loads and stores, AMOs and LR/SC, at device, empty and
 *           past-RAM addresses (hostile_ops.c); the 16550's registers
 *           behind LCR.DLAB; M-mode, H-mode and VS CSRs and
 *           hypervisor-only instructions; random SBI calls, IPI and
 *           RFENCE floods, HSM with bad arguments (hostile_sbi.c); WFI
 *           with a timer up to 2 ms ahead
 *   hart 1  started by HSM, until hart 0 is done: IPIs to hart 0, to
 *           itself and garbage masks, WFI, random SBI calls, CSRs, then
 *           hart_stop
 *
 * Every exception comes back to the guest and is counted by cause and
 * stepped over (2 or 4 bytes); interrupts are taken and quieted (the
 * PLIC claimed and completed, the 16550 read, the timer put off). A line
 * of counts every eighth of the storm. Before it, hostile-virt-insn: the
 * reproducer of what the storm found (check_virt_insn). After it:
 *
 *   hostile-hart1  hart 1 stops when asked (HSM status STOPPED)
 *   hostile-sane   BASE, DBCN, the 16550 and the PLIC still answer as
 *                  they should
 *   hostile-done   the counts: operations, traps, interrupts
 *
 * and SRST shutdown, which ends the VM (root's vm-hostile-sbi).
 */
#include "hostile.h"

#define DEFAULT_OPS 20000ul
#define DEFAULT_SEED 0x686f7374696c65ul /* "hostile" */
#define DEFAULT_RAM (64ul << 20)
#define TEXT_OFFSET 0x200000ul /* head.S: where the loader put us in RAM */
#define EXT_PER_OP 64u /* then SEIE goes off until the next operation */

extern char __image_start[];

struct storm_counts counts[2];
volatile unsigned long trap_last_cause[2];
static volatile unsigned long ext_this_op[2];
static volatile unsigned long hart1_stop, hart1_running;
static struct guest_ram ram;

static const uint8_t storm_weights[OP_KINDS] = {
	[OP_LOAD] = 4, [OP_STORE] = 3, [OP_CLOAD] = 1, [OP_CSTORE] = 1, [OP_FP] = 1,
	[OP_AMO] = 2, [OP_UART] = 2, [OP_CSR] = 3, [OP_PRIV] = 1, [OP_SBI] = 3, [OP_WFI] = 1,
	[OP_IPI] = 1, [OP_HSM] = 1,
};
static const uint8_t hart1_weights[OP_KINDS] = {
	[OP_IPI] = 4, [OP_WFI] = 3, [OP_SBI] = 3, [OP_CSR] = 1, [OP_PRIV] = 1,
};

/* ---- traps ---- */

static void plic_irq(unsigned h)
{
	volatile uint32_t *claim = (volatile uint32_t *)PLIC_CLAIM(h);
	volatile uint8_t *u = (volatile uint8_t *)UART;
	uint32_t src = *claim;
	counts[h].ext++;
	if (src) {
		counts[h].ext_claimed++;
		if (src == UART_SOURCE)
			(void)(u[2] + u[5] + u[6] + u[0] + u[0]); /* IIR, LSR, MSR, RBR */
		*claim = src;
	}
	if (++ext_this_op[h] >= EXT_PER_OP) {
		csr_clear(sie, SIE_SEIE); /* a line the guest cannot quiet */
		counts[h].ext_masked++;
	}
}

static void guest_irq(unsigned h, unsigned long cause)
{
	if (cause == 1) {
		counts[h].soft++;
		csr_clear(sip, SIE_SSIE);
	} else if (cause == 5) {
		counts[h].timer++;
		sbi(EXT_TIME, 0, ~0ul, 0, 0);
	} else if (cause == 9) {
		plic_irq(h);
	}
}

/* sscratch holds the hart (0 or 1): the storm never writes it. */
__attribute__((interrupt("supervisor"), aligned(4))) void guest_trap(void)
{
	unsigned long h = csr_read(sscratch) & 1, cause = csr_read(scause), pc;
	if (cause & IRQ_BIT) {
		guest_irq((unsigned)h, cause & ~IRQ_BIT);
		return;
	}
	counts[h].traps[cause < TRAP_CAUSES ? cause : TRAP_CAUSES - 1]++;
	trap_last_cause[h] = cause;
	pc = csr_read(sepc);
	pc += (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
	csr_write(sepc, pc);
}

/* ---- the storm ---- */

static enum op_kind pick_op(struct rng *r, const uint8_t *w)
{
	unsigned total = 0, x;
	for (unsigned k = 0; k < OP_KINDS; k++)
		total += w[k];
	x = (unsigned)rng_below(r, total);
	for (unsigned k = 0;; k++) {
		if (x < w[k])
			return (enum op_kind)k;
		x -= w[k];
	}
}

static void irqs_on(unsigned h, unsigned long sie)
{
	csr_write(sscratch, h);
	csr_set(sstatus, SSTATUS_FS_INITIAL);
	csr_set(sie, sie);
	csr_set(sstatus, SSTATUS_SIE);
}

void guest_hart1(unsigned long hart, unsigned long seed)
{
	struct rng r = { seed ^ 0x9e3779b97f4a7c15ul };
	irqs_on(1, SIE_SSIE | SIE_STIE);
	__atomic_store_n(&hart1_running, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&hart1_stop, __ATOMIC_ACQUIRE))
		storm_op(1, pick_op(&r, hart1_weights), &r, &ram);
	csr_clear(sstatus, SSTATUS_SIE);
	sbi(EXT_HSM, 1, 0, 0, 0);
	(void)hart;
}

static unsigned long sum(const unsigned long *v, unsigned n)
{
	unsigned long s = 0;
	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* Four lines, each under the VMM's 120-character line. */
static void print_counts(const char *tag, unsigned h)
{
	const struct storm_counts *c = &counts[h];
	static const char op_names[OP_KINDS][6] = { /* no pointers: no absolute relocations */
		"ld", "st", "c.ld", "c.st", "fp", "amo", "dlab", "csr", "priv", "sbi", "wfi", "ipi",
		"hsm" };
	for (unsigned k = 0; k < OP_KINDS; k++) {
		if (k % 7 == 0) {
			out(tag);
			out(" ops");
		}
		out(" ");
		out(op_names[k]);
		out(" ");
		out_dec(c->ops[k]);
		if (k % 7 == 6 || k == OP_KINDS - 1)
			flush();
	}
	out(tag);
	out(" traps: illegal ");
	out_dec(c->traps[2]);
	out(" virt ");
	out_dec(c->traps[22]);
	out(" ld-access ");
	out_dec(c->traps[5]);
	out(" st-access ");
	out_dec(c->traps[7]);
	out(" misaligned ");
	out_dec(c->traps[4] + c->traps[6]);
	out(" break ");
	out_dec(c->traps[3]);
	out(" other ");
	out_dec(sum(c->traps, TRAP_CAUSES) - c->traps[2] - c->traps[22] - c->traps[5] -
		c->traps[7] - c->traps[4] - c->traps[6] - c->traps[3]);
	flush();
	out(tag);
	out(" irqs: soft ");
	out_dec(c->soft);
	out(" timer ");
	out_dec(c->timer);
	out(" ext ");
	out_dec(c->ext);
	out(" claimed ");
	out_dec(c->ext_claimed);
	out(" masked ");
	out_dec(c->ext_masked);
	out("; sbi ok ");
	out_dec(c->sbi_ok);
	out(" err ");
	out_dec(c->sbi_err);
	flush();
}

/* trace: print the first that many operations' kinds and seeds before
 * making them (trace=<n> on the command line), to find one that hangs. */
static void storm(struct rng *r, unsigned long ops, unsigned long trace)
{
	unsigned long step = ops / 8 ? ops / 8 : 1;
	for (unsigned long i = 0; i < ops; i++) {
		enum op_kind k = pick_op(r, storm_weights);
		ext_this_op[0] = 0;
		csr_set(sie, SIE_SEIE);
		if (i < trace) {
			out("[hostile] op ");
			out_dec(i);
			out(" kind ");
			out_dec(k);
			out(" rng ");
			out_hex(r->s);
			flush();
		}
		storm_op(0, k, r, &ram);
		if ((i + 1) % step == 0 && i + 1 < ops) {
			out("[hostile] ");
			out_dec(i + 1);
			out(" of ");
			out_dec(ops);
			out(" operations; hart 1 ");
			out_dec(sum(counts[1].ops, OP_KINDS));
			out(", ipis to hart 0 ");
			out_dec(counts[0].soft);
			flush();
		}
	}
}

static bool report(bool ok, const char *name, const char *what, unsigned long v)
{
	out(ok ? "[test] PASS " : "[test] FAIL ");
	out(name);
	out(": ");
	out(what);
	out(" ");
	out_dec(v);
	flush();
	return ok;
}

static long hart1_status(void) { return sbi(EXT_HSM, 2, 1, 0, 0).value; }

/* Within 5 s of the time CSR; how long it took, ~0 if not. */
static unsigned long wait_stopped(void)
{
	unsigned long t0 = now();
	while (hart1_status() != HSM_STOPPED)
		if (now() - t0 > 5000 * TICKS_PER_MS)
			return ~0ul;
	return (now() - t0) / TICKS_PER_MS;
}

static bool start_hart1(unsigned long seed)
{
	__atomic_store_n(&hart1_running, 0, __ATOMIC_RELEASE);
	return sbi(EXT_HSM, 0, 1, (unsigned long)guest_hart1_entry, seed).error == 0;
}

/* Asked to stop, hart 1 stops; started again (it finds the stop flag
 * set), it runs and stops again. */
static void check_hart1(unsigned long seed)
{
	unsigned long ms, t0;
	__atomic_store_n(&hart1_stop, 1, __ATOMIC_RELEASE);
	sbi(EXT_IPI, 0, 2, 0, 0); /* out of its WFI at once */
	ms = wait_stopped();
	if (!report(ms != ~0ul, "hostile-hart1-stop", "ms to stop", ms))
		return;
	bool started = start_hart1(seed);
	for (t0 = now(); started && !hart1_running && now() - t0 < 5000 * TICKS_PER_MS;)
		;
	report(started && hart1_running && wait_stopped() != ~0ul, "hostile-hart1",
	       "started again and stopped: running", hart1_running);
}

/* The devices and the firmware answer as before the storm. */
static void check_sane(void)
{
	volatile uint8_t *u = (volatile uint8_t *)UART;
	volatile uint32_t *prio10 = (volatile uint32_t *)(PLIC + 4 * UART_SOURCE);
	volatile uint32_t *thr0 = (volatile uint32_t *)(PLIC + 0x200000);
	bool base, uart, plic;
	csr_clear(sstatus, SSTATUS_SIE);
	base = sbi(EXT_BASE, 0, 0, 0, 0).value == 2l << 24 && sbi(EXT_BASE, 3, EXT_DBCN, 0, 0).value == 1;
	u[3] = 0x03; /* 8N1, DLAB off */
	u[1] = 0;
	u[4] = 0; /* no loopback */
	u[2] = 0x07; /* FIFOs on and cleared */
	u[0] = '\n'; /* ends a line of the storm's letters */
	uart = (u[5] & 0x60) == 0x60 && u[2] == 0xc1 && u[3] == 0x03;
	*prio10 = 5;
	*thr0 = 7;
	plic = *prio10 == 5 && *thr0 == 7;
	*prio10 = 0;
	*thr0 = 0;
	plic = plic && *prio10 == 0;
	out("[hostile] after the storm: base ");
	out_dec(base);
	out(" 16550 ");
	out_dec(uart);
	out(" plic ");
	out_dec(plic);
	report(flush().error == 0 && base && uart && plic, "hostile-sane",
	       "BASE, DBCN, 16550, PLIC answer: 16550 LSR", u[5]);
}

/* Found by the storm: a WFI, then hlv.d (from VS-mode a virtual
 * instruction, as the WFI was) must come back as an illegal instruction,
 * not be parked as the WFI before it (QEMU 7.2 gave the WFI's bits in
 * stval; arch/riscv64/vcpu.c reads the instruction itself now). A timer
 * 100 ms ahead ends the wait if it is parked. */
static void check_virt_insn(void)
{
	register unsigned long a0 __asm__("a0") = UART;
	unsigned long illegal = counts[0].traps[2], t0;
	csr_write(sscratch, 0);
	csr_set(sie, SIE_STIE); /* sstatus.SIE is off: nothing is taken */
	sbi(EXT_TIME, 0, now() + TICKS_PER_MS, 0, 0);
	__asm__ volatile("wfi" : : : "memory");
	sbi(EXT_TIME, 0, now() + 100 * TICKS_PER_MS, 0, 0);
	t0 = now();
	__asm__ volatile(".4byte 0x6c054573" : "+r"(a0) : : "memory"); /* hlv.d a0, (a0) */
	t0 = (now() - t0) / TICKS_PER_MS;
	sbi(EXT_TIME, 0, ~0ul, 0, 0);
	report(counts[0].traps[2] == illegal + 1 && t0 < 100, "hostile-virt-insn",
	       "hlv.d after a WFI: an illegal instruction, ms", t0);
}

void rv_main(unsigned long hart, const void *dtb)
{
	unsigned long ops = dtb_param(dtb, "ops=", DEFAULT_OPS);
	unsigned long seed = dtb_param(dtb, "seed=", DEFAULT_SEED);
	struct rng r = { seed ? seed : DEFAULT_SEED };
	unsigned long t0 = now();
	ram.base = (unsigned long)__image_start - TEXT_OFFSET;
	ram.size = dtb_param(dtb, "ram=", DEFAULT_RAM);
	out("[hostile] seed ");
	out_hex(seed);
	out(", ");
	out_dec(ops);
	out(" operations on hart 0, hart 1 beside it; RAM ");
	out_hex(ram.base);
	out(" + ");
	out_hex(ram.size);
	flush();
	if (!report(hart == 0 && start_hart1(r.s), "hostile-start", "hart 1 started, boot hart", hart))
		return;
	check_virt_insn();
	irqs_on(0, SIE_SSIE | SIE_STIE | SIE_SEIE);
	storm(&r, ops, dtb_param(dtb, "trace=", 0));
	csr_clear(sstatus, SSTATUS_SIE);
	sbi(EXT_TIME, 0, ~0ul, 0, 0);
	print_counts("[hostile] hart 0", 0);
	check_hart1(r.s);
	print_counts("[hostile] hart 1", 1);
	check_sane();
	out("[test] PASS hostile-done: ");
	out_dec(ops + sum(counts[1].ops, OP_KINDS));
	out(" operations, ");
	out_dec(sum(counts[0].traps, TRAP_CAUSES) + sum(counts[1].traps, TRAP_CAUSES));
	out(" exceptions, ");
	out_dec(counts[0].soft + counts[0].timer + counts[0].ext + counts[1].soft +
		counts[1].timer + counts[1].ext);
	out(" interrupts in ");
	out_dec((now() - t0) / TICKS_PER_MS);
	out(" ms");
	flush();
	sbi(EXT_SRST, 0, 0, 0, 0); /* shutdown */
	report(false, "hostile-poweroff", "SRST returned", 0);
}
