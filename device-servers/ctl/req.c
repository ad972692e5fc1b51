/*
 * The control protocol (docs/management.md): one JSON request a line in,
 * one JSON reply a line out. Pure: root is reached through struct
 * ctl_ops, so the host test (tests/ctl/) runs this file as the server
 * does. A request that is not JSON, not an object, has an unknown or
 * ill-typed key, an unknown command or names no such VM or server gets
 * {"error": why, "line": l, "column": c} (where in the request, the
 * config loader's position rule: a member at its key's opening quote,
 * docs/config.md) and nothing is asked of root.
 */
#include <stdio.h>
#include <string.h>

#include <keel/blk.h>

#include "cfg_internal.h" /* cfg_pos_of, cfg_pos_linecol: the config loader's locator */
#include "ctl_req.h"

struct req {
	struct cfg_ctx pos; /* text, len, root: all cfg_pos_of needs */
	const cJSON *cmd, *vm, *dev, *since, *id, *file, *text, *at;
	char *out;
	size_t size;
};

struct cmd {
	const char *name;
	unsigned kind;  /* KEEL_CTL_* or 0: a read of the status */
	bool needs_vm, needs_dev;
};

static const struct cmd ctl_cmds[] = {
	{ "list", 0, false, false },    { "events", 0, false, false },
	{ "stats", 0, false, false },   { "start", KEEL_CTL_START, true, false },
	{ "stop", KEEL_CTL_STOP, true, false }, { "reset", KEEL_CTL_RESET, true, false },
	{ "pause", KEEL_CTL_PAUSE, true, false }, { "resume", KEEL_CTL_RESUME, true, false },
	{ "restart", KEEL_CTL_RESTART, true, true }, { "crash", KEEL_CTL_CRASH, true, true },
	{ "create", KEEL_CTL_CREATE, false, false }, { "remove", KEEL_CTL_REMOVE, true, false },
};

static const char *const ctl_vm_states[] = { "running", "paused", "off", "failed" };
static const char *const ctl_srv_kinds[] = { "vmm",         "pl011",          "virtio-blk",
					     "blkdrv",      "virtio-net",     "virtio-console",
					     "virtio-rng",  "flash",          "switch",
					     "ns16550" };
#define CTL_SRV_KINDS (sizeof(ctl_srv_kinds) / sizeof(ctl_srv_kinds[0]))
static const char *const ctl_srv_states[] = { "running", "backoff", "down", "new" };
static const char *const ctl_ev_names[] = { "?", "vm-started", "vm-stopped", "vm-paused",
	"vm-resumed", "server-faulted", "server-restarted", "server-down", "vm-created",
	"vm-removed" };
#define CTL_EV_NAMES (sizeof(ctl_ev_names) / sizeof(ctl_ev_names[0]))

static size_t ctl_print(struct req *r, cJSON *reply)
{
	size_t n;
	if (reply && r->id) /* the client's tag, so it knows its own reply */
		cJSON_AddItemToObject(reply, "id", cJSON_Duplicate(r->id, 0));
	if (!reply || !cJSON_PrintPreallocated(reply, r->out, (int)r->size - 1, 0)) {
		cJSON_Delete(reply);
		n = (size_t)snprintf(r->out, r->size, "{\"error\":\"reply too large\"}");
	} else {
		cJSON_Delete(reply);
		n = strlen(r->out);
	}
	if (n + 1 >= r->size)
		n = r->size - 2;
	r->out[n++] = '\n';
	r->out[n] = 0;
	return n;
}

/* An error located at byte off of the request. */
static size_t ctl_error_at(struct req *r, size_t off, const char *why)
{
	cJSON *e = cJSON_CreateObject();
	uint32_t line = 1, col = 1;
	cfg_pos_linecol(r->pos.text, r->pos.len, off, &line, &col);
	cJSON_AddStringToObject(e, "error", why);
	cJSON_AddNumberToObject(e, "line", line);
	cJSON_AddNumberToObject(e, "column", col);
	return ctl_print(r, e);
}

