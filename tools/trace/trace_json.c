/*
 * Keel trace -> Chrome trace-event JSON (see trace_json.h). Kinds and
 * layouts: keel/abi.h ("trace") and keel/trace.h; the numbers are copied
 * here (a host tool does not include the target ABI headers): keep them
 * in step with enum keel_trace_kind and enum keel_trace_user_kind.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "trace_json.h"

enum { K_EXIT = 1, K_IPC = 2, K_INJECT = 3, K_FAULT = 4,
       K_DEV_REQ = 16, K_DEV_DONE = 17, K_RESTART = 18 };
enum { PID_CPUS = 1, PID_SERVERS = 2, PID_VM0 = 3 };
#define EV_FIELDS 7
#define MAX_LANES 256
#define MAX_OPEN 64

struct lane { int pid, tid; char name[48]; };

struct conv {
	const cJSON *names;
	double hz, t0;
	cJSON *out;
	struct lane lane[MAX_LANES];
	int nlanes;
	struct { int pid, tid; double n, ts, sector, type; } open[MAX_OPEN];
};

static const char *exit_name(double label)
{
	static const char *const n[] = { "mmio", "hvc", "smc", "wfi", "sysreg", "unknown", "maint" };
	int i = (int)label - 0x1010;
	return i >= 0 && i < 7 ? n[i] : "exit";
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case K_EXIT: return "exit";
	case K_IPC: return "ipc";
	case K_INJECT: return "irq";
	case K_FAULT: return "fault";
	case K_DEV_REQ: case K_DEV_DONE: return "device request";
	case K_RESTART: return "restart";
	default: return "?";
	}
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static cJSON *event(struct conv *c, const char *ph, const char *name, int pid, int tid)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "ph", ph);
	cJSON_AddNumberToObject(e, "pid", pid);
	cJSON_AddNumberToObject(e, "tid", tid);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(c->out, "traceEvents"), e);
	return e;
}

static void meta(struct conv *c, const char *what, int pid, int tid, const char *name)
{
	cJSON *e = event(c, "M", what, pid, tid), *a = cJSON_AddObjectToObject(e, "args");
	cJSON_AddStringToObject(a, "name", name);
}

/* The lane (pid, tid) of the thread vmid/badge; named on first use. */
static void lane_of(struct conv *c, int vmid, int badge, int *pid, int *tid)
{
	const cJSON *n;
	char name[48];
	snprintf(name, sizeof(name), "vmid %d badge %d", vmid, badge);
	*pid = PID_SERVERS;
	*tid = vmid << 16 | badge;
	cJSON_ArrayForEach(n, c->names) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(n, "name");
		bool is_vm = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "vm"));
		if (num(n, "vmid") != vmid || !cJSON_IsString(nm) || (!is_vm && num(n, "badge") != badge))
			continue;
		if (is_vm) { /* a vCPU: badge KEEL_VMM_BADGE_VCPU(i) = 1 + i */
			*pid = PID_VM0 + vmid;
			*tid = badge;
			snprintf(name, sizeof(name), "%.30s vcpu%d", nm->valuestring, badge - 1);
		} else {
			snprintf(name, sizeof(name), "%.47s", nm->valuestring);
		}
		break;
	}
	for (int i = 0; i < c->nlanes; i++)
		if (c->lane[i].pid == *pid && c->lane[i].tid == *tid)
			return;
	if (c->nlanes == MAX_LANES)
		return;
	c->lane[c->nlanes++] = (struct lane){ .pid = *pid, .tid = *tid };
	meta(c, "thread_name", *pid, *tid, name);
}

static void args_of(cJSON *e, int kind, const double *v)
{
	cJSON *a = cJSON_AddObjectToObject(e, "args");
	char buf[32];
	cJSON_AddNumberToObject(a, "cpu", v[2]);
	if (kind == K_EXIT)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v[6]);
	if (kind == K_EXIT)
		cJSON_AddStringToObject(a, "mr0", buf);
	else if (kind == K_IPC)
		cJSON_AddNumberToObject(a, "badge", v[6]);
	else if (kind == K_INJECT)
		cJSON_AddNumberToObject(a, "intid", v[5]);
	else if (kind == K_FAULT)
		cJSON_AddNumberToObject(a, "label", v[5]);
	else if (kind == K_RESTART)
		cJSON_AddNumberToObject(a, "restarts", v[5]);
}

/* A request's name by its type: virtio-blk's own below 0x100, else enum
 * keel_trace_req_type (keel/trace.h; keep in step). */
#define REQ_OTHER 0x100
static const char *req_name(double type)
{
	static const char *const other[] = { "send", "receive", "output", "input", "entropy",
					     "flash read", "flash write" };
	int t = (int)type;
	if (t == 0 || t == 1)
		return t ? "write" : "read";
	t -= REQ_OTHER;
	return t >= 0 && t < (int)(sizeof(other) / sizeof(other[0])) ? other[t] : "request";
}

/* A DEV_DONE closes the DEV_REQ of the same request number on its lane.
 * arg0 (v[5]) is request number << 32 | type (DONE: | status), as the
 * servers log it (keel/trace.h). */
