/*
 * keelctl — manage a running Keel from the host (docs/management.md).
 *
 *   keelctl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS]
 *
 *   list                      VMs and their servers
 *   start|stop|reset|pause|resume VM
 *   restart VM DEVICE         restart a device server from its image
 *   crash VM DEVICE [--at P]  a real fault in it (root's fault injection),
 *                             at once or when it next passes its point P
 *   create FILE.json          a VM from a config (the config file's schema)
 *   remove VM                 forget a VM that is off
 *   events [--follow]         state changes with their times
 *   stats [VM]                what root and the VMMs count
 *   console VM                attach to the VM's own console socket
 *                             (keelctl-console.c)
 *   trace [--seconds N] -o F  record N s (default 2), write Chrome trace JSON
 *   raw 'JSON'                send one request line as it is
 *
 * It writes one JSON line (with an "id" of its own) to the control
 * socket make run gives QEMU (default build/keel-ctl.sock, or
 * $KEELCTL_SOCKET), reads lines until the reply with that id, and prints
 * it for people, or as it came with --json. Exit status: 0 when Keel
 * answered "ok", 1 when it answered an error, 2 when there was no answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "keelctl-console.h"
#include "trace/trace_json.h"

#define KC_LINE_MAX (1u << 16)

struct kc {
	const char *sock;
	bool json;
	int timeout_s;
	bool timeout_set;
	int fd;
	unsigned next_id;
	char in[KC_LINE_MAX];
	size_t in_len;
};

static int kc_usage(void)
{
	fprintf(stderr,
		"usage: keelctl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS]\n"
		"  list | start VM | stop VM | reset VM | pause VM | resume VM\n"
		"  restart VM DEVICE | crash VM DEVICE [--at POINT] | events [--follow] | stats [VM]\n"
		"  create FILE.json | remove VM | console VM\n"
		"  trace [--seconds N] -o FILE.json\n"
		"  raw 'JSON'\n"
		"socket: --socket, $KEELCTL_SOCKET, or build/keel-ctl.sock (make run prints it)\n");
	return 2;
}

static bool kc_connect(struct kc *k)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(k->sock) >= sizeof(a.sun_path)) {
		fprintf(stderr, "keelctl: socket path too long: %s\n", k->sock);
		return false;
	}
	strcpy(a.sun_path, k->sock);
	k->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (k->fd < 0 || connect(k->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "keelctl: cannot connect to %s: %s (is Keel running? make run "
				"prints the socket's path)\n", k->sock, strerror(errno));
		return false;
	}
	return true;
}

static bool kc_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The next line from the socket (without '\n'), or NULL at the timeout. */
static char *kc_read_line(struct kc *k, char *line, size_t size)
{
	struct pollfd p = { .fd = k->fd, .events = POLLIN };
	time_t end = time(NULL) + k->timeout_s;
	for (;;) {
		char *nl = memchr(k->in, '\n', k->in_len);
		ssize_t r;
		if (nl) {
			size_t n = (size_t)(nl - k->in);
			snprintf(line, size, "%.*s", (int)n, k->in);
			memmove(k->in, nl + 1, k->in_len - n - 1);
			k->in_len -= n + 1;
			return line;
		}
		if (k->in_len == sizeof(k->in))
			k->in_len = 0; /* a line longer than any reply: not ours */
		if (time(NULL) >= end)
			return NULL;
		if (poll(&p, 1, 1000) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(k->fd, k->in + k->in_len, sizeof(k->in) - k->in_len);
		if (r <= 0)
			return NULL;
		k->in_len += (size_t)r;
	}
}

/* Send req (its "id" set here) and wait for the reply with that id. */
static cJSON *kc_call(struct kc *k, cJSON *req, char *raw, size_t raw_size)
{
	unsigned id = ++k->next_id + (unsigned)getpid() * 1000u;
	char *text;
	bool ok;
	cJSON_DeleteItemFromObjectCaseSensitive(req, "id");
	cJSON_AddNumberToObject(req, "id", id);
	text = cJSON_PrintUnformatted(req);
	ok = text && kc_write_all(k->fd, text, strlen(text)) && kc_write_all(k->fd, "\n", 1);
	free(text);
	if (!ok) {
		fprintf(stderr, "keelctl: cannot write to %s\n", k->sock);
		return NULL;
	}
	while (kc_read_line(k, raw, raw_size)) {
		cJSON *r = cJSON_Parse(raw);
		cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "id");
		if (cJSON_IsNumber(rid) && (unsigned)rid->valuedouble == id) {
			cJSON_DeleteItemFromObjectCaseSensitive(r, "id");
			return r;
		}
		cJSON_Delete(r); /* an earlier client's reply */
	}
	fprintf(stderr, "keelctl: no answer from Keel within %d s on %s\n", k->timeout_s, k->sock);
	return NULL;
}

