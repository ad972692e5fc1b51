/* Debug-console printing: format into a buffer, then one trap per line
 * (keel/print.h). */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>

/* n bytes (at most KEEL_DEBUG_WRITE_MAX) in one trap: the bytes past the
 * registers' go through the IPC buffer's mr[6..], which may hold a
 * message this thread is in the middle of (a request being answered), so
 * they are put back after. */
static void kputs_one(const char *s, unsigned n)
{
	struct keel_ipc_buffer *buf = keel_ipcbuf();
	unsigned long_bytes = n > KEEL_DEBUG_WRITE_REGS ? n - KEEL_DEBUG_WRITE_REGS : 0;
	uint64_t saved[KEEL_MSG_MAX_MRS - KEEL_MSG_REG_MRS];
	if (!long_bytes) {
		keel_debug_write(s, n);
		return;
	}
	memcpy(saved, &buf->mr[KEEL_MSG_REG_MRS], long_bytes);
	memcpy(&buf->mr[KEEL_MSG_REG_MRS], s + KEEL_DEBUG_WRITE_REGS, long_bytes);
	keel_debug_write(s, n);
	memcpy(&buf->mr[KEEL_MSG_REG_MRS], saved, long_bytes);
}

void kputs(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		unsigned k = n < KEEL_DEBUG_WRITE_MAX ? (unsigned)n : KEEL_DEBUG_WRITE_MAX;
		kputs_one(s, k);
		s += k;
		n -= k;
	}
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KEEL_PRINT_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	kputs(buf);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
