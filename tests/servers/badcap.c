/*
 * badcap: calls that must fail, each with its exact status. Root gives:
 * KEEL_SRV_EP (endpoint, WRITE only, nobody receives), KEEL_SRV_NTFN
 * (notification, READ only), KEEL_SRV_CNODE (its CNode), KEEL_SRV_UNTYPED
 * (16 KiB), KEEL_SRV_FRAME and KEEL_SRV_REPORT; KEEL_SRV_PEER is empty.
 * Nothing here may block: the one endpoint has no receiver, so every call
 * on it must be refused before it would wait.
 */
#include <keel/abi.h>
#include <keel/error.h>
#include <keel/object.h>
#include <keel/server.h>

#define FREE_A (KEEL_SRV_FREE + 0)
#define FREE_B (KEEL_SRV_FREE + 1)
#define CNODE_SLOTS (1u << KEEL_SRV_CNODE_BITS)

static unsigned bc_checks;

/* Record one check; on a mismatch report it and return false. */
static bool bc_expect(const char *what, long got, long want)
{
	bc_checks++;
	if (got == want)
		return true;
	keel_report(KEEL_REPORT_FAIL, bc_checks, "check %u (%s): got %s, want %s",
		    bc_checks, what, keel_err_name(got), keel_err_name(want));
	return false;
}

static long bc_call(uint64_t cptr, uint64_t label, uint64_t len)
{
	uint64_t info = keel_msginfo(label, len), mr[6] = { 0 };
	return keel_call(cptr, &info, mr);
}

static long bc_trap_recv(uint64_t cptr)
{
	uint64_t info = 0, mr[6] = { 0 };
	return keel_recv(cptr, &info, mr);
}

static long bc_poll(uint64_t cptr)
{
	uint64_t info = 0, mr[6] = { 0 };
	return keel_poll(cptr, &info, mr);
}

static bool bc_lookup(void)
{
	return bc_expect("call on an empty slot", bc_call(KEEL_SRV_PEER, 0, 0),
			 KEEL_E_INVALID_CAP) &&
	       bc_expect("call on slot 0", bc_call(0, 0, 0), KEEL_E_INVALID_CAP) &&
	       bc_expect("call beyond the CNode", bc_call(1000, 0, 0), KEEL_E_INVALID_CAP) &&
	       bc_expect("call on a huge cptr", bc_call(~0ull, 0, 0), KEEL_E_INVALID_CAP) &&
	       bc_expect("receive on a frame", bc_trap_recv(KEEL_SRV_FRAME),
			 KEEL_E_WRONG_TYPE) &&
	       bc_expect("send on a CNode", keel_signal(KEEL_SRV_CNODE), KEEL_E_WRONG_TYPE) &&
	       bc_expect("receive without READ", bc_trap_recv(KEEL_SRV_EP), KEEL_E_NO_RIGHTS) &&
	       bc_expect("poll without READ", bc_poll(KEEL_SRV_EP), KEEL_E_NO_RIGHTS) &&
	       bc_expect("signal without WRITE", keel_signal(KEEL_SRV_NTFN), KEEL_E_NO_RIGHTS) &&
	       bc_expect("poll an empty notification", bc_poll(KEEL_SRV_NTFN),
			 KEEL_E_WOULD_BLOCK);
}

static bool bc_lengths(void)
{
	uint64_t info = keel_msginfo(0, KEEL_MSG_MAX_MRS + 1), mr[6] = { 0 };
	return bc_expect("call with 65 MRs", bc_call(KEEL_SRV_EP, 0, KEEL_MSG_MAX_MRS + 1),
			 KEEL_E_BAD_LENGTH) &&
	       bc_expect("call with 255 MRs", bc_call(KEEL_SRV_EP, 7, 255), KEEL_E_BAD_LENGTH) &&
	       bc_expect("send with 65 MRs", keel_send(KEEL_SRV_EP, info, mr),
			 KEEL_E_BAD_LENGTH) &&
	       bc_expect("reply with no caller", keel_reply(keel_msginfo(0, 0), mr),
			 KEEL_E_INVALID_CALL);
}

