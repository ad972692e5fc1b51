/*
 * Keel trace -> Chrome trace-event JSON (tools/trace/trace_json.c), for
 * keelctl trace; pure, so tests/trace/ runs it on the host.
 *
 * In: the control server's chunks (docs/management.md, "trace"): the
 * first chunk's header (timer_hz, t_start, ncpus, names) and every
 * event [time, kind, cpu, vmid, badge, arg0, arg1]. Out: a JSON object
 * {"traceEvents":[...],"displayTimeUnit":"ms","otherData":{...}} that
 * Perfetto's UI and chrome://tracing open:
 *
 *   pid 1 "CPUs"     one tid per CPU: every event on the CPU it happened on
 *   pid 2 "servers"  one tid per server, pid 3.. one per VM (a tid per
 *                    vCPU): each event also on the lane of its thread
 *   "X" events       a device request, from DEV_REQ to its DEV_DONE
 *   "i" events       the rest (exit, ipc, inject, fault, restart)
 *   "M" events       process_name / thread_name for every lane
 *
 * ts in microseconds since the trace went on: (time - t_start) * 1e6 /
 * timer_hz.
 */
#ifndef TRACE_JSON_H
#define TRACE_JSON_H

#include <cjson/cJSON.h>

/* header: the first chunk (with "names"); events: every event, all chunks.
 * NULL with *why set if the header or an event is malformed. */
cJSON *trace_to_chrome(const cJSON *header, const cJSON *events, const char **why);

#endif /* TRACE_JSON_H */
