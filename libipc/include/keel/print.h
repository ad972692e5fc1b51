/*
 * keel/print.h — console output for user programs without a file system.
 *
 * Text goes out through keel_debug_write (KEEL_SYS_DEBUG_WRITE), so these
 * work in the root server, which has no fault handler to emulate Linux
 * write(2). Text is formatted with musl's vsnprintf into a stack buffer
 * first; a line longer than KEEL_PRINT_MAX is cut short.
 *
 * One call is one trap (up to KEEL_DEBUG_WRITE_MAX bytes, the part past
 * the registers through the IPC buffer at KEEL_IPCBUF_VADDR, which every
 * thread that prints has: root's and every server's), so a line printed
 * whole is never split by another thread's, and with a console server it
 * is never cut by a guest's either (the kernel log, keel/abi.h).
 */
#ifndef KEEL_PRINT_H
#define KEEL_PRINT_H

#include <stdarg.h>

#define KEEL_PRINT_MAX 512

/* Print s as is (no newline added). */
void kputs(const char *s);
/* printf to the debug console; returns what vsnprintf returned. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif /* KEEL_PRINT_H */
