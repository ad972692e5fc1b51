/*
 * keel/print.h — console output for user programs without a file system.
 *
 * Text goes out through keel_debug_write (KEEL_SYS_DEBUG_WRITE, 48 bytes
 * a trap), so these work in the root server, which has no fault handler to emulate
 * Linux write(2). Text is formatted with musl's vsnprintf into a stack
 * buffer first; a line longer than KEEL_PRINT_MAX is cut short.
 *
 * Other CPUs print at the same time, 48 bytes at a time: a long line can
 * interleave with another CPU's. Test markers are therefore printed by the
 * root server only (servers send them through keel_report, keel/server.h).
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
