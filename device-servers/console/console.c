/*
 * Console logic (console.h): output by mode, the switch key, the input
 * queues. Pure: the driver (main.c) passes the UART and the VMMs in as
 * callbacks.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "console.h"

static void sock_commit_apply(struct con_vm *v);

void con_resume(struct con_state *st)
{
	if (st->magic == CON_STATE_MAGIC && st->focus < KEEL_CON_MAX_VMS) {
		for (unsigned i = 0; i < KEEL_CON_MAX_VMS; i++)
			sock_commit_apply(&st->vm[i]); /* a block the last instance took */
		return;
	}
	memset(st, 0, sizeof(*st));
	st->magic = CON_STATE_MAGIC;
}

/* VM vm's state, emptied first if root made a new VM in its place (a VM
 * destroyed and another made, or one reset): no stale input or output. */
_Static_assert(offsetof(struct con_vm, out) + 2 * CON_RING == sizeof(struct con_vm),
	       "vm_state clears everything before the rings");

static struct con_vm *vm_state(const struct con_config *cf, struct con_state *st,
			       unsigned vm)
{
	struct con_vm *v = &st->vm[vm];
	if (v->gen != cf->gen[vm]) {
		memset(v, 0, offsetof(struct con_vm, out));
		v->gen = cf->gen[vm];
	}
	return v;
}

/* n bytes of src on the UART: on a new line if another has the open one
 * (text that starts with a line break of its own needs none). */
static void con_put(struct con_state *st, uint32_t src, const char *b, unsigned n,
		    const struct con_io *io)
{
	if (!n)
		return;
	if (st->line_src != CON_SRC_NONE && st->line_src != src && b[0] != '\r' && b[0] != '\n')
		io->put(io->ctx, "\r\n", 2);
	io->put(io->ctx, b, n);
	st->line_src = b[n - 1] == '\n' ? CON_SRC_NONE : src;
}

static void put_str(struct con_state *st, const struct con_io *io, const char *s)
{
	con_put(st, CON_SRC_CONSOLE, s, (unsigned)strlen(s), io);
}

/* Prefix mode: guest text is untrusted, so only printable ASCII, tab and
 * newline reach the terminal ('\r' is dropped: '\n' goes out as CRLF). */
static void out_prefixed(const struct con_config *cf, struct con_state *st, unsigned vm,
			 const uint8_t *b, unsigned n, const struct con_io *io)
{
	char line[2 * KEEL_CON_WRITE_MAX + CON_NAME + 8];
	unsigned len = 0;
	if (st->line_src != CON_SRC_VM(vm))
		len = (unsigned)snprintf(line, sizeof(line), "[%.*s] ", (int)CON_NAME,
					 cf->name[vm]);
	for (unsigned i = 0; i < n && len + 2 < sizeof(line); i++) {
		uint8_t c = b[i];
		if (c == '\r')
			continue;
		if (c == '\n')
			line[len++] = '\r';
		line[len++] = c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	con_put(st, CON_SRC_VM(vm), line, len, io);
}

void con_klog(struct con_state *st, const uint8_t *b, unsigned n, const struct con_io *io)
{
	while (n) {
		unsigned k = 0;
		while (k < n && b[k] != '\n')
			k++;
		con_put(st, CON_SRC_KLOG, (const char *)b, k, io);
		if (k < n)
			con_put(st, CON_SRC_KLOG, "\r\n", 2, io);
		k += k < n;
		b += k;
		n -= k;
	}
}

/* Switch mode, a VM without the console: keep the newest CON_RING bytes. */
static void ring_add(struct con_vm *v, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (v->out_len == CON_RING) {
			v->out_start = (v->out_start + 1) % CON_RING;
			v->out_len--;
			v->out_lost++;
		}
		v->out[(v->out_start + v->out_len++) % CON_RING] = b[i];
	}
}

static void ring_replay(struct con_state *st, unsigned vm, struct con_vm *v,
			const struct con_io *io)
{
	while (v->out_len) {
		unsigned n = v->out_len;
		if (n > CON_RING - v->out_start)
			n = CON_RING - v->out_start;
		con_put(st, CON_SRC_VM(vm), (const char *)&v->out[v->out_start], n, io);
		v->out_start = (v->out_start + n) % CON_RING;
		v->out_len -= n;
	}
	v->out_start = 0;
}

static void sock_commit_apply(struct con_vm *v)
{
	if (!v->commit.valid)
		return;
	*(v->commit.hvc ? &v->hvc_pos : &v->out_pos) = v->commit.printed;
	v->sock_end = v->commit.sock_end;
	v->commit.valid = 0;
}

/* A block's new bytes: into the VM's socket ring past its end, then its
 * stream's printed position and the ring's end together, through a redo
 * record (valid set by one store), so a crash anywhere in between takes
 * the block again whole (before the mark) or applies it once (after). */
