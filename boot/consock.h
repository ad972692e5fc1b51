/* Root's side of the per-VM console sockets (boot/consock.c). */
#ifndef BOOT_CONSOCK_H
#define BOOT_CONSOCK_H

#include <stdint.h>

#include "root.h"

struct con_sock_info;

/* The transport of the sockets' virtio-serial device, or -1. */
int consock_transport(void);
/* Give the console server s the device, its interrupt on ntfn (bound to
 * s), and say where in info; without the device, logged, nothing. */
void consock_attach(struct server *s, uint64_t ntfn, struct con_sock_info *info);

#endif /* BOOT_CONSOCK_H */