/* ---- printing for people ------------------------------------------------------ */

static double kc_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *kc_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static void kc_duration(char *buf, size_t size, double ms)
{
	unsigned long s = (unsigned long)(ms / 1000);
	if (s >= 3600)
		snprintf(buf, size, "%luh %02lum", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(buf, size, "%lum %02lus", s / 60, s % 60);
	else
		snprintf(buf, size, "%.1fs", ms / 1000);
}

static void kc_print_server(const cJSON *s)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "last_fault");
	char fault[96] = "-", ago[32];
	if (cJSON_IsObject(f)) {
		kc_duration(ago, sizeof(ago), kc_num(f, "ago_ms"));
		snprintf(fault, sizeof(fault), "%s at %s, %s ago", kc_str(f, "reason"),
			 kc_str(f, "address"), ago);
	}
	printf("  %-16s %-11s %-8s %8.0f  %s\n", kc_str(s, "name"), kc_str(s, "kind"),
	       kc_str(s, "state"), kc_num(s, "restarts"), fault);
}

/* Each network: its switch server and the switch's frame counts. */
static void kc_print_nets(const cJSON *r)
{
	const cJSON *n, *s, *f;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "networks")) {
		f = cJSON_GetObjectItemCaseSensitive(n, "frames");
		printf("network %-8s %.0f ports", kc_str(n, "name"), kc_num(n, "ports"));
		if (f)
			printf("; frames in %.0f, forwarded %.0f, flooded %.0f, dropped: bad %.0f, "
			       "spoofed %.0f, ring full %.0f", kc_num(f, "in"), kc_num(f, "forwarded"),
			       kc_num(f, "flooded"), kc_num(f, "bad"), kc_num(f, "spoofed"),
			       kc_num(f, "full"));
		printf("\n");
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(n, "servers"))
			kc_print_server(s);
	}
}

static void kc_print_list(const cJSON *r)
{
	const cJSON *vm;
	cJSON_ArrayForEach(vm, cJSON_GetObjectItemCaseSensitive(r, "vms")) {
		const cJSON *s;
		char up[32] = "-";
		if (kc_num(vm, "uptime_ms") > 0)
			kc_duration(up, sizeof(up), kc_num(vm, "uptime_ms"));
		printf("%-8s %-8s %2.0f vCPUs %6.0f MiB  up %s\n", kc_str(vm, "name"),
		       kc_str(vm, "state"), kc_num(vm, "vcpus"), kc_num(vm, "memory_mib"), up);
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(vm, "servers")))
			printf("  %-16s %-11s %-8s %8s  %s\n", "SERVER", "KIND", "STATE", "RESTARTS",
			       "LAST FAULT");
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(vm, "servers"))
			kc_print_server(s);
	}
	kc_print_nets(r);
}

static double kc_print_events(const cJSON *r)
{
	const cJSON *e;
	double last = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "events")) {
		printf("%10.3f s  #%-4.0f %-16s %-8s %s\n", kc_num(e, "ms") / 1000, kc_num(e, "seq"),
		       kc_str(e, "event"), kc_str(e, "vm"), kc_str(e, "server"));
		last = kc_num(e, "seq");
	}
	fflush(stdout);
	return last;
}

/* A VM's exits by reason, interrupts and devices (stats). */
static void kc_print_counters(const cJSON *vm)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(vm, "exits_by_reason"), *e, *d;
	if (by) {
		printf("  exits by reason:");
		cJSON_ArrayForEach(e, by)
			printf(" %s %.0f%s", e->string, e->valuedouble, e->next ? "," : ";");
		printf(" interrupts injected %.0f\n", kc_num(vm, "irqs_injected"));
	}
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(vm, "devices")) {
		printf("  %-8s %-15s MMIO %.0f, IPC calls %.0f", kc_str(d, "device"), kc_str(d, "kind"),
		       kc_num(d, "mmio"), kc_num(d, "ipc_calls"));
		if (cJSON_GetObjectItemCaseSensitive(d, "requests"))
			printf(", requests %.0f, bytes from the guest %.0f, to the guest %.0f",
			       kc_num(d, "requests"), kc_num(d, "bytes_in"), kc_num(d, "bytes_out"));
		printf("\n");
	}
}