static void sock_add(struct con_vm *v, bool hvc, uint64_t printed, const uint8_t *b,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		v->sock[(v->sock_end + i) % CON_RING] = b[i];
	v->commit = (struct con_commit){ .printed = printed, .sock_end = v->sock_end + n,
					 .hvc = hvc };
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v->commit.valid = 1;
	sock_commit_apply(v);
}

/* Of a block at stream position pos, the bytes the console printed
 * already: a block sent again (a retry) starts at most one block before
 * what the console has; anything further back is a new stream (a PL011
 * server that reset its state) and is taken whole. */
static unsigned out_seen(uint64_t printed, uint64_t pos, unsigned n)
{
	uint64_t behind = (printed - pos) & KEEL_CON_POS_MASK;
	if (behind > KEEL_CON_WRITE_MAX)
		return 0;
	return behind < n ? (unsigned)behind : n;
}

/* A block of stream hvc (0: the PL011's, 1: the virtio-console's). */
static void con_output_stream(const struct con_config *cf, struct con_state *st, unsigned vm,
			      bool hvc, uint64_t pos, const uint8_t *b, unsigned n,
			      const struct con_io *io)
{
	struct con_vm *v;
	uint64_t *printed;
	unsigned seen;
	if (vm >= KEEL_CON_MAX_VMS || !n)
		return;
	v = vm_state(cf, st, vm);
	printed = hvc ? &v->hvc_pos : &v->out_pos;
	if (n > KEEL_CON_WRITE_MAX)
		n = KEEL_CON_WRITE_MAX;
	seen = out_seen(*printed, pos, n);
	b += seen;
	n -= seen;
	if (!n) {
		*printed = (pos + seen) & KEEL_CON_POS_MASK;
		return;
	}
	sock_add(v, hvc, (pos + seen + n) & KEEL_CON_POS_MASK, b, n);
	if (cf->mode != CON_SWITCH)
		out_prefixed(cf, st, vm, b, n, io);
	else if (vm == st->focus)
		con_put(st, CON_SRC_VM(vm), (const char *)b, n, io);
	else
		ring_add(v, b, n);
}

void con_output(const struct con_config *cf, struct con_state *st, unsigned vm,
		uint64_t pos, const uint8_t *b, unsigned n, const struct con_io *io)
{
	con_output_stream(cf, st, vm, false, pos, b, n, io);
}

void con_output_hvc(const struct con_config *cf, struct con_state *st, unsigned vm,
		    uint64_t pos, const uint8_t *b, unsigned n, const struct con_io *io)
{
	con_output_stream(cf, st, vm, true, pos, b, n, io);
}

static void con_switch(const struct con_config *cf, struct con_state *st, unsigned vm,
		       const struct con_io *io)
{
	struct con_vm *v = vm_state(cf, st, vm);
	char note[120];
	snprintf(note, sizeof(note), "\r\n[console] %.*s has the console (Ctrl-] then 1..%u "
		 "switches)", (int)CON_NAME, cf->name[vm], cf->nvms);
	put_str(st, io, note);
	if (cf->off[vm])
		put_str(st, io, "; it is off: Ctrl-] s starts it");
	if (cf->mode == CON_SWITCH && v->out_lost) {
		snprintf(note, sizeof(note), "; %u older bytes of its output were dropped",
			 v->out_lost);
		put_str(st, io, note);
		v->out_lost = 0;
	}
	put_str(st, io, "\r\n");
	st->focus = vm;
	if (cf->mode == CON_SWITCH)
		ring_replay(st, vm, v, io);
}

bool con_input_room(const struct con_config *cf, struct con_state *st)
{
	if (st->focus >= cf->nvms || st->focus >= KEEL_CON_MAX_VMS)
		return true; /* no VM takes keys: only Ctrl-] sequences count */
	return vm_state(cf, st, st->focus)->in_len < CON_IN;
}

static void in_add(const struct con_config *cf, struct con_state *st, uint8_t c,
		   const struct con_io *io)
{
	struct con_vm *v = vm_state(cf, st, st->focus);
	if (v->in_len == CON_IN) {
		/* only a driver that ignores con_input_room gets here */
		v->in_lost++;
		if (v->in_lost == 1)
			put_str(st, io, "\r\n[console] input queue full: typed keys dropped\r\n");
		return;
	}
	v->in[(v->in_start + v->in_len++) % CON_IN] = c;
	io->kick(io->ctx, st->focus);
}

/* Ctrl-] n for a VM that does not exist: say so, keep the focus. */
static void con_no_vm(const struct con_config *cf, struct con_state *st, unsigned n,
		      const struct con_io *io)
{
	char note[80];
	snprintf(note, sizeof(note), "\r\n[console] there is no VM %u (VMs 1..%u)\r\n", n,
		 cf->nvms);
	put_str(st, io, note);
}

/* A key of the command line (Ctrl-] :): it is echoed, and Enter gives
 * the line to root; nothing of it reaches a VM. */
