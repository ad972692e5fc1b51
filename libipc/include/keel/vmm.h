/*
 * keel/vmm.h — what a VMM and a device server started by the root server
 * can count on (on top of keel/server.h), and the VMM <-> device-server
 * protocol. docs/vm.md explains the whole path of an exit.
 *
 * Includes only keel/abi.h, so host tests and device models can use it.
 *
 * ---- VMM address space (besides keel/server.h's) ---------------------------
 *
 *   0x0000_1000_0000  struct keel_vm_info, read-only (root keeps the frame)
 *   0x0001_0000_0000  the guest image file, read-only, image_size bytes
 *   0x0002_0000_0000  the initrd file, read-only, initrd_size bytes
 *   0x0003_0000_0000  a supplied device tree, read-only, dtb_size bytes
 *   0x0010_0000_0000  guest RAM, read-write: guest-physical ram_base maps
 *                     here, ram_size bytes. Root maps it into both the
 *                     guest's stage-2 space and the VMM; the VMM holds no
 *                     frame capability, so it cannot map guest memory
 *                     anywhere else.
 *
 * ---- VMM capability slots (keel/server.h slots 0..8 keep their meaning) ----
 *
 *   slot            what
 *   --------------  -----------------------------------------------------
 *   KEEL_SRV_REPORT root's endpoint, badged: reports (VM started/stopped)
 *   KEEL_SRV_EP     the exit endpoint, READ: every vCPU thread's fault
 *                   endpoint is a WRITE copy of it badged
 *                   KEEL_VMM_BADGE_VCPU(i)
 *   9 + 2i          vCPU i's thread (TCB): resume it, stop it
 *   10 + 2i         vCPU i (VCPU object): registers, interrupts
 *                   (i < vcpu_count <= KEEL_VMM_MAX_VCPUS; root starts no
 *                   vCPU thread: the VMM resumes vCPU 0 at boot and the
 *                   others on the guest's PSCI CPU_ON)
 *   25 + d          device d's endpoint, WRITE, badged (struct keel_vm_dev)
 *   33              KEEL_VMM_SLOT_CONSOLE: the console server's endpoint,
 *                   WRITE, badged KEEL_CON_BADGE_VMM(vm): fetch input
 *   34 + 2d         device d's post page (KEEL_VMM_SLOT_DEV_POST), and
 *   35 + 2d         its server's notification, WRITE, badged
 *                   KEEL_DEV_POST_BADGE, for the device's MMIO route
 *                   (keel/abi.h, struct keel_post_page), where
 *                   keel_vm_dev.post says it has one; the VMM only hands
 *                   them to the kernel (it holds no VSpace to map into)
 *   (bound)         a notification bound to the VMM's thread; the console
 *                   signals it with KEEL_VMM_BADGE_CONSOLE when it holds
 *                   input for this VM (keel/vmm.h, console protocol)
 *
 * ---- device server ---------------------------------------------------------
 *
 *   KEEL_SRV_REPORT root's endpoint, badged
 *   KEEL_SRV_EP     its own endpoint, READ: the VMM's calls arrive here
 *   0x0000_1000_0000  its state page, read-write (KEEL_DEV_STATE_VADDR):
 *                   every guest-visible register lives there. Root keeps
 *                   the frame, so a restarted instance finds the state the
 *                   old one left and carries on.
 *   KEEL_SRV_PEER   the console server's endpoint, WRITE, badged
 *                   KEEL_CON_BADGE_DEV(vm): output (absent: kernel console)
 *   argv[1]         the VM's name (console prefix)
 *   0x0000_1001_0000  a PL011 with a post page (argv[2] "post"; a virtio disk:
 *                   argv[5] "post", and its notification is the one bound
 *                   for its driver, docs/blk.md): the page,
 *                   read-write (KEEL_DEV_POST_VADDR), kept by root like the
 *                   state page, and a notification bound to its thread
 *                   that the kernel signals with KEEL_DEV_POST_BADGE
 *
 * A virtio device server (kind KEEL_VM_DEV_VIRTIO) also has
 *   KEEL_SRV_NTFN   the VMM's notification, WRITE, badged
 *                   KEEL_VMM_BADGE_DEV(d): its line rose (a
 *                   notification, injected as an edge: .edges below)
 *   KEEL_DEV_RAM_VADDR  the guest's RAM, read-write: guest-physical
 *                   ram_base maps here (the virtqueues and buffers are
 *                   there); nothing else of the VM
 *   what its device needs besides (virtio-blk: keel/blk.h's client side)
 */