static size_t ctl_error(struct req *r, const cJSON *at, const char *why)
{
	return ctl_error_at(r, cfg_pos_of(&r->pos, at ? at : r->pos.root), why);
}

/* ---- reading the request ---------------------------------------------------- */

static bool ctl_file_ok(const char *f)
{
	size_t n = strlen(f);
	return n > 0 && n < 64 && !strpbrk(f, " \t\r\n");
}

static const char *ctl_member(struct req *r, const cJSON *m)
{
	if (!strcmp(m->string, "cmd") && cJSON_IsString(m))
		r->cmd = m;
	else if (!strcmp(m->string, "vm") && cJSON_IsString(m))
		r->vm = m;
	else if (!strcmp(m->string, "device") && cJSON_IsString(m))
		r->dev = m;
	else if (!strcmp(m->string, "since") && cJSON_IsNumber(m) && m->valuedouble >= 0)
		r->since = m;
	else if (!strcmp(m->string, "id") && (cJSON_IsNumber(m) || cJSON_IsString(m)))
		r->id = m;
	else if (!strcmp(m->string, "id"))
		return "must be a number or a string";
	else if (!strcmp(m->string, "file") && cJSON_IsString(m) && ctl_file_ok(m->valuestring))
		r->file = m;
	else if (!strcmp(m->string, "file"))
		return "must be a file name: 1 to 63 bytes, no spaces";
	else if (!strcmp(m->string, "text") && cJSON_IsString(m))
		r->text = m;
	else if (!strcmp(m->string, "at") && cJSON_IsString(m))
		r->at = m;
	else if (!strcmp(m->string, "cmd") || !strcmp(m->string, "vm") ||
		 !strcmp(m->string, "device") || !strcmp(m->string, "at"))
		return "must be a string";
	else if (!strcmp(m->string, "since"))
		return "must be a number, 0 or more";
	else
		return "unknown key (known: cmd, vm, device, at, since, id, file, text)";
	return NULL;
}

static const struct cmd *ctl_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(ctl_cmds[i].name, name))
			return &ctl_cmds[i];
	return NULL;
}

static int ctl_vm_index(const struct keel_ctl_status *st, const char *name)
{
	for (uint32_t i = 0; i < st->nvms && i < KEEL_CTL_MAX_VMS; i++)
		if (st->vm[i].state != KEEL_CTL_VM_REMOVED && !strcmp(st->vm[i].name, name))
			return (int)i;
	return -1;
}

/* The server's name without "vmname-" (vm1-pl011 -> pl011). */
static const char *ctl_short(const struct keel_ctl_vm *vm, const struct keel_ctl_server *s)
{
	size_t n = strlen(vm->name);
	return !strncmp(s->name, vm->name, n) && s->name[n] == '-' ? s->name + n + 1 : s->name;
}

/* Its value for KEEL_CTL_VALUE: the device index, | 0x80 for a block
 * driver, 0xff for the VMM, KEEL_CTL_DEV_CONSOLE for "console" (the
 * console server every VM shares); -1 if the VM has no server of that
 * name. */
static int ctl_dev_index(const struct keel_ctl_vm *vm, const char *name)
{
	if (!strcmp(name, "console"))
		return KEEL_CTL_DEV_CONSOLE;
	for (uint32_t i = 0; i < vm->nservers && i < KEEL_CTL_VM_SERVERS; i++) {
		const struct keel_ctl_server *s = &vm->srv[i];
		if (strcmp(s->name, name) && strcmp(ctl_short(vm, s), name))
			continue;
		if (s->kind == KEEL_CTL_SRV_VMM)
			return 0xff;
		return s->kind == KEEL_CTL_SRV_BLKDRV ? s->dev | 0x80 : s->dev;
	}
	return -1;
}