static void dev_done(struct conv *c, int pid, int tid, const double *v, double ts)
{
	double n = (double)((unsigned long long)v[5] >> 32);
	for (int i = 0; i < MAX_OPEN; i++) {
		if (c->open[i].pid != pid || c->open[i].tid != tid || c->open[i].n != n)
			continue;
		cJSON *e = event(c, "X", req_name(c->open[i].type), pid, tid);
		cJSON *a;
		cJSON_AddNumberToObject(e, "ts", c->open[i].ts);
		cJSON_AddNumberToObject(e, "dur", ts - c->open[i].ts);
		cJSON_AddStringToObject(e, "cat", "device request");
		a = cJSON_AddObjectToObject(e, "args");
		if (c->open[i].type < REQ_OTHER)
			cJSON_AddNumberToObject(a, "sector", c->open[i].sector);
		else if (c->open[i].type == REQ_OTHER + 2) /* output: its stream position */
			cJSON_AddNumberToObject(a, "position", c->open[i].sector);
		else if (c->open[i].type == REQ_OTHER + 5 || c->open[i].type == REQ_OTHER + 6)
			cJSON_AddNumberToObject(a, "offset", c->open[i].sector); /* in the flash */
		cJSON_AddNumberToObject(a, "bytes", v[6]);
		c->open[i].pid = 0;
		return;
	}
}

static void dev_req(struct conv *c, int pid, int tid, const double *v, double ts)
{
	for (int i = 0; i < MAX_OPEN; i++) {
		if (c->open[i].pid)
			continue;
		c->open[i].pid = pid;
		c->open[i].tid = tid;
		c->open[i].n = (double)((unsigned long long)v[5] >> 32);
		c->open[i].type = (double)((unsigned long long)v[5] & 0xffffffffu);
		c->open[i].sector = v[6];
		c->open[i].ts = ts;
		return;
	}
}

static const char *one_event(struct conv *c, const cJSON *ev)
{
	double v[EV_FIELDS];
	int kind, pid, tid, i = 0;
	const cJSON *x;
	char name[48];
	if (!cJSON_IsArray(ev) || cJSON_GetArraySize(ev) != EV_FIELDS)
		return "an event is not an array of 7 numbers";
	cJSON_ArrayForEach(x, ev) {
		if (!cJSON_IsNumber(x))
			return "an event is not an array of 7 numbers";
		v[i++] = x->valuedouble;
	}
	double ts = (v[0] - c->t0) * 1e6 / c->hz;
	/* A CPU that timed an event just before root turned the rings on
	 * records it just after (a vCPU thread descheduled in between, under
	 * load): it is before the trace, and left out. */
	if (ts < 0)
		return NULL;
	kind = (int)v[1];
	lane_of(c, (int)v[3], (int)v[4], &pid, &tid);
	if (kind == K_DEV_REQ || kind == K_DEV_DONE) {
		if (kind == K_DEV_REQ)
			dev_req(c, pid, tid, v, ts);
		else
			dev_done(c, pid, tid, v, ts);
		return NULL;
	}
	if (kind == K_EXIT)
		snprintf(name, sizeof(name), "exit %s", exit_name(v[5]));
	else
		snprintf(name, sizeof(name), "%s", kind_name(kind));
	for (int lane = 0; lane < 2; lane++) {
		cJSON *e = event(c, "i", name, lane ? pid : PID_CPUS, lane ? tid : (int)v[2]);
		cJSON_AddNumberToObject(e, "ts", ts);
		cJSON_AddStringToObject(e, "cat", kind_name(kind));
		cJSON_AddStringToObject(e, "s", "t");
		args_of(e, kind, v);
	}
	return NULL;
}

static void lanes_named(struct conv *c, int ncpus)
{
	const cJSON *n;
	char name[48];
	meta(c, "process_name", PID_CPUS, 0, "CPUs");
	meta(c, "process_name", PID_SERVERS, 0, "servers");
	for (int i = 0; i < ncpus; i++) {
		snprintf(name, sizeof(name), "CPU %d", i);
		meta(c, "thread_name", PID_CPUS, i, name);
	}
	cJSON_ArrayForEach(n, c->names) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(n, "name");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "vm")) && cJSON_IsString(nm))
			meta(c, "process_name", PID_VM0 + (int)num(n, "vmid"), 0, nm->valuestring);
	}
}

cJSON *trace_to_chrome(const cJSON *header, const cJSON *events, const char **why)
{
	static struct conv c;
	const cJSON *ev;
	cJSON *other;
	memset(&c, 0, sizeof(c));
	c.names = cJSON_GetObjectItemCaseSensitive(header, "names");
	c.hz = num(header, "timer_hz");
	c.t0 = num(header, "t_start");
	if (c.hz <= 0 || c.t0 < 0 || num(header, "ncpus") < 1 || !cJSON_IsArray(c.names) ||
	    !cJSON_IsArray(events)) {
		*why = "the trace header lacks timer_hz, t_start, ncpus or names";
		return NULL;
	}
	c.out = cJSON_CreateObject();
	cJSON_AddArrayToObject(c.out, "traceEvents");
	cJSON_AddStringToObject(c.out, "displayTimeUnit", "ms");
	other = cJSON_AddObjectToObject(c.out, "otherData");
	cJSON_AddStringToObject(other, "source", "keelctl trace");
	cJSON_AddNumberToObject(other, "lost", num(header, "lost"));
	cJSON_AddNumberToObject(other, "seconds", (num(header, "t_stop") - c.t0) / c.hz);
	lanes_named(&c, (int)num(header, "ncpus"));
	cJSON_ArrayForEach(ev, events) {
		if ((*why = one_event(&c, ev))) {
			cJSON_Delete(c.out);
			return NULL;
		}
	}
	return c.out;
}
