/*
 * keel/abi.h — the one ABI between the Keel kernel and user programs.
 *
 * Included by the kernel, by every user program and by host unit tests. It
 * includes only <stdint.h>, <stddef.h> and the per-arch trap header (selected
 * by include path, see libipc/arch/<arch>/keel/arch_trap.h), so a guest or a
 * test can include it too.
 *
 * Register convention of every Keel call (aarch64 names; other arches map
 * them one to one in their arch_trap.h):
 *
 *   in:  x0 = capability pointer (slot index in the caller's CNode)
 *        x1 = message info (see below)
 *        x2..x7 = message registers MR0..MR5
 *        trap immediate = call number (KEEL_SYS_*); immediate 0 is the
 *        Linux system-call ABI and is never a Keel call (docs/libc.md)
 *   out: x0 = status (KEEL_OK or KEEL_E_*)
 *        x1 = message info of the received message (badge in bits 63:32)
 *        x2..x7 = MR0..MR5
 *
 * Message info word:
 *
 *   63            32 31             8 7        0
 *  +----------------+----------------+----------+
 *  |  badge (out)   |     label      |  length  |
 *  +----------------+----------------+----------+
 *
 * length counts message registers; MR0..MR5 travel in registers, MR6 and up
 * in the thread's IPC buffer (struct keel_ipc_buffer, mr[6..]).
 */
#ifndef KEEL_ABI_H
#define KEEL_ABI_H

#include <stddef.h>
#include <stdint.h>

/* ---- call numbers (trap immediate) -------------------------------------- */
enum keel_sys {
	KEEL_SYS_LINUX = 0,   /* not a Keel call: forwarded as a fault */
	KEEL_SYS_CALL = 1,    /* endpoint call, or object invocation */
	KEEL_SYS_REPLY_RECV = 2,
	KEEL_SYS_SEND = 3,    /* endpoint send, or notification signal */
	KEEL_SYS_RECV = 4,    /* endpoint receive, or notification wait */
	KEEL_SYS_REPLY = 5,
	KEEL_SYS_YIELD = 6,
	KEEL_SYS_POLL = 7,    /* non-blocking receive/wait */
	KEEL_SYS_NBSEND = 8,  /* non-blocking send: dropped if nobody waits */
	KEEL_SYS_DEBUG_PUTC = 9,
	KEEL_SYS_DEBUG_WRITE = 10, /* x0 bytes (<= KEEL_DEBUG_WRITE_MAX) from MR0.. */
	KEEL_SYS_COUNT = 11,
};

/* KEEL_SYS_DEBUG_WRITE: the bytes are the message registers' memory, in
 * order: the first KEEL_DEBUG_WRITE_REGS in MR0..MR5, the rest in the IPC
 * buffer's mr[6..] (KEEL_E_BAD_LENGTH for them without one), so a line
 * of up to KEEL_DEBUG_WRITE_MAX bytes is one trap and is never split by
 * another thread's (keel/print.h). The output goes to the kernel log
 * (KEEL_OBJ_KLOG). */
#define KEEL_DEBUG_WRITE_REGS 48u
#define KEEL_DEBUG_WRITE_MAX (8u * KEEL_MSG_MAX_MRS)

/* ---- status codes ------------------------------------------------------- */
enum keel_err {
	KEEL_OK = 0,
	KEEL_E_INVALID_CALL = 1,  /* unknown call number or invocation label */
	KEEL_E_INVALID_CAP = 2,   /* slot out of range or empty */
	KEEL_E_WRONG_TYPE = 3,    /* capability names the wrong kind of object */
	KEEL_E_NO_RIGHTS = 4,     /* capability lacks a needed right */
	KEEL_E_INVALID_ARG = 5,   /* argument out of its domain */
	KEEL_E_BAD_ADDRESS = 6,   /* address unaligned, out of range or unmapped */
	KEEL_E_BAD_LENGTH = 7,    /* message or object size out of range */
	KEEL_E_NO_MEMORY = 8,     /* untyped has no room left */
	KEEL_E_SLOT_IN_USE = 9,   /* destination slot not empty */
	KEEL_E_MAPPED = 10,       /* already mapped / a mapping is in the way */
	KEEL_E_NOT_MAPPED = 11,   /* a needed page table is missing */
	KEEL_E_CANCELLED = 12,    /* partner or object deleted while waiting */
	KEEL_E_WOULD_BLOCK = 13,  /* poll found nothing */
	KEEL_E_BUSY = 14,         /* resource taken (IRQ claimed, no VMID) */
	KEEL_E_REVOKE_FIRST = 15, /* object has derived capabilities */
	KEEL_E_COUNT = 16,
};

/* ---- message info -------------------------------------------------------- */
#define KEEL_MSG_MAX_MRS 64u   /* IPC buffer holds this many words */
#define KEEL_MSG_REG_MRS 6u    /* MR0..MR5 travel in registers */