#ifndef KEEL_VMM_H
#define KEEL_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>
#include <keel/server.h>

#define KEEL_VMM_INFO_VADDR 0x10000000ull
#define KEEL_VMM_IMAGE_VADDR 0x100000000ull
#define KEEL_VMM_IMAGE_MAX 0x40000000ull /* 1 GiB of image window */
#define KEEL_VMM_INITRD_VADDR 0x200000000ull
#define KEEL_VMM_INITRD_MAX 0x40000000ull /* 1 GiB of initrd window */
#define KEEL_VMM_DTB_VADDR 0x300000000ull
#define KEEL_VMM_DTB_MAX 0x100000ull /* a supplied device tree: 1 MiB */
#define KEEL_VMM_RAM_VADDR 0x1000000000ull
#define KEEL_VMM_RAM_MAX 0x4000000000ull /* 256 GiB of RAM window */
#define KEEL_DEV_STATE_VADDR 0x10000000ull
#define KEEL_DEV_POST_VADDR 0x10010000ull
#define KEEL_DEV_POST_BADGE (1u << 20) /* no bit a device server's router uses */
#define KEEL_DEV_RAM_VADDR 0x1000000000ull /* a virtio device's view of guest RAM */

#define KEEL_VMM_MAX_VCPUS 8u
#define KEEL_VMM_MAX_DEVICES 8u /* other copy: CFG_MAX_DEVICES, keel/config.h */
#define KEEL_VMM_SLOT_VCPU_TCB(i) (9u + 2u * (i))
#define KEEL_VMM_SLOT_VCPU(i) (10u + 2u * (i))
#define KEEL_VMM_SLOT_DEV(d) (25u + (d))
#define KEEL_VMM_BADGE_VCPU(i) (1u + (i))
#define KEEL_VMM_SLOT_CONSOLE 33u
#define KEEL_VMM_SLOT_DEV_POST(d) (34u + 2u * (d))
#define KEEL_VMM_SLOT_DEV_POST_NTFN(d) (35u + 2u * (d))
_Static_assert(KEEL_VMM_SLOT_VCPU(KEEL_VMM_MAX_VCPUS - 1) < KEEL_VMM_SLOT_DEV(0),
	       "vCPU slots end below the device slots");
_Static_assert(KEEL_VMM_SLOT_DEV(KEEL_VMM_MAX_DEVICES - 1) < KEEL_VMM_SLOT_CONSOLE,
	       "device slots end below the console slot");
_Static_assert(KEEL_VMM_SLOT_DEV_POST_NTFN(KEEL_VMM_MAX_DEVICES - 1) < 1u << KEEL_SRV_CNODE_BITS,
	       "post slots fit the VMM's CNode");
/* Bit of the notification bound to the VMM's thread that the console
 * signals: input is waiting (a vCPU badge is never a notification bit the
 * VMM looks at, so the two cannot be confused). */
#define KEEL_VMM_BADGE_CONSOLE (1u << 8)
/* Bit of that notification device d signals when its interrupt lines
 * changed on their own (a request completed, not a guest access): the
 * VMM then asks it for them (KEEL_DEV_LINES). */
#define KEEL_VMM_BADGE_DEV(d) (1u << (9u + (d)))

