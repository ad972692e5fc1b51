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
 *   con-restart  prefix   vm1 echo (1)     a line                echoed once and
 *                                                                whole; PL011
 *                                                                restarted
 *   con-crash    switch   as con-switch    as con-switch         as con-switch,
 *                                                                and the console
 *                                                                restarted
 *
 * con-restart and con-crash crash a server under the running VMs
 * (inject.c: root's own srv_crash, no hook in the server), every
 * CS_PERIOD_MS from the moment the first VMM reports its guest started:
 * con-restart the PL011 server CS_CRASHES times, con-crash the console
 * server once. Each restarted server resumes from its state page (the
 * UART's registers; the console's focus, queues and rings), so what is
 * typed afterwards is echoed once, by the right VM. Root prints
 * con-pl011-restarts after the second restart, con-console-restarts after
 * the first. The crashes come at times, not at chosen requests, and these
 * land before the typing: crashing the servers at 20 Hz through the typing
 * found a line echoed twice and typed bytes lost (docs/root-server.md).
 */
#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "scenario.h"

#define CS_NVM 2u
#define CS_PERIOD_MS 50u
#define CS_CRASHES 2u /* con-restart's; con-crash crashes the console once */

/* The crashed servers may restart as often as the scenario crashes them. */
static const struct srv_policy cs_policy = { false, 2 * CS_CRASHES, 0, 0 };

static const char *cs_name;
static struct vm *cs_vm[CS_NVM];
static unsigned cs_nvm, cs_restarts;
static bool cs_console_crash, cs_pl011_crash, cs_injecting;

#define cs_fail(...)                              \
	do {                                      \
		scn_fail(cs_name, __VA_ARGS__); \
		scn_done();                      \
	} while (0)

static bool cs_vm_make(unsigned i, unsigned cpu)
{
	static const char *const name[CS_NVM] = { "vm1", "vm2" };
	const struct vm_spec spec = {
		.name = name[i], .image = "guest-echo", .ram_base = 0x40000000ull,
		.ram_size = 64ull << 20, .cpu = cpu, .ndev = 1,
		.dev = { { .prog = "pl011", .kind = KEEL_VM_DEV_PL011, .base = 0x09000000ull,
			   .size = 0x1000, .intid = 33,
			   .restart = cs_pl011_crash ? &cs_policy : NULL } },
	};
	return (cs_vm[i] = vm_create(&spec)) != NULL;
}

static void cs_start(const char *scn, enum console_mode mode, unsigned nvm)
{
	unsigned cpu = nvm == 1 && root_boot_info()->ncpus > 1 ? 1 : 0;
	cs_name = scn;
	cs_nvm = nvm;
	if (!console_start(mode, cpu)) {
		cs_fail("cannot start the console server");
		return;
	}
	if (cs_console_crash)
		srv_set_policy(console_server(), &cs_policy);
	for (unsigned i = 0; i < nvm; i++)
		if (!cs_vm_make(i, cpu)) {
			cs_fail("cannot create VM %u", i + 1);
			return;
		}
	for (unsigned i = 0; i < nvm; i++)
		if (!vm_start(cs_vm[i])) {
			cs_fail("cannot start VM %s", cs_vm[i]->name);
			return;
		}
}

/* Once the first guest runs: crash the server under test. */
static void cs_inject(void)
{
	if (cs_injecting || !(cs_console_crash || cs_pl011_crash))
		return;
	cs_injecting = true;
	inject_crashes(cs_console_crash ? console_server() : cs_vm[0]->dev[0], CS_PERIOD_MS,
		       cs_console_crash ? 1 : CS_CRASHES);
}

static uint64_t cs_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	if (kind == KEEL_REPORT_READY) {
		kprintf("[root] %s: %s at 0x%lx\n", s->name, text, (unsigned long)value);
		cs_inject();
	} else if (kind == KEEL_REPORT_VM_STOPPED)
		cs_fail("%s stopped: %s", s->name, text);
	else if (kind == KEEL_REPORT_FAIL)
		cs_fail("%s: %s", s->name, text);
	return KEEL_REPORT_CONTINUE;
}

/* boot/fault.c has logged the fault and restarted the server. Only the
 * server under test may crash: con-restart's PL011, con-crash's console. */
static void cs_faulted(struct server *s)
{
	struct server *want = cs_console_crash ? console_server()
			      : cs_pl011_crash ? cs_vm[0]->dev[0] : NULL;
	if (!want || s != want || s->state != SRV_RUNNING) {
		cs_fail("server %s faulted (not the server under test)", s->name);
		return;
	}
	cs_restarts++;
	if (cs_console_crash && cs_restarts == 1)
		scn_pass("con-console-restarts: 1");
	else if (cs_pl011_crash && cs_restarts == 2)
		scn_pass("con-pl011-restarts: 2");
}

static void con_echo(void) { cs_start("con-echo", CONSOLE_PREFIX, 1); }
static void con_switch(void) { cs_start("con-switch", CONSOLE_SWITCH, 2); }

static void con_restart(void)
{
	cs_pl011_crash = true;
	cs_start("con-restart", CONSOLE_PREFIX, 1);
}

static void con_crash(void)
{
	cs_console_crash = true;
	cs_start("con-crash", CONSOLE_SWITCH, 2);
}

const struct scenario scenario_con_echo = { .name = "con-echo", .start = con_echo,
					    .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_switch = { .name = "con-switch", .start = con_switch,
					      .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_restart = { .name = "con-restart", .start = con_restart,
					       .report = cs_report, .faulted = cs_faulted };
const struct scenario scenario_con_crash = { .name = "con-crash", .start = con_crash,
					     .report = cs_report, .faulted = cs_faulted };