static inline uint64_t keel_msginfo(uint64_t label, uint64_t len)
{
	return ((label & 0xffffffu) << 8) | (len & 0xffu);
}
static inline uint64_t keel_msg_len(uint64_t info) { return info & 0xffu; }
static inline uint64_t keel_msg_label(uint64_t info) { return (info >> 8) & 0xffffffu; }
static inline uint64_t keel_msg_badge(uint64_t info) { return info >> 32; }

/* One page per thread, registered with KEEL_TCB_SET_IPC_BUFFER. */
struct keel_ipc_buffer {
	uint64_t mr[KEEL_MSG_MAX_MRS]; /* mr[0..5] unused: those are registers */
	uint64_t user[448];            /* free for the owner (TLS, scratch) */
};
_Static_assert(sizeof(struct keel_ipc_buffer) == 4096, "IPC buffer is one page");

/* ---- object types (KEEL_UNTYPED_RETYPE) ---------------------------------- */
enum keel_obj {
	KEEL_OBJ_NULL = 0,
	KEEL_OBJ_UNTYPED = 1,      /* size_bits = log2 bytes, 12..47 */
	KEEL_OBJ_TCB = 2,
	KEEL_OBJ_ENDPOINT = 3,
	KEEL_OBJ_NOTIFICATION = 4,
	KEEL_OBJ_CNODE = 5,        /* size_bits = log2 slots, 2..16 */
	KEEL_OBJ_FRAME = 6,        /* size_bits 0 or 12: 4 KiB; 21: 2 MiB */
	KEEL_OBJ_PAGE_TABLE = 7,   /* one translation table (any level) */
	KEEL_OBJ_VSPACE = 8,       /* root translation table; a VMID from a pool */
	KEEL_OBJ_IRQ_CONTROL = 9,  /* not retypeable: given to the root server */
	KEEL_OBJ_IRQ_HANDLER = 10, /* not retypeable: from KEEL_IRQCTL_GET */
	KEEL_OBJ_VCPU = 11,        /* guest CPU state; bound to a TCB */
	KEEL_OBJ_VMID_POOL = 12,   /* not retypeable: a share of the VMIDs */
	KEEL_OBJ_TRACE = 13,       /* not retypeable: root's, KEEL_ROOT_TRACE */
	KEEL_OBJ_KLOG = 14,        /* not retypeable: root's, KEEL_ROOT_KLOG */
	KEEL_OBJ_COUNT = 15,
};

/* Object sizes in log2 bytes; must match the kernel's structs (pinned there
 * with _Static_assert in kernel/object.c). */
#define KEEL_TCB_BITS 11u
#define KEEL_ENDPOINT_BITS 5u
#define KEEL_NOTIFICATION_BITS 6u
#define KEEL_VCPU_BITS 11u
#define KEEL_VCPU_ROUTES 8u /* MMIO routes per vCPU (KEEL_VCPU_SET_ROUTE) */
#define KEEL_VCPU_POSTS 4u  /* of them with a post page (a console, disks) */
#define KEEL_SLOT_BITS 6u          /* one CNode slot */
#define KEEL_PAGE_BITS 12u
#define KEEL_LARGE_PAGE_BITS 21u /* a large frame, mapped as one block */
#define KEEL_CNODE_MIN_BITS 2u
#define KEEL_CNODE_MAX_BITS 16u
#define KEEL_UNTYPED_MIN_BITS 12u
#define KEEL_UNTYPED_MAX_BITS 47u

/* ---- rights ---------------------------------------------------------------
 * Endpoint: WRITE = send/call, READ = receive.  Notification: WRITE = signal,
 * READ = wait/poll.  Frame: READ/WRITE/EXEC bound the mapping.  Other objects
 * need WRITE for every invocation that changes them. */
enum keel_rights {
	KEEL_R_READ = 1,
	KEEL_R_WRITE = 2,
	KEEL_R_EXEC = 4,
	KEEL_R_ALL = 7,
};