/* ---- replies ------------------------------------------------------------------ */

static cJSON *ctl_ok(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddTrueToObject(o, "ok");
	return o;
}

static void ctl_add_fault(cJSON *o, const struct keel_ctl_server *s, uint64_t now)
{
	cJSON *f;
	char addr[24];
	if (!s->faults) {
		cJSON_AddNullToObject(o, "last_fault");
		return;
	}
	f = cJSON_AddObjectToObject(o, "last_fault");
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)s->fault_addr);
	cJSON_AddStringToObject(f, "reason", s->fault_cause == KEEL_FAULT_VM ? "memory fault"
					      : "exception");
	cJSON_AddStringToObject(f, "address", addr);
	cJSON_AddNumberToObject(f, "ms", (double)s->fault_ms);
	cJSON_AddNumberToObject(f, "ago_ms", (double)(now - s->fault_ms));
}

static void ctl_add_server(cJSON *arr, const struct keel_ctl_vm *vm,
			   const struct keel_ctl_server *s, uint64_t now)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "device", ctl_short(vm, s));
	cJSON_AddStringToObject(o, "kind", s->kind < CTL_SRV_KINDS ? ctl_srv_kinds[s->kind] : "?");
	cJSON_AddStringToObject(o, "state", ctl_srv_states[s->state & 3]);
	cJSON_AddNumberToObject(o, "restarts", s->restarts);
	cJSON_AddNumberToObject(o, "faults", s->faults);
	ctl_add_fault(o, s, now);
	cJSON_AddItemToArray(arr, o);
}

static bool ctl_vm_up(const struct keel_ctl_vm *vm)
{
	return vm->state == KEEL_CTL_VM_RUNNING || vm->state == KEEL_CTL_VM_PAUSED;
}

/* Each network: its switch server and what the switch counted. */
static void ctl_add_nets(cJSON *o, const struct keel_ctl_status *st)
{
	cJSON *nets = cJSON_AddArrayToObject(o, "networks");
	for (uint32_t i = 0; i < st->nnets && i < KEEL_CTL_MAX_NETS; i++) {
		const struct keel_ctl_net *n = &st->net[i];
		cJSON *v = cJSON_CreateObject(), *f;
		struct keel_ctl_vm none = { .name = "" };
		cJSON_AddStringToObject(v, "name", n->name);
		cJSON_AddNumberToObject(v, "ports", n->ports);
		ctl_add_server(cJSON_AddArrayToObject(v, "servers"), &none, &n->srv, st->now_ms);
		if (n->counted) {
			f = cJSON_AddObjectToObject(v, "frames");
			cJSON_AddNumberToObject(f, "in", (double)n->in);
			cJSON_AddNumberToObject(f, "forwarded", (double)n->forwarded);
			cJSON_AddNumberToObject(f, "flooded", (double)n->flooded);
			cJSON_AddNumberToObject(f, "bad", (double)n->bad);
			cJSON_AddNumberToObject(f, "spoofed", (double)n->spoofed);
			cJSON_AddNumberToObject(f, "full", (double)n->full);
		}
		cJSON_AddItemToArray(nets, v);
	}
}

