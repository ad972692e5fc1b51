/*
 * libctest: musl's Linux system calls, as the root server emulates them
 * (docs/libc.md). Each check names the call and the answer it must get;
 * the first wrong one is reported. Ends with exit(0), which root logs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <keel/server.h>

#define CHECK(n, cond)                                                              \
	do {                                                                        \
		if (!(cond)) {                                                      \
			keel_report(KEEL_REPORT_FAIL, n, "check %d failed: %s "     \
				    "(errno %d)", n, #cond, errno);                 \
			return 1;                                                   \
		}                                                                   \
	} while (0)

static int libc_output(void)
{
	static const char part1[] = "hello from ", part2[] = "writev\n";
	struct iovec iov[2] = { { (void *)part1, sizeof(part1) - 1 },
				{ (void *)part2, sizeof(part2) - 1 } };
	CHECK(1, printf("hello from printf: %d\n", 42) == 22);
	CHECK(2, fflush(stdout) == 0);
	CHECK(3, write(1, "hello from write\n", 17) == 17);
	CHECK(4, write(2, "hello from stderr\n", 18) == 18);
	CHECK(5, writev(1, iov, 2) == (ssize_t)(sizeof(part1) + sizeof(part2) - 2));
	return 0;
}

static int libc_errors(void)
{
	struct winsize ws;
	errno = 0;
	CHECK(6, write(1, (const void *)16, 4) == -1 && errno == EFAULT);
	CHECK(7, write(5, "x", 1) == -1 && errno == EBADF);
	CHECK(8, ioctl(1, TIOCGWINSZ, &ws) == -1 && errno == ENOTTY);
	CHECK(9, malloc(64) == NULL && errno == ENOMEM);
	CHECK(10, syscall(SYS_getppid) == -1 && errno == ENOSYS);
	return 0;
}

static int libc_misc(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	CHECK(11, getpid() == 1);
	CHECK(12, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	return 0;
}

int main(void)
{
	if (libc_output() || libc_errors() || libc_misc())
		return 1;
	keel_report(KEEL_REPORT_PASS, 12, "12 checks");
	return 0;
}