/* ---- invocation labels (KEEL_SYS_CALL on a non-endpoint capability) ------ */
enum keel_label {
	/* untyped: MR0 type, MR1 size_bits, MR2 dest CNode cptr, MR3 dest
	 * index, MR4 count */
	KEEL_UNTYPED_RETYPE = 1,
	/* CNode (the capability names the destination CNode):
	 * COPY  MR0 dest index, MR1 src CNode cptr, MR2 src index, MR3 rights mask
	 * MINT  as COPY, MR4 badge (endpoints and notifications only)
	 * MOVE  MR0 dest index, MR1 src CNode cptr, MR2 src index
	 * DELETE / REVOKE  MR0 index */
	KEEL_CNODE_COPY = 2,
	KEEL_CNODE_MINT = 3,
	KEEL_CNODE_MOVE = 4,
	KEEL_CNODE_DELETE = 5,
	KEEL_CNODE_REVOKE = 6,
	/* TCB:
	 * CONFIGURE MR0 fault ep cptr, MR1 CNode cptr, MR2 vspace cptr,
	 *           MR3 IPC buffer frame cptr, MR4 IPC buffer vaddr
	 *           (a cptr of 0 leaves that part unbound)
	 * SET_PRIORITY MR0 priority (<= caller's own)
	 * SET_AFFINITY MR0 cpu
	 * WRITE_REGS MR0 pc, MR1 sp, MR2 arg0, MR3 arg1, MR4 tls
	 * READ_REGS  -> MR0 pc, MR1 sp, MR2 x0, MR3 x1, MR4 tls
	 * RESUME / SUSPEND
	 * BIND_NOTIFICATION MR0 notification cptr (0 = unbind) */
	KEEL_TCB_CONFIGURE = 7,
	KEEL_TCB_SET_PRIORITY = 8,
	KEEL_TCB_SET_AFFINITY = 9,
	KEEL_TCB_WRITE_REGS = 10,
	KEEL_TCB_READ_REGS = 11,
	KEEL_TCB_RESUME = 12,
	KEEL_TCB_SUSPEND = 13,
	KEEL_TCB_BIND_NOTIFICATION = 14,
	/* frame: MAP MR0 vspace cptr, MR1 vaddr, MR2 rights; UNMAP;
	 * ADDRESS -> MR0 physical address */
	KEEL_FRAME_MAP = 15,
	KEEL_FRAME_UNMAP = 16,
	KEEL_FRAME_ADDRESS = 17,
	/* page table: MAP MR0 vspace cptr, MR1 vaddr (the table goes to the
	 * first missing level on the way to vaddr); UNMAP */
	KEEL_PT_MAP = 18,
	KEEL_PT_UNMAP = 19,
	/* IRQ control: GET MR0 irq, MR1 dest CNode cptr, MR2 dest index */
	KEEL_IRQCTL_GET = 20,
	/* IRQ handler: SET_NOTIFICATION MR0 notification cptr; ACK */
	KEEL_IRQ_SET_NOTIFICATION = 21,
	KEEL_IRQ_ACK = 22,
	/* TCB: BIND_VCPU MR0 vcpu cptr (0 = unbind). A thread with a vCPU runs
	 * the guest: its vspace is the guest's stage-2 space, its registers
	 * the guest's general registers, its fault endpoint gets the exits. */
	KEEL_TCB_BIND_VCPU = 23,
	/* VCPU: READ_REG MR0 register (KEEL_VREG_*) -> MR0 value;
	 * WRITE_REG MR0 register, MR1 value;
	 * INJECT_IRQ MR0 virtual INTID, MR1 priority (0..255), MR2 flags
	 *   (KEEL_INJECT_NOTIFY_EOI: report a KEEL_EXIT_MAINT exit when the
	 *   guest has finished with it, as a level-triggered line needs):
	 *   pending in a list register; KEEL_E_BUSY when all list registers
	 *   hold interrupts. riscv64: MR0 a guest cause number, 1 (software
	 *   interrupt, which the guest clears) or 9 (the external line, a
	 *   level: KEEL_VREG_EXT_IRQ lowers it); the priority and flags are
	 *   not used; 0 and 2..8 are KEEL_E_BUSY. */
	KEEL_VCPU_READ_REG = 24,
	KEEL_VCPU_WRITE_REG = 25,
	KEEL_VCPU_INJECT_IRQ = 26,
	/* notification: SET_TIMER MR0 deadline (absolute, in generic-timer
	 * ticks; 0 disarms), MR1 bits to signal (0: bit 0). One timer per
	 * notification; setting it again replaces the deadline. Needs WRITE.
	 * This is how a user program waits until a time: a server's restart
	 * back-off, say, without spinning. */
	KEEL_NTFN_SET_TIMER = 27,
	/* VCPU: RESET: its EL1 system registers, virtual timer and interrupt
	 * state go back to the architectural reset values (MMU off, nothing
	 * pending), as for a CPU that PSCI CPU_ON brings up; its MPIDR and
	 * general registers stay (WRITE_REG sets those). */
	KEEL_VCPU_RESET = 28,
	/* VMID pool: the VMIDs (address-space tags; KEEL_VMIDS - 1 of them,
	 * 0 is reserved) are handed out like memory. The root server's pool
	 * (KEEL_ROOT_VMID_POOL) holds all of them at boot. A vspace is made
	 * by retype without a VMID and cannot be bound or mapped into until
	 * a pool assigns it one; the VMID goes back to the pool when the
	 * vspace dies. A holder of a pool can exhaust only that pool.
	 * ASSIGN MR0 vspace cptr -> MR0 the VMID: the vspace's original capability, before
	 *   any copy of it is made (KEEL_E_BUSY if it has a VMID or copies;
	 *   KEEL_E_NO_MEMORY if the pool has no free VMID)
	 * SPLIT MR0 count, MR1 dest CNode cptr, MR2 dest index: a new pool
	 *   with count of this pool's free VMIDs, a child of this one; the
	 *   pool keeps at least one VMID. Deleting (or revoking) a split-off
	 *   pool gives its VMIDs, in use or not, back to the pool it came from.
	 * COUNT -> MR0 free VMIDs, MR1 VMIDs held (free or in use) */
	KEEL_VMID_POOL_ASSIGN = 29,
	KEEL_VMID_POOL_SPLIT = 30,
	KEEL_VMID_POOL_COUNT = 31,
	/* VCPU: SET_ROUTE MR0 route (< KEEL_VCPU_ROUTES), MR1 guest-physical
	 * base, MR2 size, MR3 endpoint cptr (WRITE; 0 clears the route):
	 * the vCPU's MMIO exits at base..base+size-1 go to that endpoint
	 * (a copy with its badge is kept in the VCPU) instead of the fault
	 * endpoint, so a device server answers its guest without the VMM.
	 * Routes must not overlap (KEEL_E_INVALID_ARG). MR4 and MR5, both or
	 * neither: a post page (a RAM frame, READ and WRITE) and the
	 * server's notification (WRITE) for this route (struct
	 * keel_post_page); KEEL_VCPU_POSTS routes of a vCPU may have them,
	 * setting them on one more is KEEL_E_BUSY until one of those is set
	 * again without.
	 * See "MMIO routes" in docs/architecture.md. */
	KEEL_VCPU_SET_ROUTE = 32,
	/* trace: SET MR0 1: record (the rings start empty), 0: stop; the
	 * rings are root's to read (see "trace" below). Needs WRITE. */
	KEEL_TRACE_SET = 33,
	/* VCPU: WFI_EXIT: the guest's next WFI comes to the VMM as an exit,
	 * once, where the kernel would park the vCPU itself: a VMM whose
	 * injection found no room (KEEL_E_BUSY) asks for it, to try again
	 * then, as a list register may free without a MAINT exit. Needs
	 * WRITE. */
	KEEL_VCPU_WFI_EXIT = 34,
	/* kernel log (see "kernel log" below):
	 * SET_NOTIFICATION MR0 notification cptr (WRITE; its badge is
	 *   signalled when bytes arrive), 0: none, the kernel writes the UART
	 *   itself again, starting with what it holds. Needs WRITE.
	 * READ MR0 stream position p -> MR0 the position of the first byte
	 *   returned (later than p when bytes before it went out without
	 *   the reader), MR1 their count, the bytes from MR2's memory on (in
	 *   the IPC buffer past MR5; without one at most 32). Everything
	 *   before p is done with: the kernel forgets it. Needs READ. */
	KEEL_KLOG_SET_NOTIFICATION = 35,
	KEEL_KLOG_READ = 36,
	KEEL_LABEL_COUNT = 37,
};

