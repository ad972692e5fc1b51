/*
 * Scenarios that show the system working: demo (no test=), boot (SMP),
 * ipc, epqueue, libc and bench.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "scenario.h"

/* A failure report ends the scenario; returns true if it was one. */
static bool report_failed(const char *what, struct server *s, unsigned kind,
			  const char *text)
{
	if (kind != KEEL_REPORT_FAIL)
		return false;
	scn_fail(what, "%s: %s", s->name, text);
	scn_done();
	return true;
}

/* ---- demo: two pingpong pairs, one per CPU -------------------------------------- */

static unsigned demo_passed;

static void demo_start(void)
{
	static const struct pp_spec pp0 = {
		.tag = "pp0", .cpu = 0, .prio = 100, .nclients = 1,
		.client = { { 0, "10000" } },
	};
	static const struct pp_spec pp1 = {
		.tag = "pp1", .cpu = 1, .prio = 100, .nclients = 1,
		.client = { { 1, "10000" } },
	};
	struct pp_pair a, b;
	bool ok = pp_start(&a, &pp0);
	if (root_boot_info()->ncpus > 1)
		ok = ok && pp_start(&b, &pp1);
	if (!ok)
		kprintf("[root] demo: cannot start the pingpong pairs\n");
}

static uint64_t demo_report(struct server *s, unsigned kind, uint64_t value,
			    const char *text)
{
	unsigned pairs = root_boot_info()->ncpus > 1 ? 2 : 1;
	if (kind == KEEL_REPORT_FAIL)
		kprintf("[root] demo: %s failed: %s\n", s->name, text);
	if (kind == KEEL_REPORT_PASS && ++demo_passed == pairs)
		kprintf("[root] demo: %u pingpong pairs on %u CPUs made %lu checked "
			"calls each; idle now\n", pairs, pairs, (unsigned long)value);
	return KEEL_REPORT_CONTINUE;
}

static void demo_faulted(struct server *s)
{
	(void)s; /* logged and restarted already; the demo goes on */
}

const struct scenario scenario_demo = {
	.name = "demo", .start = demo_start, .report = demo_report,
	.faulted = demo_faulted,
};

/* ---- boot: both CPUs run servers ------------------------------------------------- */

static bool boot_hello, boot_pp;

static void boot_start(void)
{
	/* Across CPUs: each call wakes the other CPU (see ipc_start). */
	static const struct pp_spec smp = {
		.tag = "smp", .cpu = 1, .prio = 100, .nclients = 1,
		.client = { { 0, "500" } },
	};
	struct server *h;
	struct pp_pair p;
	if (root_boot_info()->ncpus != 2) {
		scn_fail("smp", "boot info says %u CPUs, want 2", root_boot_info()->ncpus);
		scn_done();
		return;
	}
	h = srv_create("hello", "hello-cpu1", NULL, 1, 100);
	if (!h || !srv_grant_report(h) || !srv_start(h) ||
	    !pp_start(&p, &smp)) {
		scn_fail("smp", "cannot start the servers");
		scn_done();
	}
}

