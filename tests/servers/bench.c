/*
 * bench: instruction counts (under QEMU -icount shift=0, 1 ns = 1
 * instruction; tools/bench.sh).
 *
 *   bench serve   reply_recv loop on KEEL_SRV_EP, nothing else
 *   bench call [hz]  round trips to the server on KEEL_SRV_PEER (another
 *                 address space, same CPU), then Linux system calls
 *                 answered by root; reports each as KEEL_REPORT_BENCH.
 *                 hz: the counter's frequency, from root's boot info
 *                 (tests/root/scn_basic.c; riscv64's timebase, 10 MHz on
 *                 QEMU virt, is 100 instructions a tick under -icount
 *                 shift=0, so each figure is the mean of many rounds);
 *                 counter_hz() without it
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/abi.h>
#include <keel/server.h>

#include "counter.h"

#define BENCH_WARMUP 1000u
#define BENCH_IPC_ROUNDS 100000u
#define BENCH_SYSCALL_ROUNDS 10000u

static uint64_t bench_hz;

static int bench_serve(void)
{
	uint64_t info = 0, mr[6] = { 0 };
	long err = keel_recv(KEEL_SRV_EP, &info, mr);
	while (err == KEEL_OK) {
		info = keel_msginfo(0, 0);
		err = keel_reply_recv(KEEL_SRV_EP, &info, mr);
	}
	return 1;
}

/* Per-round-trip cost of n empty calls, in ns (= instructions). */
static uint64_t bench_ipc(unsigned n, long *err)
{
	uint64_t start = counter_now();
	*err = KEEL_OK;
	for (unsigned i = 0; i < n && *err == KEEL_OK; i++) {
		uint64_t info = keel_msginfo(0, 0), mr[6] = { 0 };
		*err = keel_call(KEEL_SRV_PEER, &info, mr);
	}
	return counter_ticks_to_ns_at(counter_now() - start, bench_hz) / n;
}

static uint64_t bench_syscall(unsigned n)
{
	uint64_t start = counter_now();
	for (unsigned i = 0; i < n; i++)
		if (getpid() != 1)
			return 0;
	return counter_ticks_to_ns_at(counter_now() - start, bench_hz) / n;
}

static int bench_call(void)
{
	long err;
	uint64_t per;
	bench_ipc(BENCH_WARMUP, &err);
	per = bench_ipc(BENCH_IPC_ROUNDS, &err);
	if (err != KEEL_OK) {
		keel_report(KEEL_REPORT_FAIL, (uint64_t)err, "call failed: %ld", err);
		return 1;
	}
	keel_report(KEEL_REPORT_BENCH, per, "ipc_call_reply_roundtrip instructions");
	bench_syscall(BENCH_WARMUP / 10);
	per = bench_syscall(BENCH_SYSCALL_ROUNDS);
	if (per == 0) {
		keel_report(KEEL_REPORT_FAIL, 0, "getpid() did not return 1");
		return 1;
	}
	keel_report(KEEL_REPORT_BENCH, per, "linux_syscall_roundtrip instructions");
	keel_report(KEEL_REPORT_PASS, BENCH_IPC_ROUNDS, "done");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return bench_serve();
	bench_hz = argc >= 3 ? strtoull(argv[2], NULL, 10) : 0;
	if (bench_hz == 0)
		bench_hz = counter_hz();
	return bench_call();
}