static cJSON *ctl_list(const struct keel_ctl_status *st)
{
	cJSON *o = ctl_ok(), *vms = cJSON_AddArrayToObject(o, "vms");
	cJSON_AddNumberToObject(o, "now_ms", (double)st->now_ms);
	for (uint32_t i = 0; i < st->nvms && i < KEEL_CTL_MAX_VMS; i++) {
		const struct keel_ctl_vm *vm = &st->vm[i];
		cJSON *v, *srv;
		if (vm->state == KEEL_CTL_VM_REMOVED)
			continue;
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", vm->name);
		cJSON_AddStringToObject(v, "state", ctl_vm_states[vm->state & 3]);
		cJSON_AddNumberToObject(v, "vcpus", vm->vcpus);
		cJSON_AddNumberToObject(v, "memory_mib", (double)(vm->ram_bytes >> 20));
		cJSON_AddNumberToObject(v, "uptime_ms",
					ctl_vm_up(vm) && vm->started_ms ? (double)(st->now_ms - vm->started_ms) : 0);
		srv = cJSON_AddArrayToObject(v, "servers");
		for (uint32_t k = 0; k < vm->nservers && k < KEEL_CTL_VM_SERVERS; k++)
			ctl_add_server(srv, vm, &vm->srv[k], st->now_ms);
		/* its entry's number: Ctrl-] N, build/keel-console-vm<N>.sock */
		cJSON_AddNumberToObject(v, "console", i + 1);
		cJSON_AddItemToArray(vms, v);
	}
	ctl_add_nets(o, st);
	return o;
}

static cJSON *ctl_events(const struct keel_ctl_status *st, double since)
{
	cJSON *o = ctl_ok(), *evs = cJSON_AddArrayToObject(o, "events");
	cJSON_AddNumberToObject(o, "now_ms", (double)st->now_ms);
	for (uint32_t i = 0; i < st->nevents && i < KEEL_CTL_MAX_EVENTS; i++) {
		const struct keel_ctl_event *e = &st->ev[i];
		cJSON *v;
		if ((double)e->seq <= since)
			continue;
		v = cJSON_CreateObject();
		cJSON_AddNumberToObject(v, "seq", (double)e->seq);
		cJSON_AddNumberToObject(v, "ms", (double)e->ms);
		cJSON_AddStringToObject(v, "event", ctl_ev_names[e->kind < CTL_EV_NAMES ? e->kind : 0]);
		cJSON_AddStringToObject(v, "vm", e->vm);
		cJSON_AddStringToObject(v, "server", e->server);
		cJSON_AddItemToArray(evs, v);
	}
	return o;
}

/* IPC calls of the VM's servers: the exits the kernel delivered to its
 * VMM, and what each device server took (the VMM's requests, routed
 * exits) and made (to the console server); each call counted once. */
static double ctl_vm_calls(const struct keel_ctl_vm *vm)
{
	double n = (double)vm->c.exits + vm->c.calls;
	for (unsigned d = 0; d < KEEL_CTL_DEVICES; d++)
		n += (double)vm->dev[d].calls;
	return n;
}

/* The VMM's counters (struct keel_ctl_vmm_counters). */
static void ctl_add_vmm_counters(cJSON *v, const struct keel_ctl_vm *vm)
{
	static const char *const reasons[KEEL_CTL_EXIT_REASONS] = {
		"mmio", "hvc", "smc", "wfi", "sysreg", "unknown", "maint" };
	cJSON *r;
	cJSON_AddNumberToObject(v, "exits", vm->c.exits);
	cJSON_AddNumberToObject(v, "aborts_injected", vm->c.aborts);
	cJSON_AddNumberToObject(v, "ipis", vm->c.ipis);
	r = cJSON_AddObjectToObject(v, "exits_by_reason");
	for (unsigned i = 0; i < KEEL_CTL_EXIT_REASONS; i++)
		cJSON_AddNumberToObject(r, reasons[i], vm->c.reason[i]);
	cJSON_AddNumberToObject(v, "irqs_injected", vm->c.irqs);
	cJSON_AddNumberToObject(v, "ipc_calls", ctl_vm_calls(vm));
	cJSON_AddNumberToObject(v, "vmm_calls", vm->c.calls);
}

/* Per device server: MMIO accesses (the VMM's count) and, for the
 * servers that count them, requests and bytes. */
