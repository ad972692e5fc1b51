/*
 * The console: one physical UART shared by every VM (device-servers/
 * console/). This is the pure part (console.c: no system calls, so the
 * host tests in tests/vmm/ run it as the server does); main.c drives the
 * UART and the IPC.
 *
 * State lives in pages root keeps (a restarted server resumes with it):
 *
 *   offset 0       struct con_config   written by root: mode, VM names
 *   offset 4096    struct con_state    the server's: focus, queues, rings
 *
 * Modes (root's choice, boot/console.c):
 *   CON_PREFIX  every VM's output by whole lines, "[name] " before each,
 *               only printable ASCII, tab and newline (what the test
 *               scenarios read)
 *   CON_SWITCH  the VM with the console is written raw and at once; the
 *               others' output waits in a ring of CON_RING bytes each
 *               (the oldest bytes go when it is full, counted) and is
 *               replayed when the user switches to that VM
 *
 * Keys: Ctrl-] (0x1d) then a digit n switches to VM n (1-based); Ctrl-]
 * twice sends one Ctrl-] to the VM; Ctrl-] then ':' starts a command
 * line (echoed; Enter hands it to root, Backspace edits, Ctrl-C or Esc
 * drops it: keelctl's list, start, stop and reset, docs/management.md);
 * Ctrl-] then anything else is ignored. QEMU's -nographic mux keeps Ctrl-A for itself, not Ctrl-].
 * Input goes only to the VM with the console, in both modes; while its
 * queue is full the driver leaves bytes in the UART (con_input_room).
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/vmm.h>

#include "consock.h"

#define CON_RING 16384u  /* switch mode: each VM's unseen output */
#define CON_IN 512u      /* input waiting for a VM's UART */
#define CON_NAME 16u
#define CON_KEY_ESC 0x1du /* Ctrl-] */
#define CON_KEY_CRASH 'k' /* after Ctrl-]: crash the VM's PL011 server */
#define CON_KEY_START 's' /* after Ctrl-]: start the VM again if it is off */
#define CON_KEY_CMD ':'   /* after Ctrl-]: a command line for root */
#define CON_CMD_MAX 64u   /* its bytes, NUL included */
/* The console's report to root with a command line (value: the focused
 * VM's index, text: the line; boot/ctl.c runs it). */
#define CON_REPORT_COMMAND 0x103u
/* The console's report to root for Ctrl-] s (value: the VM's index), next
 * to keel/vmm.h's KEEL_REPORT_CON_CRASH. */
#define CON_REPORT_START 0x102u
#define CON_STATE_MAGIC 0x434f4e534f4c3031ull /* "CONSOL01" */

enum con_mode { CON_PREFIX = 0, CON_SWITCH = 1 };

/* The physical UART the server drives (root's board: boot/arch). */
enum con_uart { CON_UART_PL011, CON_UART_16550 };

struct con_config {
	uint32_t mode;   /* enum con_mode */
	uint32_t nvms;   /* VMs attached so far */
	uint32_t uart;   /* enum con_uart */
	char name[KEEL_CON_MAX_VMS][CON_NAME];
	uint32_t gen[KEEL_CON_MAX_VMS]; /* bumped when a VM is (re)made there */
	uint32_t off[KEEL_CON_MAX_VMS]; /* root destroyed it (powered off, failed) */
	struct con_sock_info sock;      /* the per-VM sockets' device (consock.h) */
};

/* A block's positions, written before they count (console.c sock_add). */
struct con_commit {
	uint64_t printed, sock_end;
	uint32_t hvc, valid;
};

struct con_vm {
	uint32_t gen;                /* con_config.gen this state belongs to */
	uint32_t pad;
	uint32_t out_start, out_len; /* ring: unseen output (switch mode) */
	uint32_t out_lost;           /* bytes the ring overwrote */
	uint32_t in_start, in_len;   /* queue: input not yet in the UART */
	uint32_t in_offered;         /* given to the VMM, not yet confirmed */
	uint32_t in_lost;            /* keys con_key dropped (queue full) */
	uint64_t fetch_seq;          /* the last fetch applied (a retry is not) */
	uint64_t out_pos;            /* output stream position printed up to */
	uint64_t hvc_pos;            /* the same for its virtio-console's stream */
	uint64_t sock_end;           /* its socket stream: bytes so far (consock.h) */
	struct con_commit commit;    /* a block being taken (console.c, sock_add) */
	uint8_t in[CON_IN];
	uint8_t out[CON_RING];       /* the first member vm_state keeps */
	uint8_t sock[CON_RING];      /* the socket stream's newest bytes, for replay */
};