static void kc_print_stats(const cJSON *r)
{
	const cJSON *vm;
	cJSON_ArrayForEach(vm, cJSON_GetObjectItemCaseSensitive(r, "vms")) {
		printf("%s (%s):", kc_str(vm, "name"), kc_str(vm, "state"));
		if (cJSON_GetObjectItemCaseSensitive(vm, "exits"))
			printf(" exits %.0f, data aborts injected %.0f, IPIs %.0f, IPC calls %.0f"
			       " (the VMM's own %.0f),",
			       kc_num(vm, "exits"), kc_num(vm, "aborts_injected"), kc_num(vm, "ipis"),
			       kc_num(vm, "ipc_calls"), kc_num(vm, "vmm_calls"));
		printf(" server restarts %.0f, server faults %.0f\n", kc_num(vm, "server_restarts"),
		       kc_num(vm, "server_faults"));
		kc_print_counters(vm);
	}
}

static void kc_print(const char *cmd, const cJSON *r)
{
	if (!strcmp(cmd, "list"))
		kc_print_list(r);
	else if (!strcmp(cmd, "events"))
		kc_print_events(r);
	else if (!strcmp(cmd, "stats"))
		kc_print_stats(r);
	else if (cJSON_GetObjectItemCaseSensitive(r, "at"))
		printf("crash %s %s: armed at %s (it crashes when it next passes there)\n",
		       kc_str(r, "vm"), kc_str(r, "device"), kc_str(r, "at"));
	else
		printf("%s %s%s%s: done\n", kc_str(r, "cmd"), kc_str(r, "vm"),
		       cJSON_GetObjectItemCaseSensitive(r, "device") ? " " : "",
		       cJSON_GetObjectItemCaseSensitive(r, "device") ? kc_str(r, "device") : "");
}

/* ---- commands ---------------------------------------------------------------- */

/* The request for argv (after the options), or NULL (usage). */
/* The config file's text and name, for create (at most 16 KiB). */
static bool kc_add_file(cJSON *req, const char *path)
{
	static char text[16385];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	FILE *f = fopen(path, "rb");
	size_t n;
	if (!f) {
		fprintf(stderr, "keelctl: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	if (n == sizeof(text) - 1) {
		fprintf(stderr, "keelctl: %s: more than 16 KiB\n", path);
		exit(2);
	}
	text[n] = 0;
	return cJSON_AddStringToObject(req, "file", base) && cJSON_AddStringToObject(req, "text", text);
}

static cJSON *kc_request(int argc, char **argv, bool *follow)
{
	static const char *const one_vm[] = { "start", "stop", "reset", "pause", "resume",
					      "remove" };
	cJSON *req = cJSON_CreateObject();
	const char *cmd = argv[0];
	bool ok = false;
	cJSON_AddStringToObject(req, "cmd", cmd);
	if (!strcmp(cmd, "list"))
		ok = argc == 1;
	else if (!strcmp(cmd, "events"))
		ok = argc == 1 || (argc == 2 && !strcmp(argv[1], "--follow") && (*follow = true));
	else if (!strcmp(cmd, "stats"))
		ok = argc <= 2 && (argc == 1 || cJSON_AddStringToObject(req, "vm", argv[1]));
	else if (!strcmp(cmd, "create"))
		ok = argc == 2 && kc_add_file(req, argv[1]);
	else if (!strcmp(cmd, "restart") || !strcmp(cmd, "crash"))
		ok = (argc == 3 || (argc == 5 && !strcmp(cmd, "crash") && !strcmp(argv[3], "--at") &&
				    cJSON_AddStringToObject(req, "at", argv[4]))) &&
		     cJSON_AddStringToObject(req, "vm", argv[1]) &&
		     cJSON_AddStringToObject(req, "device", argv[2]);
	for (size_t i = 0; i < sizeof(one_vm) / sizeof(one_vm[0]); i++)
		if (!strcmp(cmd, one_vm[i]))
			ok = argc == 2 && cJSON_AddStringToObject(req, "vm", argv[1]);
	if (!ok)
		cJSON_Delete(req);
	return ok ? req : NULL;
}

/* Print r (as it came with --json, raw being its text); 0 if it is ok. */
static int kc_answer(struct kc *k, const char *cmd, const cJSON *r, const char *raw)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
	if (k->json) {
		char *t = cJSON_PrintUnformatted(r);
		printf("%s\n", t ? t : raw);
		free(t);
	} else if (err && cJSON_GetObjectItemCaseSensitive(r, "errors")) {
		const cJSON *e;
		fprintf(stderr, "keelctl: Keel refused %s:\n", kc_str(r, "file"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "errors"))
			fprintf(stderr, "%s\n", cJSON_IsString(e) ? e->valuestring : "?");
	} else if (err) {
		fprintf(stderr, "keelctl: Keel refused the request: %s (line %.0f, column %.0f)\n",
			cJSON_IsString(err) ? err->valuestring : "?", kc_num(r, "line"),
			kc_num(r, "column"));
	} else {
		kc_print(cmd, r);
	}
	return err ? 1 : 0;
}

