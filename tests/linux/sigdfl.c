/*
 * sigdfl PROG ARGS: run PROG with SIGINT and SIGQUIT back at their
 * default actions.
 *
 * /init starts the console shell in the background so that PID 1 stays
 * free to act on busybox's poweroff and reboot signals. POSIX makes a
 * background command of a shell without job control ignore SIGINT and
 * SIGQUIT, and an ignored signal stays ignored across exec: the shell
 * and everything it ran would then ignore Ctrl-C. This undoes that
 * before the shell starts (a shell cannot: it may not reset a signal
 * that was ignored when it began).
 *
 * A normal static Linux program (musl), like icount.c.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: sigdfl PROG [ARGS]\n", stderr);
		return 2;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
