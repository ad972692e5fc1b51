/*
 * keelctl trace, the control server's part (docs/management.md, "trace"):
 * {"cmd":"trace","action":"start"|"stop"|"read","from":N}. start and stop
 * are root's (KEEL_CTL_TRACE_START/STOP); read asks root for the events
 * from N on (KEEL_CTL_TRACE_READ, keel/trace.h) and sends them as arrays
 * [time, kind, cpu, vmid, badge, arg0, arg1] (every value below 2^53, so
 * a JSON number read as a double holds it exactly), with the thread names on the first
 * chunk. keelctl asks again from N + count until it has total.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_req.h"

static const char *const trace_actions[] = { "start", "stop", "read" };

static cJSON *trace_names(const struct keel_ctl_trace *t)
{
	cJSON *a = cJSON_CreateArray();
	for (uint32_t i = 0; i < t->nnames && i < KEEL_CTL_TRACE_NAMES; i++) {
		const struct keel_ctl_trace_name *n = &t->name[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "vmid", n->vmid);
		cJSON_AddNumberToObject(o, "badge", n->badge);
		cJSON_AddBoolToObject(o, "vm", n->is_vm);
		cJSON_AddStringToObject(o, "name", n->name);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* The events as JSON text: a cJSON node per number would take eight
 * times the server's request arena (device-servers/ctl/main.c). */
static const char *trace_events(const struct keel_ctl_trace *t)
{
	static char text[KEEL_CTL_TRACE_CHUNK * 120 + 3];
	size_t n = 0;
	text[n++] = '[';
	for (uint32_t i = 0; i < t->count && i < KEEL_CTL_TRACE_CHUNK; i++) {
		const struct keel_trace_event *e = &t->ev[i];
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s[%llu,%u,%u,%u,%lu,%llu,%llu]",
				      i ? "," : "", (unsigned long long)e->time, e->kind, e->cpu,
				      e->vmid, (unsigned long)e->badge, (unsigned long long)e->arg[0],
				      (unsigned long long)e->arg[1]);
	}
	text[n++] = ']';
	text[n] = 0;
	return text;
}

static cJSON *trace_chunk(const struct keel_ctl_trace *t, cJSON *o)
{
	cJSON_AddNumberToObject(o, "timer_hz", (double)t->timer_hz);
	cJSON_AddNumberToObject(o, "t_start", (double)t->t_start);
	cJSON_AddNumberToObject(o, "t_stop", (double)t->t_stop);
	cJSON_AddNumberToObject(o, "ncpus", t->ncpus);
	cJSON_AddNumberToObject(o, "total", t->total);
	cJSON_AddNumberToObject(o, "lost", (double)t->lost);
	cJSON_AddNumberToObject(o, "first", t->first);
	if (t->first == 0)
		cJSON_AddItemToObject(o, "names", trace_names(t));
	cJSON_AddRawToObject(o, "events", trace_events(t));
	return o;
}

/* Keys of a trace request: cmd, action, from, id; any other is refused. */
static const char *trace_member(const cJSON *m, const cJSON **action, const cJSON **from)
{
	if (!strcmp(m->string, "action") && cJSON_IsString(m))
		*action = m;
	else if (!strcmp(m->string, "from") && cJSON_IsNumber(m) && m->valuedouble >= 0)
		*from = m;
	else if (!strcmp(m->string, "action"))
		return "must be \"start\", \"stop\" or \"read\"";
	else if (!strcmp(m->string, "from"))
		return "must be a number, 0 or more";
	else if (strcmp(m->string, "cmd") && strcmp(m->string, "id"))
		return "unknown key (known for trace: cmd, action, from, id)";
	return NULL;
}

bool ctl_trace_is(const cJSON *req)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	return cJSON_IsObject(req) && cJSON_IsString(c) && !strcmp(c->valuestring, "trace");
}

/* The request's action (0 start, 1 stop, 2 read), or -1 with why and where. */
static int trace_decode(const cJSON *req, const cJSON **at, const char **why,
			const cJSON **from)
{
	const cJSON *action = NULL;
	int a = 0;
	for (const cJSON *m = req->child; m; m = m->next) {
		if ((*why = trace_member(m, &action, from))) {
			*at = m;
			return -1;
		}
	}
	while (action && a < 3 && strcmp(action->valuestring, trace_actions[a]))
		a++;
	*at = action;
	if (!action || a == 3) {
		*why = "trace needs \"action\": \"start\", \"stop\" or \"read\"";
		return -1;
	}
	if (*from && a != 2) {
		*at = *from;
		*why = "this command takes no such key";
		return -1;
	}
	return a;
}

static const char *trace_refusal(unsigned res, int a)
{
	static const char *const state[] = { "the trace is on already", "the trace is not on",
					     "the trace is still on: stop it first" };
	return res == KEEL_CTL_E_STATE ? state[a] : "root could not do it";
}

cJSON *ctl_trace_request(const cJSON *req, const struct ctl_ops *ops, const cJSON **at,
			 const char **why)
{
	const cJSON *from = NULL;
	const struct keel_ctl_trace *t = NULL;
	int a = trace_decode(req, at, why, &from);
	unsigned res;
	cJSON *o;
	if (a < 0)
		return NULL;
	res = ops->act(KEEL_CTL_TRACE_START + (unsigned)a, from ? (uint64_t)from->valuedouble : 0);
	if (res != KEEL_CTL_OK) {
		*why = trace_refusal(res, a);
		return NULL;
	}
	if (a == 2 && (!ops->trace || !(t = ops->trace()))) {
		*why = "root gave no trace";
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddStringToObject(o, "cmd", "trace");
	cJSON_AddStringToObject(o, "action", trace_actions[a]);
	return t ? trace_chunk(t, o) : o;
}