/* ---- faults -----------------------------------------------------------------
 * A thread that faults sends, as if by KEEL_SYS_CALL on its fault endpoint,
 * a message with one of these labels. The handler replies to resume it (for
 * KEEL_FAULT_SYSCALL, MR0 of the reply becomes the call's return value), or
 * does not reply and suspends, rewrites or deletes the thread. */
enum keel_fault {
	KEEL_FAULT_VM = 0x1000,      /* MR0 addr, MR1 pc, MR2 access (KEEL_ACC_*) */
	KEEL_FAULT_SYSCALL = 0x1001, /* MR0 number, MR1..MR6 args, MR7 pc */
	KEEL_FAULT_USER = 0x1002,    /* MR0 pc, MR1 arch cause code */
};
enum keel_access { KEEL_ACC_READ = 1, KEEL_ACC_WRITE = 2, KEEL_ACC_EXEC = 4 };

/* ---- VM exits ----------------------------------------------------------------
 * A vCPU thread's exits arrive on its fault endpoint with these labels:
 *
 *   MMIO      MR0 guest-physical address (the offset in the window, for
 *             an exit sent on an MMIO route), MR1 KEEL_MMIO_* flags | width,
 *             MR2 register, MR3 value (writes), MR4 pc, MR5 a sequence
 *             number, never 0 and unique on the machine, that an exit
 *             sent again keeps (to a routed device server whose reply
 *             was lost to a crash: KEEL_VCPU_SET_ROUTE)
 *   HVC       a call to the hypervisor: MR0..MR5 the call's first six
 *             argument registers; the pc is already past the call.
 *             riscv64's ecall (SBI): MR0 a7 (extension), MR1 a6
 *             (function), MR2..MR5 a0..a3 (a4, a5: READ_REG)
 *   SMC       a call to the firmware the hypervisor trapped: as HVC, but
 *             the pc is at the call (RESUME with SKIP steps past it)
 *   WFI       MR0 0: wait for an interrupt; KEEL_WAIT_EVENT: for an event
 *   SYSREG    a trapped system-register access: MR0 the register's arch
 *             id (as the VMM's arch part knows it, without the direction
 *             and the general register), MR1 KEEL_SYSREG_* flags,
 *             MR2 register, MR3 value (writes)
 *   UNKNOWN   MR0 arch cause (for logs only), MR1 pc, MR2 guest-physical
 *             address of a stage-2 abort the VMM cannot emulate (e.g. a
 *             load pair: no syndrome), MR3 KEEL_ABORT_* flags (0: not
 *             an abort, MR2 is 0)
 *   MAINT     MR0 count n (<= 5), MR1..MRn the virtual INTIDs the guest
 *             has finished with (injected with KEEL_INJECT_NOTIFY_EOI)
 *
 * "register" is a general register, numbered as KEEL_VREG_* numbers them,
 * or KEEL_EXIT_REG_NONE for the arch's zero register (aarch64's xzr): a
 * load into it discards the value, a store from it stores 0.
 *
 * The reply's label says what happens next (KEEL_VCPU_*); for RESUME, MR0
 * holds KEEL_RESUME_* flags, MR1 a register as the exit names it and MR2
 * its value; a RESUME that names KEEL_EXIT_REG_NONE writes nothing. */
