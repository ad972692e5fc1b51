/*
 * Console scenarios (docs/vm.md, "Console"): the console server owns the
 * UART, VMs run guest-echo, and tests/system/run.sh types on QEMU's
 * stdin once a marker appears. The guests never power off; run.sh judges
 * the markers (and tests/system/check-console.sh their order and count).
 *
 *   test=        console  VMs (CPU)        typed                 checked
 *   con-echo     prefix   vm1 echo (1)     two lines at once     vm1 echoes both
 *   con-switch   switch   vm1, vm2 echo    a line, Ctrl-] 2, a   each line echoed
 *                         (0)              line, Ctrl-] 1, a     once, by the VM
 *                                          line                  that had the console
 *   con-restart  prefix   vm1 echo (1),    a line                echoed once and
 *                         PL011 crashrx=1,2                      whole, after 2
 *                                                                PL011 restarts
 *   con-crash    switch,  as con-switch    as con-switch         as con-switch,
 *                crash=8                                         and the console
 *                                                                restarted once
 *
 * con-restart: the PL011 server crashes after the first input batch is in
 * its FIFO (state page) but before it answers, and its successor crashes
 * the same way on the VMM's retry; the third instance answers the retry
 * (same sequence number: nothing taken twice) and the guest reads every
 * byte once.
 *
 * con-crash: the guest's UART has its FIFO off, so each byte after the
 * first of a burst is fetched by a call that also drops the byte before
 * it: "alpha\r" makes at most 5 such fetches, so the 8th is within
 * "bravo..." (typed for vm2 after the switch). The console server crashes
 * there, after its queue changed and before it answers. Root restarts it; the VMM's retry
 * carries the same sequence number, so nothing is dropped twice, and the
 * new instance finds in its state page that vm2 has the console and
 * what each VM's queue and ring hold.
 */
#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "scenario.h"

#define CS_NVM 2u

static const char *cs_name;
static struct vm *cs_vm[CS_NVM];
static unsigned cs_nvm, cs_restarts;
static bool cs_console_crash;

#define cs_fail(...)                              \
	do {                                      \
		scn_fail(cs_name, __VA_ARGS__); \
		scn_done();                      \
	} while (0)

static bool cs_vm_make(unsigned i, unsigned cpu, const char *pl011_arg)
{
	static const char *const name[CS_NVM] = { "vm1", "vm2" };
	const struct vm_spec spec = {
		.name = name[i], .image = "guest-echo", .ram_base = 0x40000000ull,
		.ram_size = 64ull << 20, .cpu = cpu, .ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09000000ull,
			   .size = 0x1000, .intid = 33, .arg = pl011_arg } },
	};
	return (cs_vm[i] = vm_create(&spec)) != NULL;
}

static void cs_start(const char *scn, enum console_mode mode, unsigned nvm,
		     const char *pl011_arg, const char *console_arg)
{
	unsigned cpu = nvm == 1 && root_bootinfo()->ncpus > 1 ? 1 : 0;
	cs_name = scn;
	cs_nvm = nvm;
	if (!console_start(mode, cpu, console_arg)) {
		cs_fail("cannot start the console server");
		return;
	}
	for (unsigned i = 0; i < nvm; i++)
		if (!cs_vm_make(i, cpu, pl011_arg)) {
			cs_fail("cannot create VM %u", i + 1);
			return;
		}
	for (unsigned i = 0; i < nvm; i++)
		if (!vm_start(cs_vm[i])) {
			cs_fail("cannot start VM %s", cs_vm[i]->name);
			return;
		}
}

static uint64_t cs_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	if (kind == KEEL_REPORT_READY)
		kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
	else if (kind == KEEL_REPORT_BENCH)
		kprintf("[root] %s serving again %lu instructions after its crash\n", s->name,
			(unsigned long)value);
	else if (kind == KEEL_REPORT_VM_STOPPED)
		cs_fail("%s stopped: %s", s->name, text);
	else if (kind == KEEL_REPORT_FAIL)
		cs_fail("%s: %s", s->name, text);
	return KEEL_REPORT_CONTINUE;
}

/* fault.c has logged the fault and restarted the server. Only the server
 * under test may crash: con-restart's PL011 twice, con-crash's console
 * once. */
static void cs_faulted(struct server *s)
{
	if (cs_console_crash && s == console_server() && s->state == SRV_RUNNING &&
	    ++cs_restarts == 1) {
		scn_pass("con-console-restarts: 1");
		return;
	}
	if (cs_console_crash || cs_nvm != 1 || s != cs_vm[0]->dev[0] ||
	    s->state != SRV_RUNNING || ++cs_restarts > 2) {
		cs_fail("server %s faulted (not the PL011 under test)", s->name);
		return;
	}
	if (cs_restarts == 2)
		scn_pass("con-pl011-restarts: 2");
}

static void con_echo(void) { cs_start("con-echo", CONSOLE_PREFIX, 1, NULL, NULL); }
static void con_switch(void) { cs_start("con-switch", CONSOLE_SWITCH, 2, NULL, NULL); }

static void con_restart(void)
{
	cs_start("con-restart", CONSOLE_PREFIX, 1, "crashrx=1,2", NULL);
}

static void con_crash(void)
{
	cs_console_crash = true;
	cs_start("con-crash", CONSOLE_SWITCH, 2, NULL, "crash=8");
}

const struct scenario scenario_con_echo = { .name = "con-echo", .start = con_echo,
					    .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_switch = { .name = "con-switch", .start = con_switch,
					      .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_restart = { .name = "con-restart", .start = con_restart,
					       .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_crash = { .name = "con-crash", .start = con_crash,
					     .report = cs_report, .faulted = cs_faulted };