static uint64_t boot_report(struct server *s, unsigned kind, uint64_t value,
			    const char *text)
{
	(void)value;
	if (report_failed("smp", s, kind, text))
		return KEEL_REPORT_STOP;
	if (kind == KEEL_REPORT_READY && strcmp(s->name, "hello-cpu1") == 0) {
		kprintf("[root] %s reported in: %s\n", s->name, text);
		boot_hello = true;
	}
	if (kind == KEEL_REPORT_PASS)
		boot_pp = true;
	if (boot_hello && boot_pp) {
		scn_pass("smp");
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_boot = {
	.name = "boot", .start = boot_start, .report = boot_report,
};

/* ---- ipc: one server, two clients with different badges, both CPUs --------------- */

/* Count PASS reports; `what` passes when `want` have arrived. */
static uint64_t count_passes(const char *what, unsigned want, unsigned *have,
			     struct server *s, unsigned kind, uint64_t value,
			     const char *text)
{
	if (report_failed(what, s, kind, text))
		return KEEL_REPORT_STOP;
	if (kind != KEEL_REPORT_PASS)
		return KEEL_REPORT_CONTINUE;
	kprintf("[root] %s: %lu calls checked (%s)\n", s->name, (unsigned long)value, text);
	if (++*have == want) {
		scn_pass(what);
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

static unsigned ipc_passed;

/* Client 1 shares the server's CPU; client 2 calls across CPUs. A
 * cross-CPU round trip wakes an idle CPU each way, which under QEMU's
 * multi-threaded TCG costs host thread wake-ups (milliseconds on a busy
 * host), so client 2 makes fewer calls. */
static void ipc_start(void)
{
	static const struct pp_spec ipc = {
		.tag = "ipc", .cpu = 0, .prio = 100, .nclients = 2,
		.client = { { 0, "10000" }, { 1, "1000" } },
	};
	struct pp_pair p;
	if (!pp_start(&p, &ipc)) {
		scn_fail("ipc", "cannot start the pingpong servers");
		scn_done();
	}
}

static uint64_t ipc_report(struct server *s, unsigned kind, uint64_t value,
			   const char *text)
{
	return count_passes("ipc", 2, &ipc_passed, s, kind, value, text);
}

const struct scenario scenario_ipc = {
	.name = "ipc", .start = ipc_start, .report = ipc_report,
};

/* ---- epqueue: callers queue up before the server receives -------------------------
 * The server runs below its two clients on one CPU, so both clients' calls
 * wait in the endpoint's send queue before it takes the first; the queue
 * must keep them both. */
static unsigned epq_passed;

static void epq_start(void)
{
	static const struct pp_spec epq = {
		.tag = "epq", .cpu = 0, .prio = 50, .nclients = 2,
		.client = { { 0, "300" }, { 0, "300" } },
	};
	struct pp_pair p;
	if (!pp_start(&p, &epq)) {
		scn_fail("epqueue", "cannot start the pingpong servers");
		scn_done();
	}
}

static uint64_t epq_report(struct server *s, unsigned kind, uint64_t value,
			   const char *text)
{
	return count_passes("epqueue", 2, &epq_passed, s, kind, value, text);
}

const struct scenario scenario_epqueue = {
	.name = "epqueue", .start = epq_start, .report = epq_report,
};

/* ---- libc: musl's Linux calls emulated by root ----------------------------------- */

static bool libc_passed;

static void libc_start(void)
{
	struct server *s = srv_create("libctest", "libctest", NULL, 0, 100);
	if (!s || !srv_grant_report(s) || !srv_start(s)) {
		scn_fail("libc", "cannot start libctest");
		scn_done();
	}
}

static uint64_t libc_report(struct server *s, unsigned kind, uint64_t value,
			    const char *text)
{
	(void)value;
	if (report_failed("libc", s, kind, text))
		return KEEL_REPORT_STOP;
	libc_passed = kind == KEEL_REPORT_PASS;
	return KEEL_REPORT_CONTINUE;
}

static void libc_exited(struct server *s, int code)
{
	if (code == 0 && libc_passed)
		scn_pass("libc");
	else
		scn_fail("libc", "%s exited with code %d%s", s->name, code,
			  libc_passed ? "" : " before reporting success");
	scn_done();
}

const struct scenario scenario_libc = {
	.name = "libc", .start = libc_start, .report = libc_report,
	.exited = libc_exited,
};

/* ---- bench: IPC round trips between two address spaces on one CPU ---------------- */

/* The client converts counter ticks with the boot info's timer frequency
 * (its argument): a test server cannot read the boot info, and riscv64's
 * timebase is the device tree's. */
static void bench_start(void)
{
	static char hz[24];
	static const char *const serve[] = { "serve", NULL }, *call[] = { "call", hz, NULL };
	snprintf(hz, sizeof(hz), "%lu", (unsigned long)root_boot_info()->timer_hz);
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	struct server *srv = srv_create("bench", "bench-server", serve, 0, 200);
	struct server *cli = srv_create("bench", "bench-client", call, 0, 200);
	if (!ep || !srv || !cli || !srv_grant_copy(srv, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    !srv_grant_mint(cli, KEEL_SRV_PEER, ep, KEEL_R_WRITE, 1) ||
	    !srv_grant_report(cli) || !srv_start(srv) || !srv_start(cli)) {
		scn_fail("bench", "cannot start the bench servers");
		scn_done();
	}
}

/* text is "name unit"; printed as the line tools/bench.sh collects. */
static void bench_print(uint64_t value, const char *text)
{
	const char *unit = strchr(text, ' ');
	int len = unit ? (int)(unit - text) : (int)strlen(text);
	kprintf("bench %.*s %lu %s\n", len, text, (unsigned long)value,
		unit ? unit + 1 : "");
}

static uint64_t bench_report(struct server *s, unsigned kind, uint64_t value,
			     const char *text)
{
	if (report_failed("bench", s, kind, text))
		return KEEL_REPORT_STOP;
	if (kind == KEEL_REPORT_BENCH)
		bench_print(value, text);
	if (kind == KEEL_REPORT_PASS) {
		scn_pass("bench");
		scn_done();
	}
	return KEEL_REPORT_CONTINUE;
}

const struct scenario scenario_bench = {
	.name = "bench", .start = bench_start, .report = bench_report,
};