enum keel_exit {
	KEEL_EXIT_MMIO = 0x1010,
	KEEL_EXIT_HVC = 0x1011,
	KEEL_EXIT_SMC = 0x1012,
	KEEL_EXIT_WFI = 0x1013,
	KEEL_EXIT_SYSREG = 0x1014,
	KEEL_EXIT_UNKNOWN = 0x1015,
	KEEL_EXIT_MAINT = 0x1016,
};
/* Labels from KEEL_FAULT_VM up to KEEL_EXIT_MMIO (excluded) are kept for
 * faults, from KEEL_EXIT_MMIO up to KEEL_EXIT_LABEL_END for exits: a
 * server tells a fault or exit from a request by one range check. */
#define KEEL_EXIT_LABEL_END 0x1020u
/* MR1 of an MMIO exit: width in bytes is 1 << (flags & 3). */
enum keel_mmio_flags {
	KEEL_MMIO_WIDTH_MASK = 3,
	KEEL_MMIO_WRITE = 4,
	KEEL_MMIO_SIGN_EXTEND = 8,
	KEEL_MMIO_REG64 = 16,   /* destination is a 64-bit register */
};
/* MR0 of a WFI exit. */
enum keel_wait_flags { KEEL_WAIT_EVENT = 1 };
/* MR1 of a SYSREG exit. */
enum keel_sysreg_flags { KEEL_SYSREG_READ = 1 };
/* MR3 of an UNKNOWN exit. */
enum keel_abort_flags {
	KEEL_ABORT_ADDR = 1,  /* a stage-2 abort at MR2 */
	KEEL_ABORT_WRITE = 2, /* ... by a store */
};
enum keel_vcpu_action {
	KEEL_VCPU_RESUME = 0,       /* continue (flags below) */
	KEEL_VCPU_INJECT_DABT = 1,  /* synchronous external abort, MR0 = address
				     * (an offset in the window when the exit
				     * came on an MMIO route),
				     * MR1 = 1 if the access was a write */
	KEEL_VCPU_INJECT_UNDEF = 2, /* undefined instruction */
	KEEL_VCPU_STOP = 3,         /* suspend the vCPU thread */
	KEEL_VCPU_WAIT = 4,         /* (for WFI) step past it, run again once
				     * an interrupt is pending: one injected
				     * with INJECT_IRQ, or the virtual timer */
};
enum keel_inject_flags { KEEL_INJECT_NOTIFY_EOI = 1 };
enum keel_resume_flags {
	KEEL_RESUME_SKIP = 1,       /* step past the trapped instruction */
	KEEL_RESUME_WRITE_REG = 2,  /* write MR2 to register MR1 first */
};
/* Register numbers for KEEL_VCPU_READ_REG/WRITE_REG: 0..30 general
 * registers, then the rest. aarch64: n is xn. riscv64: n is x(n + 1)
 * (ra 0, sp 1, a0 9, a7 16, t6 30; x0 is KEEL_EXIT_REG_NONE), SP is sp
 * again, PSTATE the guest's privilege (1 VS-mode, 0 VU-mode), TIMER its
 * vstimecmp (against the time CSR), and SP_EL1 and MPIDR do not exist
 * (a hart id is the boot a0), and EXT_IRQ is the guest's external
 * interrupt line (hvip.VSEIP), a level: INJECT_IRQ of 9 raises it (and
 * wakes a vCPU parked in WFI), it stays raised until WRITE_REG of 0 here
 * lowers it (a write of anything else is an invalid argument); it reads
 * 1 while raised. Registers an arch lacks are invalid arguments. */