static void ctl_add_dev_counters(cJSON *v, const struct keel_ctl_vm *vm)
{
	cJSON *devs = cJSON_AddArrayToObject(v, "devices");
	for (uint32_t k = 0; k < vm->nservers && k < KEEL_CTL_VM_SERVERS; k++) {
		const struct keel_ctl_server *s = &vm->srv[k];
		const struct keel_ctl_dev_counters *c;
		cJSON *d;
		if (s->kind == KEEL_CTL_SRV_VMM || s->kind == KEEL_CTL_SRV_BLKDRV ||
		    s->dev >= KEEL_CTL_DEVICES)
			continue;
		c = &vm->dev[s->dev];
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "device", ctl_short(vm, s));
		cJSON_AddStringToObject(d, "kind", s->kind < CTL_SRV_KINDS ? ctl_srv_kinds[s->kind] : "?");
		cJSON_AddNumberToObject(d, "mmio", (double)(vm->c.mmio[s->dev] + c->mmio));
		cJSON_AddNumberToObject(d, "ipc_calls", (double)c->calls);
		if (s->kind == KEEL_CTL_SRV_VIRTIO_BLK || s->kind == KEEL_CTL_SRV_VIRTIO_NET) {
			cJSON_AddNumberToObject(d, "requests", (double)c->requests);
			cJSON_AddNumberToObject(d, "bytes_in", (double)c->bytes_in);
			cJSON_AddNumberToObject(d, "bytes_out", (double)c->bytes_out);
		}
		cJSON_AddItemToArray(devs, d);
	}
}

static cJSON *ctl_stats(const struct keel_ctl_status *st, int only)
{
	cJSON *o = ctl_ok(), *vms = cJSON_AddArrayToObject(o, "vms");
	for (uint32_t i = 0; i < st->nvms && i < KEEL_CTL_MAX_VMS; i++) {
		const struct keel_ctl_vm *vm = &st->vm[i];
		unsigned restarts = 0, faults = 0;
		cJSON *v;
		if ((only >= 0 && (uint32_t)only != i) || vm->state == KEEL_CTL_VM_REMOVED)
			continue;
		v = cJSON_CreateObject();
		for (uint32_t k = 0; k < vm->nservers && k < KEEL_CTL_VM_SERVERS; k++) {
			restarts += vm->srv[k].restarts;
			faults += vm->srv[k].faults;
		}
		cJSON_AddStringToObject(v, "name", vm->name);
		cJSON_AddStringToObject(v, "state", ctl_vm_states[vm->state & 3]);
		if (vm->counted && ctl_vm_up(vm))
			ctl_add_vmm_counters(v, vm);
		cJSON_AddNumberToObject(v, "server_restarts", restarts);
		cJSON_AddNumberToObject(v, "server_faults", faults);
		if (vm->counted && ctl_vm_up(vm))
			ctl_add_dev_counters(v, vm);
		cJSON_AddItemToArray(vms, v);
	}
	return o;
}

static const char *const ctl_results[] = {
	[KEEL_CTL_OK] = "ok", [KEEL_CTL_E_NO_VM] = "no such VM",
	[KEEL_CTL_E_NO_SERVER] = "no such server",
	[KEEL_CTL_E_STATE] = "not possible in the VM's or server's state",
	[KEEL_CTL_E_FAILED] = "root tried and failed (see the console)",
};

/* The named crash points of a server of this kind (keel/blk.h), NULL
 * terminated after an unused [0]; NULL: it has none. */
static const char *const *ctl_crash_points(uint32_t kind)
{
	static const char *const vblk[] = KEEL_VBLK_CRASH_POINT_NAMES;
	static const char *const blkdrv[] = KEEL_BLKDRV_CRASH_POINT_NAMES;
	static const char *const *const of[] = { [KEEL_CTL_SRV_VIRTIO_BLK] = vblk,
						 [KEEL_CTL_SRV_BLKDRV] = blkdrv };
	return kind < sizeof(of) / sizeof(of[0]) ? of[kind] : NULL;
}

/* keelctl crash --at: the point's number in the server named, or 0 with
 * why not in *why (which names the points there are). */
