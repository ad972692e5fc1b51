/* keelctl console (tools/keelctl-console.c): a terminal on a VM's socket. */
#ifndef KEELCTL_CONSOLE_H
#define KEELCTL_CONSOLE_H

/* The socket of VM console number n next to the control socket ctl
 * (build/keel-ctl.sock -> build/keel-console-vm<n>.sock), in buf. */
void kcon_path(char *buf, unsigned size, const char *ctl, unsigned n);
/* Attach this terminal to the socket at path: raw mode and Ctrl-] to
 * detach when stdin is a terminal; from a pipe, stdin is sent as it is
 * and output is printed until none came for idle_s seconds after the
 * pipe's end. Exit status: 0, or 2 if the socket cannot be reached. */
int kcon_attach(const char *path, const char *vm, int idle_s);

#endif /* KEELCTL_CONSOLE_H */