enum keel_vreg {
	KEEL_VREG_GENERAL = 31,  /* how many general registers there are */
	KEEL_VREG_SP = 31,       /* SP_EL0 */
	KEEL_VREG_PC = 32,
	KEEL_VREG_PSTATE = 33,
	KEEL_VREG_SP_EL1 = 34,
	KEEL_VREG_MPIDR = 35,    /* what the guest reads as MPIDR_EL1 */
	KEEL_VREG_TIMER = 36,    /* riscv64: the guest timer's compare value */
	KEEL_VREG_EXT_IRQ = 37,  /* riscv64: the external interrupt line */
	KEEL_VREG_COUNT = 38,
};
/* No register (see VM exits): above every KEEL_VREG_*, so that a RESUME
 * or WRITE_REG naming it is not a write of anything. */
#define KEEL_EXIT_REG_NONE 0xffu
_Static_assert(KEEL_EXIT_REG_NONE >= KEEL_VREG_COUNT, "no register is no KEEL_VREG");

/* ---- post pages (KEEL_VCPU_SET_ROUTE MR4) -----------------------------------
 * A frame an MMIO route's device server shares with the kernel, so that
 * the guest's accesses to two of its registers cost an exit but no switch
 * to the server. Once the server has set ready to KEEL_POST_READY, and
 * while the queue has room (head - tail < KEEL_POST_SLOTS), the kernel
 * answers a read of 1 to 4 bytes (of the sizes sizes allows) at read_off with read_val's low bytes
 * (sign-extended when the load is: riscv's LW, arm64's LDRSW), and queues a write of 1 to 4 bytes to post_off (the value and
 * its size in bytes) at post[head % KEEL_POST_SLOTS], then head + 1. The
 * server takes the queue in order before any other access of its guest,
 * and the kernel signals the route's notification (with its badge) within
 * KEEL_POST_SIGNAL_MS of a write it queued, so a queued write waits no
 * longer. Every other access, and both registers while the queue is full,
 * goes to the server as an exit, as without a post page. The kernel also
 * counts the reads it answered since the last write it queued (reads),
 * and signals the server after the second: a guest that polls the
 * register without writing (waiting for input after a prompt) is idle,
 * and the server may send what it holds. The kernel writes only head,
 * reads and post[]; whatever the server leaves in the page can at most
 * send its guest's accesses to the server or give it wrong values of its
 * own device. */
#define KEEL_POST_READY 0x74736f70u /* "post" */
#define KEEL_POST_SLOTS 256u         /* a power of two */
#define KEEL_POST_SIGNAL_MS 1u
struct keel_post_page {
	uint32_t ready;             /* KEEL_POST_READY: the server set the rest */
	uint32_t read_off, read_val;
	uint32_t post_off;
	uint32_t head;              /* the kernel's: writes queued, ever */
	uint32_t tail;              /* the server's: writes taken, ever */
	uint32_t reads;             /* the kernel's: reads answered since the last write queued */
	uint32_t sizes;             /* the access sizes answered or queued, bit n
				     * for 2^n bytes (n <= 2); 0: all of them */
	uint64_t post[KEEL_POST_SLOTS]; /* value | bytes << 32 */
};
_Static_assert(sizeof(struct keel_post_page) <= 4096, "one page");

/* Label of a message that is really a bound notification's signal. */
#define KEEL_LABEL_NOTIFICATION 0xffffffu

/* ---- boot info ----------------------------------------------------------------
 * Filled by the kernel in a page mapped read-only into the root server at
 * KEEL_BOOTINFO_VADDR; its address is also the root server's first argument. */
#define KEEL_BOOTINFO_VADDR 0x7f0000000ull
#define KEEL_MODULES_VADDR 0x100000000ull
#define KEEL_BOOT_MAX_UNTYPED 64
#define KEEL_BOOT_MAX_MODULES 48 /* modules and boot blobs together */
#define KEEL_BOOTINFO_MAGIC 0x4b45454c424f4f54ull /* "KEELBOOT" */
/* keel_bootinfo.cpu_features: the CPU has a random number instruction
 * user code may execute (aarch64: RNDR, FEAT_RNG). */
#define KEEL_CPU_F_RNG 1u

/* Boot blobs: files QEMU's generic loader put in RAM before Keel started
 * (-device loader,file=F,addr=A,force-raw=on), listed by a manifest whose
 * physical address the kernel command line gives as blobs=0x<addr>
 * (tools/mkblobs.sh writes both). The kernel keeps that memory out of the
 * untyped it hands out and passes each blob to root as a boot module.
 * Rules it checks (a manifest that breaks one is ignored, with a message):
 * the manifest is page-aligned in RAM and fits in a page; each blob starts
 * 2 MiB-aligned, and blobs rounded up to 2 MiB lie in RAM clear of each
 * other, the manifest and the device tree, all at least 16 MiB above the
 * end of the kernel image (the root server is built from that memory). */
#define KEEL_BLOB_MAGIC 0x424f4c424c45454bull /* "KEELBLOB" */
#define KEEL_BLOB_MAX 16u
struct keel_blob {
	char name[32]; /* NUL-terminated */
	uint64_t paddr, size;
};
struct keel_blob_manifest {
	uint64_t magic;
	uint32_t count;
	uint32_t reserved0;
	struct keel_blob blob[KEEL_BLOB_MAX];
};
_Static_assert(sizeof(struct keel_blob_manifest) <= 4096, "blob manifest is one page");