/* ---- the VM description root writes for the VMM ----------------------------
 * The VMM derives the guest's device tree from it (vmm-server/dtb.c). */
#define KEEL_VM_INFO_MAGIC 0x4b45454c564d3031ull /* "KEELVM01" */

enum keel_vm_dev_kind {
	KEEL_VM_DEV_PL011 = 1,
	KEEL_VM_DEV_VIRTIO = 2, /* a virtio-mmio transport (virtio 1.2, 4.2) */
	KEEL_VM_DEV_FLASH = 3,  /* the CFI flash of a firmware VM (keel/flash.h) */
	KEEL_VM_DEV_NS16550 = 4, /* a 16550A UART (riscv64's console, ns16550a) */
};

/* The UARTs: a console's device, with input (KEEL_DEV_INPUT) and an
 * interrupt line reported as a virtio server reports its own. */
static inline bool keel_vm_dev_is_uart(uint32_t kind)
{
	return kind == KEEL_VM_DEV_PL011 || kind == KEEL_VM_DEV_NS16550;
}

struct keel_vm_dev {
	uint64_t base, size; /* guest-physical window */
	uint32_t kind;       /* enum keel_vm_dev_kind */
	uint32_t intid;      /* guest interrupt of output line 0 (0: none) */
	uint32_t via_vmm;    /* 1: no MMIO route, every access through the VMM
			      * (the benchmark of both routes) */
	uint32_t post;       /* 1: its route has a post page (slots 34 + 2d, 35 + 2d) */
};

struct keel_vm_info {
	uint64_t magic;
	char name[32];          /* NUL-terminated */
	uint64_t ram_base;      /* guest-physical, 2 MiB aligned */
	uint64_t ram_size;
	uint64_t image_size;    /* bytes at KEEL_VMM_IMAGE_VADDR */
	uint32_t vcpu_count;
	uint32_t dev_count;
	struct keel_vm_dev dev[KEEL_VMM_MAX_DEVICES];
	uint64_t initrd_size;   /* bytes at KEEL_VMM_INITRD_VADDR, 0: none */
	char cmdline[512];      /* the guest's bootargs, NUL-terminated */
	uint64_t dtb_size;      /* bytes of a supplied device tree at
				 * KEEL_VMM_DTB_VADDR, 0: the VMM writes one */
	uint64_t image_raw;     /* 1: the image is a raw binary, copied to */
	uint64_t raw_load;      /* guest-physical raw_load and started at */
	uint64_t raw_entry;     /* raw_entry; 0: an arch image (its header) */
	uint64_t firmware;      /* 1: the image is firmware in flash bank 0
				 * (keel/flash.h), entered at 0; the device
				 * tree goes at the start of RAM */
	uint64_t input_dev;     /* console input goes to device input_dev - 1
				 * (a virtio-console); 0: to the first PL011 */
};
_Static_assert(sizeof(struct keel_vm_info) <= 4096, "VM info is one page");

/* ---- VMM -> root reports (keel_report kinds after keel/server.h's) ---------
 * KEEL_REPORT_VM_STOPPED: value = enum keel_vm_stop, text = details. The
 * vCPUs are stopped before the report is sent. */
#define KEEL_REPORT_VM_STOPPED 0x100u
enum keel_vm_stop {
	KEEL_VM_STOP_OFF = 1,    /* PSCI SYSTEM_OFF */
	KEEL_VM_STOP_RESET = 2,  /* PSCI SYSTEM_RESET */
	KEEL_VM_STOP_ERROR = 3,  /* the VMM could not go on (text says why) */
};

