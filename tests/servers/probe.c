/*
 * probe: the isolation probe (test=vm-isolation, tests/root/scn_vm2.c).
 * The test root starts it in a VM's device-server slot, with exactly what
 * boot/vm.c gives a device server (its endpoint, its state page, root's
 * report endpoint). It should hold no frame capability and no CNode: it
 * tries each slot (and a few beyond its CNode) as a frame to map into
 * each slot as a vspace, and as a CNode to copy or mint into, counts what
 * worked and reports PASS "devserver-probe" or FAIL. Then it serves its
 * device window by refusing every access, as a device that is not there.
 *
 *   argv[1]        VM name
 *   KEEL_SRV_EP    requests from the VMM
 */
#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#define PROBE_EXTRA 8u

static const uint64_t probe_extra[PROBE_EXTRA] = { 32, 33, 63, 64, 255, 4096, 1ull << 20,
						    ~0ull };

/* Root's and the console's endpoints: invoking them would call that server. */
static bool probe_skip(uint64_t cptr)
{
	return cptr == KEEL_SRV_REPORT || cptr == KEEL_SRV_PEER;
}

static unsigned probe_cptrs(uint64_t *cptr)
{
	unsigned n = 0;
	for (uint64_t i = 0; i < (1u << KEEL_SRV_CNODE_BITS); i++)
		cptr[n++] = i;
	for (unsigned i = 0; i < PROBE_EXTRA; i++)
		cptr[n++] = probe_extra[i];
	return n;
}

static void probe_run(const char *self)
{
	uint64_t cptr[(1u << KEEL_SRV_CNODE_BITS) + PROBE_EXTRA];
	unsigned n = probe_cptrs(cptr), frames = 0, maps = 0, copies = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa;
		if (probe_skip(cptr[i]))
			continue;
		if (keel_frame_address(cptr[i], &pa) == KEEL_OK)
			frames++;
		for (unsigned v = 0; v < n; v++)
			if (keel_frame_map(cptr[i], cptr[v], 0x20000000ull, KEEL_R_READ) == KEEL_OK)
				maps++;
		for (unsigned d = 0; d < n; d++)
			if (!probe_skip(cptr[d]) &&
			    (keel_cnode_copy(cptr[d], KEEL_SRV_FREE + 1, cptr[d], cptr[i],
					     KEEL_R_ALL) == KEEL_OK ||
			     keel_cnode_mint(cptr[d], KEEL_SRV_FREE + 1, cptr[d], cptr[i],
					     KEEL_R_ALL, 1) == KEEL_OK))
				copies++;
	}
	kprintf("[%s] probe: %u cptrs, %u frame capabilities, %u maps, %u copies\n", self, n,
		frames, maps, copies);
	if (frames || maps || copies)
		keel_report(KEEL_REPORT_FAIL, 0, "%s holds %u frame capabilities, "
			    "%u maps and %u copies succeeded", self, frames, maps, copies);
	else
		keel_report(KEEL_REPORT_PASS, 0, "devserver-probe: %s", self);
}

static bool probe_request(void *ctx, struct keel_msg *m)
{
	(void)ctx;
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = KEEL_DEV_ABORT;
	m->mr[1] = 0;
	m->mr[2] = 0;
	return true;
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .protected = probe_request };
	long err;
	(void)argc;
	probe_run(argv[0]);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