/* console VM: its console number from list (the VM's entry, as Ctrl-] N
 * counts), then its socket next to the control socket. */
static int kc_console(struct kc *k, const char *vm)
{
	static char raw[KC_LINE_MAX];
	cJSON *req = cJSON_CreateObject(), *r;
	const cJSON *v;
	char path[4096];
	unsigned n = 0;
	cJSON_AddStringToObject(req, "cmd", "list");
	r = kc_connect(k) ? kc_call(k, req, raw, sizeof(raw)) : NULL;
	cJSON_Delete(req);
	close(k->fd);
	if (!r)
		return 2;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r, "vms"))
		if (!strcmp(kc_str(v, "name"), vm))
			n = (unsigned)kc_num(v, "console");
	cJSON_Delete(r);
	if (!n) {
		fprintf(stderr, "keelctl: no VM %s with a console socket (keelctl list)\n", vm);
		return 1;
	}
	kcon_path(path, sizeof(path), k->sock, n);
	/* from a pipe: print what comes until 2 s (or --timeout) pass quiet */
	return kcon_attach(path, vm, k->timeout_set ? k->timeout_s : 2);
}

/* events --follow: ask for what came after the last one, every second.
 * QEMU's socket takes one client at a time, so the connection is let go
 * between questions: other keelctl commands run while this one follows. */
static int kc_follow(struct kc *k, cJSON *req, double since, char *raw)
{
	struct timespec pause = { 1, 0 };
	for (;;) {
		const cJSON *e;
		cJSON *r;
		close(k->fd);
		k->fd = -1;
		k->in_len = 0;
		nanosleep(&pause, NULL);
		cJSON_DeleteItemFromObjectCaseSensitive(req, "since");
		cJSON_AddNumberToObject(req, "since", since);
		if (!kc_connect(k) || !(r = kc_call(k, req, raw, KC_LINE_MAX)))
			return 2;
		e = cJSON_GetObjectItemCaseSensitive(r, "events");
		if (cJSON_GetArraySize(e)) {
			kc_answer(k, "events", r, raw);
			since = kc_num(cJSON_GetArrayItem(e, cJSON_GetArraySize(e) - 1), "seq");
		}
		fflush(stdout);
		cJSON_Delete(r);
	}
}