/* Fixed slots in the root server's CNode. */
enum keel_root_slot {
	KEEL_ROOT_NULL = 0,
	KEEL_ROOT_TCB = 1,
	KEEL_ROOT_CNODE = 2,
	KEEL_ROOT_VSPACE = 3,
	KEEL_ROOT_IRQ_CONTROL = 4,
	KEEL_ROOT_VMID_POOL = 5,   /* every VMID but root's own vspace's */
	KEEL_ROOT_TRACE = 6,       /* the kernel's trace (KEEL_TRACE_SET) */
	KEEL_ROOT_KLOG = 7,        /* the kernel log (KEEL_KLOG_*) */
	KEEL_ROOT_FIRST_FREE_FIXED = 8,
};
/* VMIDs the kernel has, 0 included (reserved): a pool holds at most
 * KEEL_VMIDS - 1. */
#define KEEL_VMIDS 256u
_Static_assert(KEEL_ROOT_VMID_POOL < KEEL_ROOT_FIRST_FREE_FIXED, "root slots");
_Static_assert(KEEL_OBJ_KLOG < KEEL_OBJ_COUNT, "object types");
_Static_assert(KEEL_KLOG_READ < KEEL_LABEL_COUNT, "labels");

/* ---- kernel log -------------------------------------------------------------
 * What threads write with KEEL_SYS_DEBUG_WRITE and _PUTC is one byte
 * stream. While root's KLOG object has no notification, the kernel writes
 * it to the UART itself. With one (root gives it the console server's),
 * the kernel keeps the bytes in a ring of KEEL_KLOG_BYTES, signals, and
 * the console server reads them (KEEL_KLOG_READ) and prints them between
 * the guests' lines: the UART has one writer, and no line of the log is
 * cut by a guest's. A write that finds the ring full (the reader is down)
 * writes out the ring and itself instead: nothing is lost, and the order
 * holds. Positions count every byte that went through the ring. */
#define KEEL_KLOG_BYTES 16384u
#define KEEL_KLOG_READ_REGS 32u /* bytes of a read that are in MR2..MR5 */

/* ---- trace ---------------------------------------------------------------------
 * While root's TRACE object has it on, each CPU appends what it does to its
 * own ring, oldest overwritten: ring c is mapped read-only in root at
 * KEEL_TRACE_VADDR + c * KEEL_TRACE_RING_BYTES (c < ncpus; nothing else
 * can map it). head counts the events recorded since KEEL_TRACE_SET 1;
 * event i is ev[i % KEEL_TRACE_EVENTS], the last KEEL_TRACE_EVENTS kept.
 * Read them after KEEL_TRACE_SET 0: nothing is recorded after it returns.
 *
 * A thread is named by its address space's VMID (a server's, or for a
 * vCPU thread the guest's) and the badge of its fault endpoint (root's
 * id of the server; KEEL_VMM_BADGE_VCPU(i) for vCPU i).
 *
 *   kind    thread        arg[0]                        arg[1]
 *   EXIT    the vCPU      the exit label (KEEL_EXIT_*)  its MR0 (MMIO: the address)
 *   IPC     the caller    the receiver if one waited:   the badge it is
 *                         vmid | badge << 8, else 0     called through
 *   INJECT  the vCPU      the virtual INTID             0
 *   FAULT   the thread    the fault label (KEEL_FAULT_*) its MR0 (address, pc)
 */
#define KEEL_TRACE_VADDR 0x7e0000000ull
#define KEEL_TRACE_RING_BYTES 0x100000ull
#define KEEL_TRACE_EVENTS (KEEL_TRACE_RING_BYTES / 32 - 1)
enum keel_trace_kind {
	KEEL_TRACE_EXIT = 1, KEEL_TRACE_IPC = 2, KEEL_TRACE_INJECT = 3, KEEL_TRACE_FAULT = 4,
};
struct keel_trace_event {
	uint64_t time;  /* generic-timer ticks (keel_bootinfo.timer_hz) */
	uint8_t kind;   /* enum keel_trace_kind */
	uint8_t cpu;
	uint8_t vmid;
	uint8_t pad;
	uint32_t badge;
	uint64_t arg[2];
};
struct keel_trace_ring {
	uint64_t head;
	uint64_t pad[3];
	struct keel_trace_event ev[KEEL_TRACE_EVENTS];
};
_Static_assert(sizeof(struct keel_trace_event) == 32, "a trace event is 32 bytes");
_Static_assert(sizeof(struct keel_trace_ring) == KEEL_TRACE_RING_BYTES, "ring size");

struct keel_boot_untyped {
	uint64_t paddr;
	uint8_t size_bits;
	uint8_t is_device;
	uint8_t pad[6];
};

