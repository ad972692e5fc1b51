/*
 * The test root's scenarios (tests/root/): the root server core (boot/)
 * linked with this code in place of boot/hook_none.c. The kernel command
 * line's test=<name> picks a scenario; without it the test root boots as
 * the shipped root does. A scenario starts servers and judges what they
 * report; it prints every "[test] PASS/FAIL" marker and "[test] DONE"
 * (tests/system/run.sh greps them). docs/root-server.md lists them.
 */
#ifndef TESTS_ROOT_SCENARIO_H
#define TESTS_ROOT_SCENARIO_H

#include "console.h"
#include "root.h"
#include "vm.h"
#include "vmconfig.h"

/* "[test] PASS what", "[test] FAIL what: why". */
void scn_pass(const char *what);
void scn_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A number on the kernel command line, "key=<n>" (make soak passes the
 * storms' sizes this way: tests/system/soak.sh); dflt without it. */
uint64_t scn_param(const char *key, uint64_t dflt);
/* Stop every server and print "[test] DONE" (the runner stops QEMU). */
void scn_done(void);

/* ---- inject.c: crash a server on root's timer (root_hook_timer) ---- */
/* Crash s every period_ms, count times in all (one server at a time). */
void inject_crashes(struct server *s, unsigned period_ms, unsigned count);
/* The same, but every `every`-th period crashes other instead (counted
 * when asked: inject_other_count). */
void inject_crashes_two(struct server *s, struct server *other, unsigned every,
			unsigned period_ms, unsigned count);
unsigned inject_other_count(void);
/* After inject_crashes_two: every every-th period crash third instead
 * (before other's turn is counted: the uplink driver, scn_net.c). */
void inject_crashes_third(struct server *third, unsigned every);
/* A point where a server can be crashed (keel/crashpoint.h). */
struct inject_point {
	struct server *s;
	uint32_t point;
	const char *name;
};
/* After inject_crashes(_two): every every-th period arm the next of the
 * n points instead, in turn, and make no other crash until it is hit or
 * INJ_POINT_WAIT_MS passed; each hit is logged as "[root] crash point:
 * SERVER at NAME" (tests/system/linux.sh counts those). */
void inject_points(struct inject_point *list, unsigned n, unsigned every);
void inject_stop(void);
/* s faulted (root_hook_faulted): the crash, if it was s's, counts. */
void inject_faulted(struct server *s);
/* Crashes made so far; nanoseconds since the last (instructions under
 * QEMU -icount shift=0). */
unsigned inject_count(void);
uint64_t inject_since_ns(void);
/* Crashes made whose fault never came (INJ_LOST_MS, inject.c): each is
 * made again, so inject_count still reaches the count. */
unsigned inject_lost(void);

/* ---- scenario.c: the table, dispatch, shared helpers ---- */
struct scenario {
	const char *name;
	void (*start)(void);
	/* A server reported (keel_report); returns root's answer. */
	uint64_t (*report)(struct server *s, unsigned kind, uint64_t value,
			   const char *text);
	/* A server faulted, after root restarted or stopped it. */
	void (*faulted)(struct server *s);
	/* A server called exit. */
	void (*exited)(struct server *s, int code);
};


/* Helpers the scenarios share (scenario.c). */
struct pp_pair {
	struct server *server, *client[2];
	unsigned nclients;
};
/* A pingpong server and up to two clients (priority 100 each); client i
 * calls with badge 0xa1 + 0x11 * i, `calls` times ("loop": report
 * progress forever). Servers are named <tag>-server, <tag>-client<i+1>.
 * crash_at: the server faults at that call (NULL: never); retry: clients
 * call again when the server's death cancels a call. */
struct pp_spec {
	const char *tag;
	unsigned cpu, prio; /* the server's */
	unsigned nclients;
	struct {
		unsigned cpu;
		const char *calls;
	} client[2];
	const char *crash_at;
	bool retry;
};
bool pp_start(struct pp_pair *p, const struct pp_spec *spec);

extern const struct scenario scenario_demo, scenario_boot, scenario_ipc, scenario_epqueue,
	scenario_libc, scenario_bench, scenario_nullderef, scenario_badcap,
	scenario_spin, scenario_stress, scenario_crash_remote;

/* tests/root/scn_vm.c */
extern const struct scenario scenario_vm_hello, scenario_vm_abort, scenario_vm_hvc,
	scenario_vm_timer, scenario_vm_mem, scenario_vm_scan, scenario_vm_hostile,
	scenario_vm_uirq, scenario_vm_devrestart, scenario_vm_sbi,
	scenario_vm_sbi_restart;

/* tests/root/scn_vmbench.c */
extern const struct scenario scenario_vm_restart, scenario_vm_restart_load,
	scenario_vm_restart_post, scenario_vm_bench;
/* tests/root/scn_smp.c: one VM with two vCPUs */
extern const struct scenario scenario_vm_smp;
/* tests/root/scn_hsoak.c: the hostile guest at scale beside a beating VM */
extern const struct scenario scenario_vm_hostile_soak;
/* tests/root/scn_rvhostile.c: riscv64's hostile guest beside a beating VM */
extern const struct scenario scenario_vm_hostile_sbi;
/* tests/root/scn_vm2.c: two VMs at once */
/* The guest image of a role that differs per architecture
 * (tests/root/arch/<arch>/guests.c). */
extern const char scn_guest_busy[];
/* The UART the seq guest writes to (scn_vmbench.c): aarch64's PL011 at
 * 0x09000000, riscv64's 16550 at 0x10000000 (tests/guests/seq.c). */
extern const struct vm_dev_spec scn_seq_uart;
extern const struct scenario scenario_vm_two, scenario_vm_isolation, scenario_vm_hostile2,
	scenario_vm_poweroff, scenario_vm_reset;

/* tests/root/scn_console.c */
extern const struct scenario scenario_con_echo, scenario_con_switch, scenario_con_restart,
	scenario_con_crash;

/* tests/root/scn_blk.c: the block driver on a real disk */
extern const struct scenario scenario_blk, scenario_disk_crash;
extern const struct scenario scenario_flash_crash; /* scn_flash.c */
/* tests/root/scn_vdev.c: virtio-rng and virtio-console under crashes */
extern const struct scenario scenario_vdev_crash;
extern const struct scenario scenario_net_crash; /* h-net: tests/root/scn_net.c */
/* tests/root/scn_cfg.c */
extern const struct scenario scenario_cfg, scenario_restart_policy;

#endif /* TESTS_ROOT_SCENARIO_H */
