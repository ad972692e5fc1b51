/*
 * blkbench: the virtio-blk benchmarks of make bench (tools/bench-blk.sh),
 * run in the guest on a disk: N random 4 KiB O_DIRECT reads, then S MiB
 * read sequentially in 1 MiB O_DIRECT reads. Prints
 *
 *   [blkbench] read4k <ns> <n>
 *   [blkbench] seq <ns> <bytes>
 *
 * once per round, then "[blkbench] done". The rounds read the same blocks:
 * tools/bench-blk.sh takes each figure's minimum, the round least
 * lengthened by the host's I/O latency, which -icount counts as
 * instructions while the guest waits.
 * with ns of virtual time (the guest's counter): under QEMU -icount
 * shift=0 one instruction takes 1 ns, so ns is instructions, as for
 * tests/linux/icount.c. The random offsets come from a fixed seed, so
 * every run (Keel's, bare QEMU's) reads the same blocks.
 *
 *   blkbench DEVICE [N] [S] [R]     (default 512 reads, 16 MiB, 1 round)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint64_t blkbench_ns(void)
{
	uint64_t v, f;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return (uint64_t)((unsigned __int128)v * 1000000000u / f);
}

/* One round: N random 4 KiB reads, then S MiB in 1 MiB reads. */
static int blkbench_round(int fd, void *buf, uint64_t blocks, unsigned n, unsigned mib)
{
	uint64_t seed = 0x4b45454c, t0 = blkbench_ns();
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (pread(fd, buf, 4096, (off_t)((seed >> 33) % blocks) * 4096) != 4096)
			return 1;
	}
	printf("[blkbench] read4k %llu %u\n", (unsigned long long)(blkbench_ns() - t0), n);
	t0 = blkbench_ns();
	for (unsigned i = 0; i < mib; i++)
		if (pread(fd, buf, 1 << 20, (off_t)i << 20) != 1 << 20)
			return 1;
	printf("[blkbench] seq %llu %llu\n", (unsigned long long)(blkbench_ns() - t0),
	       (unsigned long long)mib << 20);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 512, mib = argc > 3 ? (unsigned)atoi(argv[3]) : 16;
	unsigned rounds = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
	uint64_t blocks;
	off_t size;
	void *buf;
	int fd = argc > 1 ? open(argv[1], O_RDONLY | O_DIRECT) : -1;
	if (fd < 0 || posix_memalign(&buf, 4096, 1 << 20) != 0) {
		perror("blkbench");
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	blocks = (uint64_t)size / 4096;
	if (blocks == 0 || (uint64_t)size < (uint64_t)mib << 20)
		return 1;
	for (unsigned r = 0; r < rounds; r++)
		if (blkbench_round(fd, buf, blocks, n, mib))
			return 1;
	printf("[blkbench] done\n");
	return 0;
}