static long bc_unknown_call(unsigned which)
{
	uint64_t info = 0, mr[6] = { 0 };
	switch (which) {
	case 0: return keel_trap(KEEL_SYS_COUNT, KEEL_SRV_EP, &info, mr);
	case 1: return keel_trap(12, KEEL_SRV_EP, &info, mr);
	default: return keel_trap(15, KEEL_SRV_EP, &info, mr);
	}
}

static bool bc_numbers(void)
{
	return bc_expect("call number 10", bc_unknown_call(0), KEEL_E_INVALID_CALL) &&
	       bc_expect("call number 12", bc_unknown_call(1), KEEL_E_INVALID_CALL) &&
	       bc_expect("call number 15", bc_unknown_call(2), KEEL_E_INVALID_CALL) &&
	       bc_expect("frame label 99", bc_call(KEEL_SRV_FRAME, 99, 0), KEEL_E_INVALID_CALL) &&
	       bc_expect("frame label PT_MAP", bc_call(KEEL_SRV_FRAME, KEEL_PT_MAP, 0),
			 KEEL_E_INVALID_CALL) &&
	       bc_expect("CNode label TCB_RESUME",
			 bc_call(KEEL_SRV_CNODE, KEEL_TCB_RESUME, 0), KEEL_E_INVALID_CALL) &&
	       bc_expect("untyped label CNODE_COPY",
			 bc_call(KEEL_SRV_UNTYPED, KEEL_CNODE_COPY, 0), KEEL_E_INVALID_CALL) &&
	       bc_expect("invoke a notification", bc_call(KEEL_SRV_NTFN, 1, 0),
			 KEEL_E_INVALID_CALL);
}

static bool bc_cnode(void)
{
	const uint64_t cn = KEEL_SRV_CNODE;
	return bc_expect("copy to a slot past the end",
			 keel_cnode_copy(cn, 1u << 20, cn, KEEL_SRV_FRAME, KEEL_R_ALL),
			 KEEL_E_BAD_ADDRESS) &&
	       bc_expect("copy from a slot past the end",
			 keel_cnode_copy(cn, FREE_A, cn, 5000, KEEL_R_ALL), KEEL_E_BAD_ADDRESS) &&
	       bc_expect("copy from an empty slot",
			 keel_cnode_copy(cn, FREE_A, cn, FREE_B, KEEL_R_ALL), KEEL_E_INVALID_CAP) &&
	       bc_expect("copy onto a full slot",
			 keel_cnode_copy(cn, KEEL_SRV_EP, cn, KEEL_SRV_FRAME, KEEL_R_ALL),
			 KEEL_E_SLOT_IN_USE) &&
	       bc_expect("copy an untyped",
			 keel_cnode_copy(cn, FREE_A, cn, KEEL_SRV_UNTYPED, KEEL_R_ALL),
			 KEEL_E_WRONG_TYPE) &&
	       bc_expect("mint a frame",
			 keel_cnode_mint(cn, FREE_A, cn, KEEL_SRV_FRAME, KEEL_R_ALL, 5),
			 KEEL_E_WRONG_TYPE) &&
	       bc_expect("mint badge 0",
			 keel_cnode_mint(cn, FREE_A, cn, KEEL_SRV_EP, KEEL_R_ALL, 0),
			 KEEL_E_INVALID_ARG) &&
	       bc_expect("copy with a non-CNode source",
			 keel_cnode_copy(cn, FREE_A, KEEL_SRV_FRAME, 1, KEEL_R_ALL),
			 KEEL_E_WRONG_TYPE) &&
	       bc_expect("delete past the end", keel_cnode_delete(cn, CNODE_SLOTS),
			 KEEL_E_BAD_ADDRESS);
}

/* A copy with fewer rights is really weaker; deleting it empties the slot. */
static bool bc_derived(void)
{
	const uint64_t cn = KEEL_SRV_CNODE;
	return bc_expect("copy the endpoint without WRITE",
			 keel_cnode_copy(cn, FREE_A, cn, KEEL_SRV_EP, KEEL_R_READ), KEEL_OK) &&
	       bc_expect("call through it", bc_call(FREE_A, 0, 0), KEEL_E_NO_RIGHTS) &&
	       bc_expect("delete it", keel_cnode_delete(cn, FREE_A), KEEL_OK) &&
	       bc_expect("call on the deleted slot", bc_call(FREE_A, 0, 0),
			 KEEL_E_INVALID_CAP);
}

