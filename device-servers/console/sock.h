/*
 * The per-VM console sockets' driver in the console server (sock.c,
 * consock.h): main.c calls these; nothing here runs unless root found
 * the device (struct con_config sock.present).
 */
#ifndef CONSOLE_SOCK_H
#define CONSOLE_SOCK_H

#include "console.h"

/* Set the device up, or take it up again after this server's crash. */
void sock_init(const struct con_config *cf, struct con_state *st, const struct con_io *io);
/* Its interrupt (bit CON_SOCK_IRQ_BIT): ack, then sock_work. */
void sock_irq(void);
/* Control events, input that waits for room, output that waits to go. */
void sock_work(void);

#endif /* CONSOLE_SOCK_H */