/* One trace request ("start", "stop", "read" from); the reply if ok. */
static cJSON *kc_trace_ask(struct kc *k, const char *action, double from, char *raw)
{
	cJSON *req = cJSON_CreateObject(), *r;
	cJSON_AddStringToObject(req, "cmd", "trace");
	cJSON_AddStringToObject(req, "action", action);
	if (!strcmp(action, "read"))
		cJSON_AddNumberToObject(req, "from", from);
	r = kc_call(k, req, raw, KC_LINE_MAX);
	cJSON_Delete(req);
	if (r && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
		kc_answer(k, "trace", r, raw);
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* Every chunk's events into one array; the first chunk (the header) kept. */
static cJSON *kc_trace_read(struct kc *k, cJSON **header, char *raw)
{
	cJSON *all = cJSON_CreateArray(), *r;
	double got = 0, total = 1;
	*header = NULL;
	while (got < total && (r = kc_trace_ask(k, "read", got, raw))) {
		cJSON *ev = cJSON_DetachItemFromObjectCaseSensitive(r, "events"), *e;
		total = kc_num(r, "total");
		if (!cJSON_GetArraySize(ev))
			total = got; /* nothing more: do not ask forever */
		while ((e = cJSON_DetachItemFromArray(ev, 0))) {
			cJSON_AddItemToArray(all, e);
			got++;
		}
		cJSON_Delete(ev);
		if (!*header)
			*header = r;
		else
			cJSON_Delete(r);
	}
	if (*header && got >= total)
		return all;
	cJSON_Delete(all);
	return NULL;
}

static int kc_trace_write(const char *path, cJSON *header, cJSON *events)
{
	const char *why = NULL;
	cJSON *out = trace_to_chrome(header, events, &why);
	char *text = out ? cJSON_PrintUnformatted(out) : NULL;
	FILE *f = text ? fopen(path, "w") : NULL;
	int rc = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
	if (f && fclose(f))
		rc = 0;
	if (!rc)
		fprintf(stderr, "keelctl: %s: %s\n", path, why ? why : strerror(errno));
	else
		printf("trace: %d events, %.0f lost, %.2f s -> %s\n", cJSON_GetArraySize(events),
		       kc_num(header, "lost"), (kc_num(header, "t_stop") - kc_num(header, "t_start")) /
		       kc_num(header, "timer_hz"), path);
	free(text);
	cJSON_Delete(out);
	return rc ? 0 : 1;
}

/* trace [--seconds N] -o FILE: on, N seconds here, off, every chunk read,
 * the Chrome trace-event file written. */
static int kc_trace(struct kc *k, int argc, char **argv)
{
	static char raw[KC_LINE_MAX];
	const char *path = NULL;
	double secs = 2;
	cJSON *r, *header = NULL, *events;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc && atof(argv[i + 1]) > 0)
			secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			path = argv[++i];
		else
			return kc_usage();
	}
	if (!path)
		return kc_usage();
	if (!kc_connect(k) || !(r = kc_trace_ask(k, "start", 0, raw)))
		return 2;
	cJSON_Delete(r);
	/* QEMU serves one connection at a time: let go of it while the trace
	 * runs, so that another keelctl (a crash, say) gets through. */
	close(k->fd);
	k->in_len = 0;
	nanosleep(&(struct timespec){ (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) },
		  NULL);
	if (!kc_connect(k) || !(r = kc_trace_ask(k, "stop", 0, raw)))
		return 2;
	cJSON_Delete(r);
	if (!(events = kc_trace_read(k, &header, raw)))
		return 2;
	int rc = kc_trace_write(path, header, events);
	cJSON_Delete(header);
	cJSON_Delete(events);
	return rc;
}

int main(int argc, char **argv)
{
	static struct kc k = { .timeout_s = 30, .fd = -1 };
	static char raw[KC_LINE_MAX];
	bool follow = false;
	cJSON *req, *r;
	int i = 1, rc;
	k.sock = getenv("KEELCTL_SOCKET") ? getenv("KEELCTL_SOCKET") : "build/keel-ctl.sock";
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			k.json = true;
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			k.sock = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc && atoi(argv[i + 1]) > 0)
			k.timeout_s = atoi(argv[++i]), k.timeout_set = true;
		else
			return kc_usage();
	}
	if (i >= argc)
		return kc_usage();
	if (!strcmp(argv[i], "console"))
		return argc - i == 2 ? kc_console(&k, argv[i + 1]) : kc_usage();
	if (!strcmp(argv[i], "trace"))
		return kc_trace(&k, argc - i, argv + i);
	if (!strcmp(argv[i], "raw")) {
		k.json = true; /* the reply as it came */
		if (argc - i != 2 || !(req = cJSON_Parse(argv[i + 1])) || !cJSON_IsObject(req)) {
			/* not JSON here: send it as it is, Keel locates the error */
			if (argc - i != 2 || !kc_connect(&k))
				return argc - i != 2 ? kc_usage() : 2;
			if (!kc_write_all(k.fd, argv[i + 1], strlen(argv[i + 1])) ||
			    !kc_write_all(k.fd, "\n", 1) || !kc_read_line(&k, raw, sizeof(raw)))
				return 2;
			printf("%s\n", raw);
			return strstr(raw, "\"error\"") ? 1 : 0;
		}
	} else if (!(req = kc_request(argc - i, argv + i, &follow))) {
		return kc_usage();
	}
	if (!kc_connect(&k) || !(r = kc_call(&k, req, raw, sizeof(raw))))
		return 2;
	rc = kc_answer(&k, strcmp(argv[i], "raw") ? argv[i] : "raw", r, raw);
	if (follow && !rc) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "events");
		double since = cJSON_GetArraySize(e)
				       ? kc_num(cJSON_GetArrayItem(e, cJSON_GetArraySize(e) - 1), "seq")
				       : 0;
		cJSON_Delete(r);
		return kc_follow(&k, req, since, raw);
	}
	cJSON_Delete(r);
	cJSON_Delete(req);
	return rc;
}