struct keel_boot_module {
	char name[32];
	uint64_t vaddr; /* where it is mapped (read-only) in the root server */
	uint64_t size;
	/* A boot blob (below) also comes as read-only large frames
	 * (KEEL_LARGE_PAGE_BITS) in root CNode slots frame_first.. (frame_count
	 * of them; 0 for modules packed into the kernel image), so root can
	 * map it into another address space without copying. */
	uint32_t frame_first, frame_count;
};

struct keel_bootinfo {
	uint64_t magic;
	uint32_t ncpus;
	uint32_t cnode_bits;      /* root CNode has 1 << cnode_bits slots */
	uint32_t untyped_first;   /* slot of untyped[0]; the rest follow */
	uint32_t untyped_count;
	uint32_t first_free_slot; /* first empty slot in the root CNode */
	uint32_t module_count;
	uint64_t timer_hz;        /* generic timer frequency */
	uint64_t cpu_features;    /* KEEL_CPU_F_*: what user code may use */
	struct keel_boot_untyped untyped[KEEL_BOOT_MAX_UNTYPED];
	struct keel_boot_module module[KEEL_BOOT_MAX_MODULES];
	char cmdline[256];
};
_Static_assert(sizeof(struct keel_bootinfo) <= 4096, "boot info is one page");

/* ---- user-side wrappers ------------------------------------------------------ */
#include <keel/arch_trap.h>

/* Send MR0..MR5 (+ IPC buffer) to cptr and wait for the reply.
 * On an endpoint: KEEL_E_INVALID_CAP, KEEL_E_WRONG_TYPE, KEEL_E_NO_RIGHTS,
 * KEEL_E_BAD_LENGTH, KEEL_E_CANCELLED. On other objects: the invocation's
 * status. *info is replaced by the reply's message info. */
static inline long keel_call(uint64_t cptr, uint64_t *info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_CALL, cptr, info, mr);
}

/* Reply to the last caller (if any), then wait on ep. Errors as keel_recv. */
static inline long keel_reply_recv(uint64_t ep, uint64_t *info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_REPLY_RECV, ep, info, mr);
}

/* Wait on an endpoint (needs READ) or notification (needs READ; the bits
 * arrive in MR0). KEEL_E_INVALID_CAP, KEEL_E_WRONG_TYPE, KEEL_E_NO_RIGHTS,
 * KEEL_E_CANCELLED. The sender's badge is keel_msg_badge(*info). */
static inline long keel_recv(uint64_t cptr, uint64_t *info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_RECV, cptr, info, mr);
}

/* As keel_recv, but KEEL_E_WOULD_BLOCK instead of waiting. */
static inline long keel_poll(uint64_t cptr, uint64_t *info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_POLL, cptr, info, mr);
}

/* Send to an endpoint (blocks until received) or signal a notification
 * (never blocks). Errors as keel_call. */
static inline long keel_send(uint64_t cptr, uint64_t info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_SEND, cptr, &info, mr);
}

/* Reply to the last caller without waiting. KEEL_E_INVALID_CALL if there is
 * no caller to reply to. */
static inline long keel_reply(uint64_t info, uint64_t mr[6])
{
	return keel_trap(KEEL_SYS_REPLY, 0, &info, mr);
}

static inline long keel_signal(uint64_t ntfn)
{
	uint64_t mr[6] = { 0 };
	return keel_send(ntfn, 0, mr);
}

static inline void keel_yield(void)
{
	uint64_t info = 0, mr[6] = { 0 };
	keel_trap(KEEL_SYS_YIELD, 0, &info, mr);
}

/* Debug output on the kernel console. Never fails. */
static inline void keel_debug_putc(char c)
{
	uint64_t info = 0, mr[6] = { 0 };
	keel_trap(KEEL_SYS_DEBUG_PUTC, (uint64_t)(unsigned char)c, &info, mr);
}

/* n bytes on the kernel log in one trap: the first KEEL_DEBUG_WRITE_REGS
 * from s, the rest already in the IPC buffer's mr[6..] (kputs puts them
 * there); KEEL_E_INVALID_ARG (nothing written) if n > KEEL_DEBUG_WRITE_MAX. */
static inline long keel_debug_write(const char *s, unsigned n)
{
	uint64_t info = 0, mr[6] = { 0 };
	const unsigned char *b = (const unsigned char *)s;
	for (unsigned i = 0; i < n && i < KEEL_DEBUG_WRITE_REGS; i++)
		((unsigned char *)mr)[i] = b[i];
	return keel_trap(KEEL_SYS_DEBUG_WRITE, n, &info, mr);
}

/* Object invocation with up to six arguments; results come back in mr. */
static inline long keel_invoke(uint64_t cptr, uint64_t label, uint64_t nargs,
			       uint64_t mr[6])
{
	uint64_t info = keel_msginfo(label, nargs);
	return keel_trap(KEEL_SYS_CALL, cptr, &info, mr);
}

#endif /* KEEL_ABI_H */
