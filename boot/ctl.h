/*
 * The control server, root's side (boot/ctl.c, keel/ctl.h): start it on
 * the machine's virtio console, do what it asks, and keep the events and
 * per-VM facts that keelctl shows (docs/management.md).
 */
#ifndef BOOT_CTL_H
#define BOOT_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

/* Start the control server on cpu if the machine has a virtio console
 * (make run gives one); otherwise say so and do nothing. */
void ctl_start(unsigned cpu);
/* A report root acts on here: a request of the control server, or a
 * VMM telling where its counters are. False if it is neither. */
bool ctl_report(struct server *s, unsigned kind, uint64_t value, const char *text,
		uint64_t *answer);
/* Record a state change (enum keel_ctl_event_kind) of VM vm or server
 * server (either may be NULL), with the time. */
void ctl_event(unsigned kind, const char *vm, const char *server);
/* The same for a server, named with its VM. */
void ctl_server_event(unsigned kind, const struct server *s);
/* VM vm's VMM reported READY: it runs, its uptime starts now. */
void ctl_vm_started(const struct vm *vm);

#endif /* BOOT_CTL_H */