static unsigned ctl_crash_point(const struct keel_ctl_vm *vm, const char *dev, const char *at,
				char *why, size_t size)
{
	const char *const *names = NULL;
	size_t n = 0;
	for (uint32_t i = 0; i < vm->nservers && i < KEEL_CTL_VM_SERVERS; i++)
		if (!strcmp(vm->srv[i].name, dev) || !strcmp(ctl_short(vm, &vm->srv[i]), dev))
			names = ctl_crash_points(vm->srv[i].kind);
	if (!names) {
		snprintf(why, size, "this server has no named crash points");
		return 0;
	}
	for (unsigned p = 1; names[p]; p++)
		if (!strcmp(names[p], at))
			return p;
	n = (size_t)snprintf(why, size, "no such crash point (known:");
	for (unsigned p = 1; names[p] && n < size; p++)
		n += (size_t)snprintf(why + n, size - n, "%s %s", p > 1 ? "," : "", names[p]);
	if (n < size)
		snprintf(why + n, size - n, ")");
	return 0;
}

static size_t ctl_action(struct req *r, const struct ctl_ops *ops, const struct cmd *c,
			 const struct keel_ctl_status *st)
{
	int vm = ctl_vm_index(st, r->vm->valuestring), dev = 0;
	unsigned res, point = 0;
	char why[128];
	cJSON *o;
	if (vm < 0)
		return ctl_error(r, r->vm, "no VM of that name");
	if (c->needs_dev && (dev = ctl_dev_index(&st->vm[vm], r->dev->valuestring)) < 0)
		return ctl_error(r, r->dev, "the VM has no server of that name");
	if (r->at && !(point = ctl_crash_point(&st->vm[vm], r->dev->valuestring,
					       r->at->valuestring, why, sizeof(why))))
		return ctl_error(r, r->at, why);
	res = ops->act(c->kind, KEEL_CTL_VALUE(vm, dev) | KEEL_CTL_VALUE_POINT(point));
	if (res != KEEL_CTL_OK)
		return ctl_error(r, r->cmd, res < 5 ? ctl_results[res] : "unknown answer from root");
	o = ctl_ok();
	cJSON_AddStringToObject(o, "cmd", c->name);
	cJSON_AddStringToObject(o, "vm", r->vm->valuestring);
	if (r->dev)
		cJSON_AddStringToObject(o, "device", r->dev->valuestring);
	if (r->at)
		cJSON_AddStringToObject(o, "at", r->at->valuestring);
	return ctl_print(r, o);
}

/* ---- create ------------------------------------------------------------------ */

/* A refused config: {"error", "file", "line", "column", "errors": [...]},
 * where line and column are the first error's in the file. */
static size_t ctl_config_refused(struct req *r, uint32_t line, uint32_t col, const char *errors)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	cJSON_AddStringToObject(o, "error", "the config is refused");
	cJSON_AddStringToObject(o, "file", r->file->valuestring);
	cJSON_AddNumberToObject(o, "line", line);
	cJSON_AddNumberToObject(o, "column", col);
	arr = cJSON_AddArrayToObject(o, "errors");
	while (errors && *errors) {
		const char *nl = strchr(errors, '\n');
		size_t n = nl ? (size_t)(nl - errors) : strlen(errors);
		char one[512];
		snprintf(one, sizeof(one), "%.*s", (int)n, errors);
		cJSON_AddItemToArray(arr, cJSON_CreateString(one));
		errors += n + (nl != NULL);
	}
	return ctl_print(r, o);
}

/* A run-time rule broken at node of the config text (pos), as the
 * loader words its errors: "file:line:col: key: detail". */
