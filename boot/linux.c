/*
 * Linux system calls of servers (docs/libc.md). musl traps with the Linux
 * ABI; the kernel never handles those itself but sends them to the
 * thread's fault handler, root, as KEEL_FAULT_SYSCALL: MR0 number,
 * MR1..MR6 arguments (MR6 in the IPC buffer), MR7 pc. The reply's MR0 is
 * the call's return value, a negative errno on failure.
 *
 * Dispatch is a full table indexed by call number; an empty entry is
 * ENOSYS, logged once per call number.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>

#include "root.h"

#define LINUX_NR_MAX 512u
#define LINUX_IOV_MAX 1024u
/* Bytes printed per write/writev: more is a short write (legal, and musl
 * retries), so one server cannot keep root printing for long. */
#define LINUX_WRITE_MAX 4096u
#define LINUX_LOG_MAX 8u /* unemulated calls logged per server */

/* Returns false if the caller must not be answered (it exited). */
typedef bool (*linux_fn)(struct server *s, const uint64_t *arg, int64_t *ret);

/* Server output, one line at a time behind a "[name] " prefix; bytes that
 * would steer the terminal print as '?'. */
static void linux_out(struct server *s, const char *buf, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++) {
		char c = buf[i];
		if (!s->out_midline)
			kprintf("[%s] ", s->name);
		s->out_midline = c != '\n';
		if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7e))
			c = '?';
		keel_debug_putc(c);
	}
}

/* Print at most *budget bytes of [base, base + len) in s; false if the
 * range is not all s's memory. */
static bool linux_emit(struct server *s, uint64_t base, uint64_t len, uint64_t *budget)
{
	const char *buf = srv_view(s, base, len);
	if (!buf)
		return false;
	if (len > *budget)
		len = *budget;
	linux_out(s, buf, len);
	*budget -= len;
	return true;
}

static bool lx_write(struct server *s, const uint64_t *a, int64_t *ret)
{
	uint64_t budget = LINUX_WRITE_MAX;
	if (a[0] != 1 && a[0] != 2)
		*ret = -EBADF;
	else if (!linux_emit(s, a[1], a[2], &budget))
		*ret = -EFAULT;
	else
		*ret = (int64_t)(LINUX_WRITE_MAX - budget);
	return true;
}

/* Checks every vector before printing any, so a bad one prints nothing. */
static bool lx_writev_check(struct server *s, const struct iovec *iov, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!srv_view(s, (uint64_t)(uintptr_t)iov[i].iov_base, iov[i].iov_len))
			return false;
	return true;
}

static int64_t lx_writev_do(struct server *s, const uint64_t *a)
{
	struct iovec iov[LINUX_IOV_MAX];
	uint64_t budget = LINUX_WRITE_MAX;
	const void *src;
	if (a[0] != 1 && a[0] != 2)
		return -EBADF;
	if (a[2] > LINUX_IOV_MAX)
		return -EINVAL;
	if (!(src = srv_view(s, a[1], a[2] * sizeof(struct iovec))))
		return -EFAULT;
	memcpy(iov, src, a[2] * sizeof(struct iovec)); /* may be unaligned */
	if (!lx_writev_check(s, iov, a[2]))
		return -EFAULT;
	for (uint64_t i = 0; i < a[2] && budget; i++)
		linux_emit(s, (uint64_t)(uintptr_t)iov[i].iov_base, iov[i].iov_len, &budget);
	return (int64_t)(LINUX_WRITE_MAX - budget);
}

static bool lx_writev(struct server *s, const uint64_t *a, int64_t *ret)
{
	*ret = lx_writev_do(s, a);
	return true;
}

/* exit and exit_group: the server is done. Not restarted on status 0. */
static bool lx_exit(struct server *s, const uint64_t *a, int64_t *ret)
{
	int code = (int)(a[0] & 0xff);
	(void)ret;
	srv_stop(s);
	s->state = SRV_EXITED;
	s->exit_code = code;
	if (s->out_midline)
		kputs("\n");
	s->out_midline = false;
	kprintf("[root] server %s exited with code %d\n", s->name, code);
	if (code != 0)
		fault_recover(s);
	root_hook_exited(s, code);
	return false;
}

static bool lx_tid(struct server *s, const uint64_t *a, int64_t *ret)
{
	(void)s, (void)a;
	*ret = 1; /* one thread per server: tid = pid = 1 */
	return true;
}

static bool lx_zero(struct server *s, const uint64_t *a, int64_t *ret)
{
	(void)s, (void)a;
	*ret = 0; /* no signals to mask */
	return true;
}

static bool lx_notty(struct server *s, const uint64_t *a, int64_t *ret)
{
	(void)s, (void)a;
	*ret = -ENOTTY; /* not a terminal: musl's stdout becomes fully buffered */
	return true;
}

static bool lx_nomem(struct server *s, const uint64_t *a, int64_t *ret)
{
	(void)s, (void)a;
	*ret = -ENOMEM; /* no heap: malloc fails cleanly */
	return true;
}

static const linux_fn linux_table[LINUX_NR_MAX] = {
	[SYS_write] = lx_write,
	[SYS_writev] = lx_writev,
	[SYS_exit] = lx_exit,
	[SYS_exit_group] = lx_exit,
	[SYS_set_tid_address] = lx_tid,
	[SYS_getpid] = lx_tid,
	[SYS_rt_sigprocmask] = lx_zero,
	[SYS_ioctl] = lx_notty,
	[SYS_brk] = lx_nomem,
	[SYS_mmap] = lx_nomem,
	[SYS_munmap] = lx_nomem,
};

/* Logged once per call number, and at most LINUX_LOG_MAX times per server
 * (a server making random calls must not flood the console). */
static void linux_log_unemulated(struct server *s, uint64_t nr, uint64_t pc)
{
	uint64_t bit = 1ull << (nr % 64);
	if (nr < LINUX_NR_MAX) {
		if (s->enosys_seen[nr / 64] & bit)
			return;
		s->enosys_seen[nr / 64] |= bit;
	}
	if (s->unemulated++ < LINUX_LOG_MAX)
		kprintf("[root] server %s: Linux system call %lu at pc 0x%lx "
			"not emulated: ENOSYS%s\n", s->name, (unsigned long)nr,
			(unsigned long)pc,
			s->unemulated == LINUX_LOG_MAX ? " (no more logged)" : "");
}

bool linux_syscall(struct server *s, struct keel_msg *m)
{
	const struct keel_ipc_buffer *buf = keel_ipcbuf();
	uint64_t arg[6] = { m->mr[1], m->mr[2], m->mr[3], m->mr[4], m->mr[5],
			    buf->mr[6] };
	uint64_t nr = m->mr[0];
	linux_fn fn = nr < LINUX_NR_MAX ? linux_table[nr] : NULL;
	int64_t ret = -ENOSYS;
	if (!fn)
		linux_log_unemulated(s, nr, buf->mr[7]);
	else if (!fn(s, arg, &ret))
		return false;
	m->label = 0;
	m->len = 1;
	m->mr[0] = (uint64_t)ret;
	return true;
}
