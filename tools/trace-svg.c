/*
 * trace-svg — a Keel trace (the Chrome trace-event JSON keelctl trace
 * writes) as an SVG timeline: one lane per CPU, per server and per vCPU.
 *
 *   trace-svg trace.json > trace.svg
 *
 * Each lane has a stripe per kind of event (VM exits, IPC calls,
 * interrupt injections, device requests); a pixel column of a stripe is
 * filled when the lane had that kind of event then, so tens of thousands
 * of events stay a few hundred rectangles. Faults and restarts are drawn
 * as marks across their lane with their name. Bad input: a message on
 * stderr and exit status 1, nothing on stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define COLS 1000       /* plot width in pixels */
#define LABEL_W 170
#define LANE_H 22
#define TOP 40
#define MAX_LANES 128
#define MAX_MARKS 64

enum stripe { S_EXIT, S_IPC, S_IRQ, S_DEV, S_COUNT };
static const char *const stripe_cat[S_COUNT] = { "exit", "ipc", "irq", "device request" };
static const char *const stripe_color[S_COUNT] = { "#4e79a7", "#f28e2b", "#59a14f", "#b8860b" };

struct lane {
	int pid, tid;
	char name[64];
	bool used;
	unsigned char col[S_COUNT][COLS];
};

struct mark {
	int lane;
	double ts;
	bool restart;
};

static struct lane lanes[MAX_LANES];
static int nlanes;
static struct mark marks[MAX_MARKS];
static int nmarks;
static double t_end;

static int fail(const char *what)
{
	fprintf(stderr, "trace-svg: %s\n", what);
	return 1;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int lane_find(int pid, int tid)
{
	for (int i = 0; i < nlanes; i++)
		if (lanes[i].pid == pid && lanes[i].tid == tid)
			return i;
	if (nlanes == MAX_LANES)
		return -1;
	lanes[nlanes] = (struct lane){ .pid = pid, .tid = tid };
	snprintf(lanes[nlanes].name, sizeof(lanes[nlanes].name), "pid %d tid %d", pid, tid);
	return nlanes++;
}

static int col_of(double ts)
{
	int c = t_end > 0 ? (int)(ts / t_end * COLS) : 0;
	return c < 0 ? 0 : c >= COLS ? COLS - 1 : c;
}

static void fill(struct lane *l, int s, double ts, double dur)
{
	for (int c = col_of(ts); c <= col_of(ts + dur); c++)
		l->col[s][c] = 1;
	l->used = true;
}

/* One event of traceEvents; false if it is malformed. */
static bool take(const cJSON *e)
{
	const char *ph = str(e, "ph"), *cat = str(e, "cat");
	double ts = num(e, "ts");
	int l = lane_find((int)num(e, "pid"), (int)num(e, "tid"));
	if (l < 0 || !*ph)
		return l >= 0 ? false : true; /* too many lanes: the rest left out */
	if (!strcmp(ph, "M")) {
		if (!strcmp(str(e, "name"), "thread_name"))
			snprintf(lanes[l].name, sizeof(lanes[l].name), "%s",
				 str(cJSON_GetObjectItemCaseSensitive(e, "args"), "name"));
		return true;
	}
	if (ts < 0)
		return false;
	if ((!strcmp(cat, "fault") || !strcmp(cat, "restart")) && lanes[l].pid != 1) {
		if (nmarks < MAX_MARKS)
			marks[nmarks++] = (struct mark){ l, ts, !strcmp(cat, "restart") };
		lanes[l].used = true;
		return true;
	}
	for (int s = 0; s < S_COUNT; s++)
		if (!strcmp(cat, stripe_cat[s]))
			fill(&lanes[l], s, ts, num(e, "dur") > 0 ? num(e, "dur") : 0);
	return true;
}

static void end_of(const cJSON *events)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, events) {
		double end = num(e, "ts") + (num(e, "dur") > 0 ? num(e, "dur") : 0);
		if (end > t_end)
			t_end = end;
	}
}

static void xml_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '<') fputs("&lt;", stdout);
		else if (*s == '>') fputs("&gt;", stdout);
		else if (*s == '&') fputs("&amp;", stdout);
		else if (*s == '"') fputs("&quot;", stdout);
		else putchar(*s);
	}
}

/* Runs of filled columns as one rectangle each. */
static void draw_stripe(const struct lane *l, int s, int y)
{
	int h = (LANE_H - 4) / S_COUNT;
	for (int c = 0; c < COLS; c++) {
		int start = c;
		if (!l->col[s][c])
			continue;
		while (c + 1 < COLS && l->col[s][c + 1])
			c++;
		printf("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
		       LABEL_W + start, y + 2 + s * h, c - start + 1, h, stripe_color[s]);
	}
}