static size_t ctl_config_at(struct req *r, const struct cfg_ctx *pos, const cJSON *node,
			    const char *key, const char *detail)
{
	char msg[512];
	uint32_t line = 1, col = 1;
	cfg_pos_linecol(pos->text, pos->len, cfg_pos_of(pos, node), &line, &col);
	snprintf(msg, sizeof(msg), "%s:%u:%u: %s: %s", r->file->valuestring, line, col, key, detail);
	return ctl_config_refused(r, line, col, msg);
}

/* What only run time adds to the loader's rules, located in the config:
 * a VM's name must be new (its length is the loader's rule), and it can have no
 * disk, neither a virtio-blk nor a vars file (QEMU's disks are fixed at boot). Anything else, a config the
 * loader would refuse included, is left to root's loader. */
static size_t ctl_create_check(struct req *r, const struct keel_ctl_status *st,
			       const struct cfg_ctx *pos)
{
	const cJSON *vms = cJSON_GetObjectItemCaseSensitive(pos->root, "vms"), *vm;
	char key[64];
	int i = 0;
	for (vm = cJSON_IsArray(vms) ? vms->child : (const cJSON *)0; vm; vm = vm->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(vm, "name"), *dev;
		const cJSON *devs = cJSON_GetObjectItemCaseSensitive(vm, "devices");
		const cJSON *vars = cJSON_GetObjectItemCaseSensitive(vm, "firmware_vars_path");
		int d = 0;
		snprintf(key, sizeof(key), "vms[%d].name", i);
		if (cJSON_IsString(name) && ctl_vm_index(st, name->valuestring) >= 0)
			return ctl_config_at(r, pos, name, key, "a VM of that name exists");
		snprintf(key, sizeof(key), "vms[%d].firmware_vars_path", i);
		if (vars)
			return ctl_config_at(r, pos, vars, key,
					     "a VM made at run time has no vars file (the machine's "
					     "disks are fixed when QEMU starts)");
		for (dev = cJSON_IsArray(devs) ? devs->child : (const cJSON *)0; dev; dev = dev->next) {
			const cJSON *type = cJSON_GetObjectItemCaseSensitive(dev, "type");
			snprintf(key, sizeof(key), "vms[%d].devices[%d].type", i, d++);
			if (cJSON_IsString(type) && !strcmp(type->valuestring, "virtio-blk"))
				return ctl_config_at(r, pos, type, key,
						     "a VM made at run time has no virtio-blk disk "
						     "(the machine's disks are fixed when QEMU starts)");
		}
		i++;
	}
	return 0;
}

static size_t ctl_create(struct req *r, const struct ctl_ops *ops,
			 const struct keel_ctl_status *st)
{
	const char *text = r->text->valuestring;
	struct cfg_ctx pos = { .text = text, .len = strlen(text) };
	const cJSON *name;
	cJSON *doc = cJSON_ParseWithLength(text, pos.len), *o;
	size_t n = 0;
	unsigned res;
	pos.root = doc;
	if (doc)
		n = ctl_create_check(r, st, &pos);
	name = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "vms"), 0);
	name = cJSON_GetObjectItemCaseSensitive(name, "name");
	if (n) {
		cJSON_Delete(doc);
		return n;
	}
	if (!pos.len || pos.len > KEEL_CTL_CREATE_MAX) {
		cJSON_Delete(doc);
		return ctl_error(r, r->text, "the config must be 1 to 16384 bytes");
	}
	res = ops->create(text, pos.len, r->file->valuestring);
	if (res == KEEL_CTL_E_CONFIG && (st = ops->snapshot()))
		n = ctl_config_refused(r, st->err_line, st->err_col, st->errors);
	else if (res != KEEL_CTL_OK)
		n = ctl_error(r, r->cmd, res < 5 ? ctl_results[res] : "unknown answer from root");
	if (n) {
		cJSON_Delete(doc);
		return n;
	}
	o = ctl_ok();
	cJSON_AddStringToObject(o, "cmd", "create");
	cJSON_AddStringToObject(o, "vm", cJSON_IsString(name) ? name->valuestring : "");
	cJSON_Delete(doc);
	return ctl_print(r, o);
}