/* ---- VMM <-> device server ---------------------------------------------------
 * The VMM calls the device's endpoint for each guest access to its window:
 *
 *   label            MR0        MR1            MR2                  MR3
 *   KEEL_DEV_READ    offset     width (bytes)  -                    seq
 *   KEEL_DEV_WRITE   offset     width (bytes)  value (low width     seq
 *                                              bytes)
 *
 * offset is from the window's base; width is 1, 2, 4 or 8 and the VMM
 * only sends accesses that lie wholly inside the window. The reply:
 *
 *   label 0, length 3:  MR0 status (enum keel_dev_status)
 *                       MR1 value read (zero-extended; 0 for writes)
 *                       MR2 output lines: bit n = line n asserted
 *
 * KEEL_DEV_ABORT asks the VMM to give the guest a data abort (an access
 * the device does not decode at all, such as a 64-bit access to a 32-bit
 * register file). The line bits are levels, sent with every reply: the
 * VMM raises the line's interrupt in the guest when a bit is set.
 * KEEL_DEV_LINES reads the lines alone (after a device restart).
 * A call the VMM sees cancelled (KEEL_E_CANCELLED: the device server died
 * while serving it) is retried once the root has restarted it; the state
 * page makes the retry see the same registers. seq numbers the access
 * (never 0, a new one for each access, the same on its retries), so a
 * server that died after applying it answers the retry without applying
 * it again (a DR write is printed once, a DR read pops one byte); 0 or a
 * 3-word message: no number. */
enum keel_dev_label {
	KEEL_DEV_READ = 1,
	KEEL_DEV_WRITE = 2,
	KEEL_DEV_LINES = 3,
	/* Input for the device (the UART's receiver, or a virtio-console's
	 * receive queue): MR0 byte count n (1..32),
	 * MR1 sequence number (never 0), MR2..MR5 the bytes, packed little-
	 * endian. Reply MR0 status, MR1 bytes taken (the first ones; the rest
	 * did not fit: the RX FIFO is full), MR2 lines. A call repeated with
	 * the sequence number of the last one (the retry after a crash) takes
	 * nothing more and answers the count the first one took. */
	KEEL_DEV_INPUT = 4,
};
#define KEEL_DEV_INPUT_MAX 32u
enum keel_dev_status {
	KEEL_DEV_OK = 0,
	KEEL_DEV_ABORT = 1,
};
#define KEEL_DEV_REPLY_LEN 3u

/* ---- MMIO routes: guest accesses straight to the device server -------------
 * The VMM routes each device's window, on every vCPU, to the device's
 * endpoint (KEEL_VCPU_SET_ROUTE): the guest's accesses then reach the
 * server as the vCPU's own KEEL_EXIT_MMIO exits (MR0 the offset in the
 * window, MR5 the exit's sequence number), and the server's reply resumes
 * the vCPU; the VMM is out of the path. keel_dev_route_exit serves such an
 * exit with the server's KEEL_DEV_* handler, unchanged: it builds the
 * request the VMM would have sent (MR3 = the exit's sequence number, so
 * the crash retry rule above holds: the kernel sends a lost exit again
 * with its number) and turns the reply into the vCPU's. The VMM no longer
 * sees the lines in that reply, so when they differ from those it saw
 * last, the server signals it (KEEL_VMM_BADGE_DEV) and the VMM reads them
 * (KEEL_DEV_LINES). A server's loop: .ctx = its router,
 * .protected = keel_dev_route_request, .fault = keel_dev_route_exit.
 *
 * A virtio server's line is a notification, not a level the VMM follows
 * (KEEL_VM_DEV_VIRTIO, below): its router has .edges set, signals only
 * when a line rises (not when it falls), and the VMM takes each signal
 * as an edge to inject, without reading the lines (docs/blk.md,
 * "Interrupts as edges"). */