static void con_cmd_key(struct con_state *st, uint8_t c, const struct con_io *io)
{
	char ch[2] = { (char)c, 0 };
	if (c == '\r' || c == '\n') {
		st->cmd = 0;
		st->cmd_line[st->cmd_len < CON_CMD_MAX ? st->cmd_len : CON_CMD_MAX - 1] = 0;
		put_str(st, io, "\r\n");
		if (st->cmd_len)
			io->command(io->ctx, st->focus, st->cmd_line);
	} else if ((c == 0x7f || c == 0x08) && st->cmd_len) {
		st->cmd_len--;
		put_str(st, io, "\b \b");
	} else if (c == 0x03 || c == 0x1b || c == CON_KEY_ESC) {
		st->cmd = 0;
		put_str(st, io, " (dropped)\r\n");
	} else if (c >= 0x20 && c < 0x7f && st->cmd_len < CON_CMD_MAX - 1) {
		st->cmd_line[st->cmd_len++] = (char)c;
		put_str(st, io, ch);
	}
}

void con_key(const struct con_config *cf, struct con_state *st, uint8_t c,
	     const struct con_io *io)
{
	if (st->cmd) {
		con_cmd_key(st, c, io);
		return;
	}
	if (!st->esc && c == CON_KEY_ESC) {
		st->esc = 1;
		return;
	}
	if (!st->esc) {
		if (st->focus < cf->nvms)
			in_add(cf, st, c, io);
		return;
	}
	st->esc = 0;
	if (c == CON_KEY_ESC && st->focus < cf->nvms)
		in_add(cf, st, c, io);
	else if (c >= '1' && c <= '9' && (unsigned)(c - '1') < cf->nvms)
		con_switch(cf, st, (unsigned)(c - '1'), io);
	else if (c >= '1' && c <= '9')
		con_no_vm(cf, st, (unsigned)(c - '0'), io);
	else if (c == CON_KEY_CRASH && st->focus < cf->nvms && io->crash_dev)
		io->crash_dev(io->ctx, st->focus);
	else if (c == CON_KEY_START && st->focus < cf->nvms && io->start_vm)
		io->start_vm(io->ctx, st->focus); /* root says what it did */
	else if (c == CON_KEY_CMD && io->command) {
		st->cmd = 1;
		st->cmd_len = 0;
		put_str(st, io, "\r\n[console] command (list, start VM, stop VM, reset VM): ");
	}
}

unsigned con_fetch(const struct con_config *cf, struct con_state *st, unsigned vm,
		   uint64_t seq, unsigned delivered, uint8_t *out, unsigned max)
{
	struct con_vm *v;
	unsigned n;
	if (vm >= KEEL_CON_MAX_VMS)
		return 0;
	v = vm_state(cf, st, vm);
	if (seq == v->fetch_seq)
		delivered = 0; /* applied before this server's crash */
	v->fetch_seq = seq;
	if (delivered > v->in_offered)
		delivered = v->in_offered; /* never drop what was not offered */
	v->in_start = (v->in_start + delivered) % CON_IN;
	v->in_len -= delivered;
	n = v->in_len < max ? v->in_len : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = v->in[(v->in_start + i) % CON_IN];
	v->in_offered = n;
	return n;
}

uint64_t con_sock_replay_from(const struct con_config *cf, struct con_state *st, unsigned vm)
{
	struct con_vm *v;
	if (vm >= KEEL_CON_MAX_VMS)
		return 0;
	v = vm_state(cf, st, vm);
	return v->sock_end > CON_RING ? v->sock_end - CON_RING : 0;
}

unsigned con_sock_peek(const struct con_config *cf, struct con_state *st, unsigned vm,
		       uint64_t *from, uint8_t *out, unsigned max)
{
	uint64_t oldest = con_sock_replay_from(cf, st, vm);
	struct con_vm *v;
	unsigned n;
	if (vm >= KEEL_CON_MAX_VMS)
		return 0;
	v = &st->vm[vm];
	if (*from > v->sock_end || *from < oldest)
		*from = oldest; /* a new VM here, or a reader that fell a ring behind */
	n = v->sock_end - *from < max ? (unsigned)(v->sock_end - *from) : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = v->sock[(*from + i) % CON_RING];
	return n;
}

unsigned con_input_stage(const struct con_config *cf, struct con_state *st, unsigned vm,
			 const uint8_t *b, unsigned n, uint32_t *new_len)
{
	struct con_vm *v;
	unsigned room;
	if (vm >= KEEL_CON_MAX_VMS || vm >= cf->nvms)
		return 0;
	v = vm_state(cf, st, vm);
	room = CON_IN - v->in_len;
	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++)
		v->in[(v->in_start + v->in_len + i) % CON_IN] = b[i];
	*new_len = v->in_len + n;
	return n;
}

void con_input_commit(struct con_state *st, unsigned vm, uint32_t new_len)
{
	if (vm < KEEL_CON_MAX_VMS && new_len <= CON_IN)
		st->vm[vm].in_len = new_len;
}