/* The request is an object of known keys with a known command and what
 * that command needs; then it is carried out. */
static size_t ctl_dispatch(struct req *r, const struct ctl_ops *ops)
{
	const struct cmd *c;
	const struct keel_ctl_status *st;
	const char *why;
	int vm = -1;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->pos.root, "id");
	if (!cJSON_IsObject(r->pos.root))
		return ctl_error(r, NULL, "a request is a JSON object");
	if (cJSON_IsNumber(id) || cJSON_IsString(id))
		r->id = id; /* first: an error about another key carries it too */
	if (ctl_trace_is(r->pos.root)) { /* keelctl trace: its own keys (trace.c) */
		cJSON *o = ctl_trace_request(r->pos.root, ops, &r->cmd, &why);
		return o ? ctl_print(r, o) : ctl_error(r, r->cmd, why);
	}
	for (const cJSON *m = r->pos.root->child; m; m = m->next)
		if ((why = ctl_member(r, m)))
			return ctl_error(r, m, why);
	if (!r->cmd)
		return ctl_error(r, NULL, "no \"cmd\"");
	if (!(c = ctl_cmd(r->cmd->valuestring)))
		return ctl_error(r, r->cmd, "unknown command (known: list, events, stats, start, "
					    "stop, reset, pause, resume, restart, crash)");
	if (c->needs_vm && !r->vm)
		return ctl_error(r, NULL, "this command needs \"vm\"");
	if (c->needs_dev && !r->dev)
		return ctl_error(r, NULL, "this command needs \"device\"");
	if ((r->dev && !c->needs_dev) || (r->since && strcmp(c->name, "events")) ||
	    (r->vm && !c->needs_vm && strcmp(c->name, "stats")) ||
	    ((r->file || r->text) && c->kind != KEEL_CTL_CREATE) ||
	    (r->at && c->kind != KEEL_CTL_CRASH))
		return ctl_error(r, r->dev && !c->needs_dev ? r->dev : r->since ? r->since
				    : r->vm && !c->needs_vm && strcmp(c->name, "stats") ? r->vm
				    : r->at && c->kind != KEEL_CTL_CRASH ? r->at
				    : r->file ? r->file : r->text,
				 "this command takes no such key");
	if (c->kind == KEEL_CTL_CREATE && (!r->file || !r->text))
		return ctl_error(r, NULL, "create needs \"file\" and \"text\"");
	if (!(st = ops->snapshot()))
		return ctl_error(r, NULL, "root gave no status");
	if (c->kind == KEEL_CTL_CREATE)
		return ctl_create(r, ops, st);
	if (c->kind)
		return ctl_action(r, ops, c, st);
	if (!strcmp(c->name, "list"))
		return ctl_print(r, ctl_list(st));
	if (!strcmp(c->name, "events"))
		return ctl_print(r, ctl_events(st, r->since ? r->since->valuedouble : 0));
	if (r->vm && (vm = ctl_vm_index(st, r->vm->valuestring)) < 0)
		return ctl_error(r, r->vm, "no VM of that name");
	return ctl_print(r, ctl_stats(st, vm));
}

size_t ctl_request(const struct ctl_ops *ops, const char *line, size_t len, char *out,
		   size_t size)
{
	struct req r = { .pos = { .text = line, .len = len }, .out = out, .size = size };
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	size_t n;
	if (!doc) {
		size_t off = end && end >= line && end <= line + len ? (size_t)(end - line) : 0;
		return ctl_error_at(&r, off, "not JSON");
	}
	r.pos.root = doc;
	while (end && end < line + len && (unsigned char)*end <= ' ')
		end++;
	if (end && end < line + len)
		n = ctl_error_at(&r, (size_t)(end - line), "text after the request");
	else
		n = ctl_dispatch(&r, ops);
	cJSON_Delete(doc);
	return n;
}
