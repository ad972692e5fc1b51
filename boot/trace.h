/* Root's part of the trace (boot/trace.c; keel/trace.h). */
#ifndef BOOT_TRACE_H
#define BOOT_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "root.h"

/* Map the trace pages into the control server ctl (read-only there). */
bool trace_ctl_build(struct server *ctl);
/* A report: a server's KEEL_REPORT_TRACE_LOG, or ctl's KEEL_CTL_TRACE_*.
 * False if it is none of those. */
bool trace_report(struct server *s, const struct server *ctl, unsigned kind, uint64_t value,
		  uint64_t *answer);
/* Every server event (ctl.c): gathers a faulted server's log, records restarts. */
void trace_server_event(unsigned kind, const struct server *s);

#endif /* BOOT_TRACE_H */