static bool bc_retype_args(void)
{
	const uint64_t ut = KEEL_SRV_UNTYPED, cn = KEEL_SRV_CNODE;
	return bc_expect("retype an unknown type",
			 keel_untyped_retype(ut, 99, 0, cn, FREE_A, 1), KEEL_E_INVALID_ARG) &&
	       bc_expect("retype a 2-slot CNode",
			 keel_untyped_retype(ut, KEEL_OBJ_CNODE, 1, cn, FREE_A, 1),
			 KEEL_E_INVALID_ARG) &&
	       bc_expect("retype zero objects",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn, FREE_A, 0),
			 KEEL_E_INVALID_ARG) &&
	       bc_expect("retype past the CNode end",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn, CNODE_SLOTS, 1),
			 KEEL_E_BAD_ADDRESS) &&
	       bc_expect("retype onto a full slot",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn, KEEL_SRV_EP, 1),
			 KEEL_E_SLOT_IN_USE) &&
	       bc_expect("retype into a frame",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, KEEL_SRV_FRAME, 9, 1),
			 KEEL_E_WRONG_TYPE);
}

/* 16 KiB hold exactly four frames; then map one where it cannot go. */
static bool bc_retype_memory(void)
{
	const uint64_t ut = KEEL_SRV_UNTYPED, cn = KEEL_SRV_CNODE;
	uint64_t paddr = 0;
	return bc_expect("retype 5 frames from 16 KiB",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn, FREE_A, 5),
			 KEEL_E_NO_MEMORY) &&
	       bc_expect("retype 4 frames from 16 KiB",
			 keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn, FREE_A, 4), KEEL_OK) &&
	       bc_expect("retype one more", keel_untyped_retype(ut, KEEL_OBJ_FRAME, 0, cn,
								FREE_A + 4, 1),
			 KEEL_E_NO_MEMORY) &&
	       bc_expect("frame address", keel_frame_address(FREE_A, &paddr), KEEL_OK) &&
	       bc_expect("map into a non-vspace",
			 keel_frame_map(FREE_A, KEEL_SRV_EP, 0x20000000, KEEL_R_READ),
			 KEEL_E_WRONG_TYPE) &&
	       bc_expect("map into an empty slot",
			 keel_frame_map(FREE_A, KEEL_SRV_PEER, 0x20000000, KEEL_R_READ),
			 KEEL_E_INVALID_CAP);
}

/* VMIDs are not memory (issue 16.3): a vspace made from this server's
 * untyped has none, so nothing maps into it, and without a VMID pool the
 * server cannot give it one. (Root's VMs go on getting theirs.) One
 * vspace: on riscv64 it takes all 16 KiB (ARCH_VSPACE_BITS), so the frame
 * is a copy of the one root gave. */
static bool bc_vmid(void)
{
	const uint64_t ut = KEEL_SRV_UNTYPED, cn = KEEL_SRV_CNODE;
	return bc_expect("revoke the untyped", keel_cnode_revoke(cn, ut), KEEL_OK) &&
	       bc_expect("retype a vspace",
			 keel_untyped_retype(ut, KEEL_OBJ_VSPACE, 0, cn, FREE_A, 1), KEEL_OK) &&
	       bc_expect("copy the frame",
			 keel_cnode_copy(cn, FREE_A + 3, cn, KEEL_SRV_FRAME, KEEL_R_ALL), KEEL_OK) &&
	       bc_expect("map into a vspace without a VMID",
			 keel_frame_map(FREE_A + 3, FREE_A, 0x20000000, KEEL_R_READ),
			 KEEL_E_INVALID_CAP) &&
	       bc_expect("assign a VMID with no pool",
			 keel_vmid_pool_assign(KEEL_SRV_PEER, FREE_A, NULL), KEEL_E_INVALID_CAP) &&
	       bc_expect("assign a VMID from a CNode",
			 keel_vmid_pool_assign(cn, FREE_A, NULL), KEEL_E_INVALID_CALL);
}

int main(void)
{
	if (!bc_lookup() || !bc_lengths() || !bc_numbers() || !bc_cnode() ||
	    !bc_derived() || !bc_retype_args() || !bc_retype_memory() || !bc_vmid())
		return 1;
	keel_report(KEEL_REPORT_PASS, bc_checks, "%u checks", bc_checks);
	return 0;
}