struct con_state {
	uint64_t magic;
	uint32_t focus;  /* the VM with the console */
	uint32_t esc;    /* Ctrl-] seen, waiting for the next key */
	struct con_vm vm[KEEL_CON_MAX_VMS];
	uint32_t cmd;    /* Ctrl-] : seen: keys go to the command line */
	uint32_t cmd_len;
	char cmd_line[CON_CMD_MAX];
	struct con_sock sock;  /* the per-VM sockets' driver state (consock.h) */
	uint32_t line_src;     /* who has the UART's open line (CON_SRC_*) */
	uint64_t klog_pos;     /* the kernel log's stream position printed up to */
};

/* The writers of the UART's lines: a line is only ever one's, so the
 * kernel log's lines, each VM's and the console's own never share one
 * (a writer that finds the line another's starts a new one). */
#define CON_SRC_NONE 0u   /* at the start of a line */
#define CON_SRC_KLOG 1u
#define CON_SRC_CONSOLE 2u
#define CON_SRC_VM(vm) (3u + (vm))

/* What the pure code asks of its driver. */
struct con_io {
	void (*put)(void *ctx, const char *b, unsigned n); /* to the UART, raw */
	void (*kick)(void *ctx, unsigned vm);              /* input waits for vm */
	void (*crash_dev)(void *ctx, unsigned vm);         /* Ctrl-] k (or NULL) */
	void (*start_vm)(void *ctx, unsigned vm);          /* Ctrl-] s (or NULL) */
	void (*command)(void *ctx, unsigned vm, const char *line); /* Ctrl-] : (or NULL) */
	void *ctx;
};

/* Reset st unless it holds a console's state already (a restart). */
void con_resume(struct con_state *st);
/* n bytes of VM vm's output at stream position pos (KEEL_CON_WRITE):
 * only the bytes past what was printed already are printed, so a block
 * sent again after a crash is printed once. */
void con_output(const struct con_config *cf, struct con_state *st, unsigned vm,
		uint64_t pos, const uint8_t *b, unsigned n, const struct con_io *io);
/* The same for VM vm's virtio-console (hvc0): a stream with positions of
 * its own, shown with the PL011's as the VM's one console. */
void con_output_hvc(const struct con_config *cf, struct con_state *st, unsigned vm,
		    uint64_t pos, const uint8_t *b, unsigned n, const struct con_io *io);
/* n bytes of the kernel log (KEEL_KLOG_READ: root's and the servers'
 * lines), printed as they are, '\n' as CRLF, on lines of their own. */
void con_klog(struct con_state *st, const uint8_t *b, unsigned n, const struct con_io *io);
/* May the driver take one more byte from the UART? Not while the queue
 * of the VM with the console is full: the byte stays in the UART (and
 * QEMU holds the rest) until that VM's next fetch makes room, so typed
 * input is never dropped (back-pressure, not loss). */
bool con_input_room(const struct con_config *cf, struct con_state *st);
/* One byte typed on the UART (the driver asked con_input_room first). */
void con_key(const struct con_config *cf, struct con_state *st, uint8_t c,
	     const struct con_io *io);
/* Fetch seq (never 0) of the VMM of vm: it delivered `delivered` bytes of
 * what it was offered last; drop them and offer the next (up to max) in
 * out. Returns the count. The same seq again (the retry after this
 * server's crash) drops nothing more and offers the same bytes. */
unsigned con_fetch(const struct con_config *cf, struct con_state *st, unsigned vm,
		   uint64_t seq, unsigned delivered, uint8_t *out, unsigned max);

/* ---- VM vm's own socket (consock.h has the device side) ----
 * Its output stream is what the terminal is given for vm (both streams,
 * raw, after the retry check), kept in a ring of CON_RING bytes with
 * absolute positions. The next bytes to send from *from (moved up to the
 * oldest byte still held, or to 0 for a new VM in the slot): their
 * count, at most max, copied to out. */
unsigned con_sock_peek(const struct con_config *cf, struct con_state *st, unsigned vm,
		       uint64_t *from, uint8_t *out, unsigned max);
/* Where a host program that just connected starts: the oldest byte held. */
uint64_t con_sock_replay_from(const struct con_config *cf, struct con_state *st, unsigned vm);
/* Bytes from VM vm's socket are its input, as typed keys are (no Ctrl-]
 * keys: keelctl detaches on the host). Up to n of b are written past the
 * end of its input queue (as many as fit) but not yet counted: the
 * caller commits the new length (con_input_commit) together with its own
 * record of what it took, so a crash in between takes them again, once. */
unsigned con_input_stage(const struct con_config *cf, struct con_state *st, unsigned vm,
			 const uint8_t *b, unsigned n, uint32_t *new_len);
void con_input_commit(struct con_state *st, unsigned vm, uint32_t new_len);

#endif /* CONSOLE_H */
