/*
 * The console server, root's side (boot/console.c): start it with the
 * physical UART and its interrupt, and connect each VM to it.
 */
#ifndef BOOT_CONSOLE_H
#define BOOT_CONSOLE_H

#include <stdbool.h>

#include "vm.h"

enum console_mode {
	CONSOLE_PREFIX = 0, /* every VM's lines, "[name] " first (test scenarios) */
	CONSOLE_SWITCH = 1, /* one VM at a time, raw; Ctrl-] n switches (make run) */
};

/* Create and start the console server on cpu. Once it runs, every VM
 * vm_create makes is connected to it (console_attach); the first one
 * has the console. false if it cannot (logged; VMs then print through
 * the kernel console, without input). */
bool console_start(enum console_mode mode, unsigned cpu);
/* Before a VM is made (boot/vm.c, from root's own pool): if
 * console_start was not called yet, start the console in CONSOLE_PREFIX
 * mode on cpu. */
void console_ensure(unsigned cpu);
/* Connect vm (from vm_create, before its servers start): its PL011
 * server's output and its VMM's input. Nothing if no console runs (the
 * PL011 server then prints through the kernel). */
bool console_attach(struct vm *vm, const struct vm_spec *spec);
/* A report from the console server that root acts on itself (Ctrl-] k:
 * crash a VM's PL011 server; Ctrl-] s: start a VM again,
 * vmrun_start_again); false if s or kind is not that. */
bool console_report(struct server *s, unsigned kind, uint64_t value);
/* vm is destroyed (boot/vm.c): the console marks it off until a VM is
 * attached in its entry again. */
void console_detach(struct vm *vm);
/* s started or stopped (boot/server.c): while the console server runs,
 * the kernel log goes to it; while it is stopped, to the UART from the
 * kernel, so no line waits for a reader that is not there. */
void console_log_follow(struct server *s);
/* The console server, or NULL. */
struct server *console_server(void);

#endif /* BOOT_CONSOLE_H */