struct keel_dev_router {
	bool (*request)(void *ctx, struct keel_msg *m); /* the KEEL_DEV_* handler */
	void *ctx;
	uint64_t ntfn; /* the VMM's notification (a slot); 0: the device has no lines */
	uint64_t told; /* the lines the VMM saw last; start at KEEL_DEV_LINES_UNKNOWN */
	bool edges;    /* signal rises only: the VMM injects each as an edge */
	uint64_t *accesses; /* counts the routed accesses (keelctl stats), or NULL */
	uint64_t *calls;    /* counts every call taken, request or routed exit, or NULL */
};
#define KEEL_DEV_LINES_UNKNOWN (~0ull)
bool keel_dev_route_request(void *router, struct keel_msg *m);
bool keel_dev_route_exit(void *router, struct keel_msg *m);
/* The lines after work the server did on its own (queued writes of its
 * post page, a virtio device's completions): the VMM is signalled if they
 * changed (with .edges: if one rose). */
void keel_dev_route_lines(struct keel_dev_router *r, uint64_t lines);

/* ---- the console server (device-servers/console/) ------------------------------
 * One per system, started by root (boot/console.c). It owns the physical
 * UART; every VM's PL011 server sends it the guest's output, and each
 * VMM fetches its VM's input from it. Nothing ever waits on the console
 * server but for its reply, and it calls no one (it only replies and
 * signals notifications), so no call chain through it can deadlock.
 *
 *   who -> console     label              MR0..                 reply
 *   PL011 server vm    KEEL_CON_WRITE     MR0 n (bits 15:0) and MR0 0
 *                                         the stream position
 *                                         of the first byte
 *                                         (bits 63:16), bytes
 *                                         from MR1 (MR6.. in
 *                                         the IPC buffer),
 *                                         n <= 160
 *   PL011 server vm    KEEL_CON_RX_SPACE  -                     -
 *                      (the RX FIFO has room again after
 *                      refusing input: signal the VMM again)
 *   VMM of vm          KEEL_CON_FETCH     MR0 bytes the VMM     MR0 n, bytes
 *                                         delivered of the      MR1..MR4 (n <=
 *                                         last fetch, MR1       32; n = 0 when
 *                                         sequence number       nothing waits)
 *                                         (never 0; the same
 *                                         on a retry: drops
 *                                         nothing again)
 *
 * Badges tell the callers apart: KEEL_CON_BADGE_DEV(vm) for VM vm's PL011
 * server, KEEL_CON_BADGE_HVC(vm) for its virtio-console server (WRITE and
 * RX_SPACE as a PL011 server's), KEEL_CON_BADGE_VMM(vm) for its VMM
 * (vm = 0, 1, ...). Bytes are
 * dropped from the console's queue only once the VMM reports them
 * delivered, so a crash of the PL011 server, the VMM's call or the
 * console itself loses nothing. Output is appended by position (the
 * count of this VM's output bytes before the block, modulo 2^48): a
 * block sent again after the PL011 server or the console died prints
 * only what the console did not have, so nothing is doubled either. */
enum keel_con_label {
	KEEL_CON_WRITE = 0x20,
	KEEL_CON_RX_SPACE = 0x21,
	KEEL_CON_FETCH = 0x22,
};
#define KEEL_CON_WRITE_MAX 160u
#define KEEL_CON_POS_MASK ((1ull << 48) - 1)
#define KEEL_CON_WRITE_WORD(n, pos) ((uint64_t)(n) | ((uint64_t)(pos) << 16))
#define KEEL_CON_BADGE_DEV(vm) (0x10u + (vm))
#define KEEL_CON_BADGE_VMM(vm) (0x20u + (vm))
/* VM vm's virtio-console server (hvc0): KEEL_CON_WRITE and KEEL_CON_RX_SPACE
 * as a PL011 server, its output a stream of its own (docs/devices.md). */
#define KEEL_CON_BADGE_HVC(vm) (0x30u + (vm))
#define KEEL_CON_MAX_VMS 4u
/* Console -> root report: value = the VM (its console number) whose PL011
 * server root should crash (Ctrl-] k; a test and demonstration command). */
#define KEEL_REPORT_CON_CRASH 0x101u

#endif /* KEEL_VMM_H */