/* A tick every 1, 2 or 5 × 10^n µs: at most 12 of them. */
static double tick_step(void)
{
	static const double m[] = { 1, 2, 5 };
	for (double p = 1; p < 1e12; p *= 10)
		for (int i = 0; i < 3; i++)
			if (t_end / (p * m[i]) <= 12)
				return p * m[i];
	return 1e12;
}

static void draw_axis(int height)
{
	double step = tick_step();
	for (double t = 0; t <= t_end; t += step) {
		int x = LABEL_W + col_of(t);
		printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, TOP - 6,
		       x, height);
		printf("<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%g ms</text>\n",
		       x, TOP - 9, t / 1000);
	}
}

static void draw_legend(int y)
{
	for (int s = 0; s < S_COUNT; s++) {
		printf("<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>", LABEL_W + s * 150,
		       y, stripe_color[s]);
		printf("<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", LABEL_W + s * 150 + 14,
		       y + 9, stripe_cat[s]);
	}
	printf("<rect x=\"%d\" y=\"%d\" width=\"3\" height=\"10\" fill=\"#d62728\"/>", LABEL_W + 600, y);
	printf("<text x=\"%d\" y=\"%d\" font-size=\"11\">fault</text>\n", LABEL_W + 607, y + 9);
	printf("<rect x=\"%d\" y=\"%d\" width=\"3\" height=\"10\" fill=\"#9467bd\"/>", LABEL_W + 680, y);
	printf("<text x=\"%d\" y=\"%d\" font-size=\"11\">restart</text>\n", LABEL_W + 687, y + 9);
}

/* CPUs first, then the VMs' vCPUs, then the servers; by name within. */
static int lane_group(const struct lane *l)
{
	return l->pid == 1 ? 0 : l->pid >= 3 ? 1 : 2;
}

static int lane_cmp(const void *a, const void *b)
{
	const struct lane *x = &lanes[*(const int *)a], *y = &lanes[*(const int *)b];
	if (lane_group(x) != lane_group(y))
		return lane_group(x) - lane_group(y);
	if (x->pid == 1)
		return x->tid - y->tid;
	return strcmp(x->name, y->name);
}

static void draw(void)
{
	int row[MAX_LANES], order[MAX_LANES], n = 0, height;
	for (int i = 0; i < nlanes; i++)
		order[i] = i;
	qsort(order, (size_t)nlanes, sizeof(order[0]), lane_cmp);
	for (int k = 0; k < nlanes; k++)
		if (lanes[order[k]].used)
			row[order[k]] = n++;
	height = TOP + n * LANE_H;
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	       "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	       LABEL_W + COLS + 10, height + 30);
	draw_axis(height);
	for (int i = 0; i < nlanes; i++) {
		int y = TOP + row[i] * LANE_H;
		if (!lanes[i].used)
			continue;
		printf("<text x=\"4\" y=\"%d\" font-size=\"11\">", y + 15);
		xml_text(lanes[i].name);
		printf("</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
		       LABEL_W, y + LANE_H, LABEL_W + COLS, y + LANE_H);
		for (int s = 0; s < S_COUNT; s++)
			draw_stripe(&lanes[i], s, y);
	}
	for (int m = 0; m < nmarks; m++) {
		int x = LABEL_W + col_of(marks[m].ts), y = TOP + row[marks[m].lane] * LANE_H;
		printf("<rect x=\"%d\" y=\"%d\" width=\"3\" height=\"%d\" fill=\"%s\"/>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"%s\">%s</text>\n", x, y, LANE_H,
		       marks[m].restart ? "#9467bd" : "#d62728", x + 5, y + (marks[m].restart ? 19 : 9),
		       marks[m].restart ? "#9467bd" : "#d62728", marks[m].restart ? "restart" : "fault");
	}
	draw_legend(height + 10);
	printf("</svg>\n");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	if (!f)
		return NULL;
	do {
		if (len + 65536 > cap && !(buf = realloc(buf, cap = (cap + 65536) * 2)))
			break;
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

int main(int argc, char **argv)
{
	char *text;
	cJSON *doc;
	const cJSON *events, *e;
	if (argc != 2)
		return fail("usage: trace-svg trace.json > trace.svg");
	if (!(text = slurp(argv[1])))
		return fail("cannot read the trace file");
	doc = cJSON_Parse(text);
	free(text);
	events = cJSON_GetObjectItemCaseSensitive(doc, "traceEvents");
	if (!cJSON_IsArray(events))
		return fail("not a trace: no traceEvents array (keelctl trace writes one)");
	end_of(events);
	cJSON_ArrayForEach(e, events)
		if (!cJSON_IsObject(e) || !take(e))
			return fail("a trace event without ph, pid, tid or ts");
	draw();
	cJSON_Delete(doc);
	return 0;
}
