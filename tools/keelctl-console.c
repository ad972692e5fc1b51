/*
 * keelctl console VM (docs/console.md): the host's end of a VM's own
 * console socket, build/keel-console-vm<N>.sock, that make run gives QEMU
 * and the console server drives. What the VM writes is printed; what is
 * typed goes to the VM as input, as at the multiplexed terminal. The
 * console server replays the VM's last 16 KiB of output on connect.
 */
#define _DEFAULT_SOURCE /* cfmakeraw */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "keelctl-console.h"

#define KCON_DETACH 0x1d /* Ctrl-] */

void kcon_path(char *buf, unsigned size, const char *ctl, unsigned n)
{
	const char *slash = strrchr(ctl, '/');
	int dir = slash ? (int)(slash - ctl) : 1;
	snprintf(buf, size, "%.*s/keel-console-vm%u.sock", dir, slash ? ctl : ".", n);
}

static int kcon_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;
	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "keelctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "keelctl: cannot connect to %s: %s (is Keel running under make "
				"run?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool kcon_write_all(int fd, const char *p, size_t n)
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

/* Typed bytes to the VM; false once the user detaches (tty: Ctrl-]). */
static bool kcon_input(int fd, const char *b, size_t n, bool tty)
{
	const char *esc = tty ? memchr(b, KCON_DETACH, n) : NULL;
	if (esc)
		n = (size_t)(esc - b);
	return kcon_write_all(fd, b, n) && !esc;
}

/* Copy both ways until detach, the socket's end, or (stdin a pipe that
 * ended) idle_s seconds without output. */
static int kcon_loop(int fd, bool tty, int idle_s)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	bool in_open = true;
	char b[4096];
	for (;;) {
		int r = poll(p, in_open ? 2 : 1, in_open ? -1 : idle_s * 1000);
		ssize_t n;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? 0 : 2; /* quiet for idle_s after the input's end */
		if (p[0].revents) {
			if ((n = read(fd, b, sizeof(b))) <= 0)
				return 0; /* Keel (QEMU) went away */
			if (!kcon_write_all(1, b, (size_t)n))
				return 2;
		}
		if (in_open && p[1].revents) {
			n = read(0, b, sizeof(b));
			if (n <= 0)
				in_open = false;
			else if (!kcon_input(fd, b, (size_t)n, tty))
				return 0;
		}
	}
}

int kcon_attach(const char *path, const char *vm, int idle_s)
{
	struct termios old, raw;
	bool tty = isatty(0) && tcgetattr(0, &old) == 0;
	int fd = kcon_connect(path), rc;
	if (fd < 0)
		return 2;
	if (tty) {
		fprintf(stderr, "[keelctl] %s's console (%s); Ctrl-] detaches\r\n", vm, path);
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	rc = kcon_loop(fd, tty, idle_s);
	if (tty) {
		tcsetattr(0, TCSANOW, &old);
		fprintf(stderr, "\n[keelctl] detached from %s\n", vm);
	}
	close(fd);
	return rc;
}
