/*
 * mkblobs — lay out a VM config and the files it names as QEMU
 * generic-loader blobs in guest RAM, for `make run CONFIG=...`.
 *
 *   mkblobs [--arch aarch64|riscv64] CONFIG RAM_MIB OUTDIR
 *
 * Checks CONFIG with the loader first, with the arch's machine profile
 * (default aarch64: config/cfg_arch.c); files must exist, and paths are
 * relative to the config's directory, as everywhere (docs/config.md). Then
 * writes
 *
 *   OUTDIR/manifest.bin  what the kernel reads: little-endian
 *                        { u64 magic "KEELBLOB"; u32 count; u32 0;
 *                          { char name[32]; u64 paddr; u64 size; } blob[count] }
 *   OUTDIR/qemu-args     one argument a line: "-device" and
 *                        "loader,file=ABS,addr=0x...,force-raw=on" per blob
 *                        and for the manifest; then the machine's disks
 *                        in cfg_disk_index's order, VM by VM: each
 *                        virtio-blk device's file, in order, then the
 *                        VM's firmware_vars_path; for each "-drive" and
 *                        "file=ABS,format=raw|qcow2,if=none,id=diskN[,
 *                        readonly=on]" (a vars file: raw, never
 *                        read-only), "-device" and
 *                        "virtio-blk-device,drive=diskN,serial=keel-diskN"
 *                        (the serial is the disk's VIRTIO_BLK_T_GET_ID
 *                        answer; QEMU puts the
 *                        first on the highest virtio-mmio transport: root
 *                        counts disks from there, boot/blkdrv.c), with
 *                        "-global virtio-mmio.force-legacy=false" once
 *                        before them (the modern interface); then, for
 *                        the uplink network (docs/net.md), "-netdev" and
 *                        "user,id=uplink,restrict=on,net=SUBNET,host=H,
 *                        dns=D,dhcpstart=S[,hostfwd=tcp:127.0.0.1:HP-
 *                        GUEST:GP...]", "-device" and
 *                        "virtio-net-device,netdev=uplink" (after the
 *                        disks: root finds it by its DeviceID); then
 *                        "blobs=0x<manifest> ram-zeroed", the words for
 *                        the kernel command line (QEMU starts with its RAM
 *                        zeroed: the kernel need not zero what no one used
 *                        since, kernel/object.c)
 *
 * blob[0] is the config file; then every distinct kernel, initrd and dtb
 * file. Each is named by its file name (the last part of its path), so
 * two different files may not share one. Blobs are packed top-down from the end of RAM (RAM is
 * the profile's RAM base + RAM_MIB MiB), each 2 MiB aligned and taking its size
 * rounded up to 2 MiB; the manifest sits 4 KiB aligned just below the
 * lowest. Each steps over QEMU's device tree (riscv64's is near the top of
 * RAM: cfg_blob_below). Disks and vars files are drives, not blobs.
 *
 * A firmware_vars_path (the flash's bank 1, docs/firmware.md) that does
 * not exist is made: CFG_FLASH_VARS_BYTES of zeros, sparse, in an existing
 * directory, and said on stdout. One that exists must be exactly that
 * size. A vars file may not be another drive's file (a path_on_host or
 * another VM's vars file): QEMU would refuse the second drive. Every disk
 * is checked before any file is made. Exits 0 on success, 1 on a config,
 * layout or disk error, 2 on usage.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/abi.h>
#include <keel/config.h>

#define MANIFEST_ALIGN CFG_BLOB_MANIFEST_ALIGN
/* The manifest's layout is keel/abi.h's struct keel_blob_manifest; it is
 * written byte by byte (little-endian whatever the host). */
#define MANIFEST_MAGIC KEEL_BLOB_MAGIC
#define MAX_BLOBS KEEL_BLOB_MAX
#define NAME_LEN ((unsigned)sizeof(((struct keel_blob *)0)->name))
#define ENTRY_BYTES ((unsigned)sizeof(struct keel_blob))
#define HEADER_BYTES ((unsigned)offsetof(struct keel_blob_manifest, blob))
/* Blobs stay above RAM's first CFG_MACHINE_KEEP bytes (Keel's image, on
 * aarch64 QEMU's device tree; the kernel needs room of its own) and clear
 * of the device tree: cfg_blob_below, which the loader's machine model
 * (config/cfg_machine.c) lays blobs out with too (constants checked below). */
_Static_assert(MAX_BLOBS == CFG_BLOB_MAX && ENTRY_BYTES == CFG_BLOB_ENTRY_BYTES &&
	       HEADER_BYTES == CFG_BLOB_HEADER_BYTES, "keel/config.h's blob layout is keel/abi.h's");

struct blob {
	char name[NAME_LEN];
	char file[PATH_MAX];   /* absolute */
	uint64_t paddr, size;
};

static struct blob blobs[MAX_BLOBS];
static unsigned nblobs;
static const struct cfg_arch *arch = &cfg_arch_aarch64;
static char config_dir[PATH_MAX];
static const char *config_file; /* as given, for messages */

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "mkblobs: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	return 1;
}

static bool file_exists(void *ctx, const char *path)
{
	char full[PATH_MAX * 2];
	struct stat st;
	(void)ctx;
	snprintf(full, sizeof(full), "%s/%s", path[0] == '/' ? "" : config_dir, path);
	return stat(full, &st) == 0 && S_ISREG(st.st_mode);
}

static char *read_all(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	char *buf;
	long n;
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		if (f)
			fclose(f);
		return NULL;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf)
		*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* The config must be free of errors: print them as check-config does. */
static int check(const char *config, struct cfg_system *sys)
{
	static struct cfg_errors errs;
	struct cfg_limits lim = { CFG_MAX_VMS, 0, file_exists, NULL, NULL, arch };
	char line[CFG_KEYPATH_MAX + CFG_DETAIL_MAX + 512];
	size_t len = 0, n;
	char *text = read_all(config, &len);
	if (!text)
		return fail("%s: cannot read: %s", config, strerror(errno));
	n = cfg_parse(config, text, len, &lim, sys, &errs);
	free(text);
	for (size_t i = 0; i < n && i < CFG_MAX_ERRORS; i++) {
		cfg_error_format(&errs, i, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	return n ? fail("%s: has errors; no blobs written%s", config, "") : 0;
}

/* A blob for file (resolved against base_dir unless absolute), named name. */
static int add_blob(const char *name, const char *base_dir, const char *file)
{
	char joined[PATH_MAX * 2];
	struct blob *b;
	struct stat st;
	if (strlen(name) >= NAME_LEN)
		return fail("%s: file name is %s than 31 characters (blob names are char[32])",
			    name, "longer");
	if (nblobs == MAX_BLOBS)
		return fail("%s: more than 16 blobs%s", name, "");
	b = &blobs[nblobs];
	snprintf(joined, sizeof(joined), "%s/%s", file[0] == '/' ? "" : base_dir, file);
	if (!realpath(joined, b->file) || stat(b->file, &st) != 0)
		return fail("%s: %s", joined, strerror(errno));
	for (unsigned i = 0; i < nblobs; i++) {
		if (strcmp(blobs[i].name, name) != 0)
			continue;
		if (strcmp(blobs[i].file, b->file) == 0)
			return 0; /* each file once */
		return fail("%s: another file has the same name %s (blobs are named by file "
			    "name)", b->file, name);
	}
	if (strpbrk(b->file, ", \t\n"))
		return fail("%s: QEMU's -device loader cannot take a path with a comma or %s",
			    b->file, "space");
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->size = (uint64_t)st.st_size;
	nblobs++;
	return 0;
}

static int add_vm_files(const struct cfg_system *sys)
{
	for (size_t v = 0; v < sys->vm_count; v++) {
		const struct cfg_vm *vm = &sys->vms[v];
		const char *paths[] = { vm->kernel_image_path, vm->initrd_path, vm->dtb_path };
		for (size_t i = 0; i < 3; i++)
			if (paths[i][0] != '\0' &&
			    add_blob(cfg_file_name(paths[i]), config_dir, paths[i]))
				return 1;
	}
	return 0;
}

/* Top-down from the end of RAM; returns the manifest's address, 0 if the
 * blobs do not fit above CFG_MACHINE_KEEP. */
static uint64_t layout(uint64_t ram_mib)
{
	uint64_t ram = ram_mib << 20, top = arch->ram_base + ram;
	uint64_t bytes = HEADER_BYTES + (uint64_t)nblobs * ENTRY_BYTES;
	for (unsigned i = 0; i < nblobs; i++) {
		top = cfg_blob_below(arch, ram, top, cfg_blob_slot(blobs[i].size), CFG_BLOB_ALIGN);
		if (top == 0)
			return 0;
		blobs[i].paddr = top;
	}
	return cfg_blob_below(arch, ram, top, bytes, MANIFEST_ALIGN);
}

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int write_manifest(const char *path)
{
	unsigned char buf[HEADER_BYTES + MAX_BLOBS * ENTRY_BYTES];
	size_t n = HEADER_BYTES + nblobs * ENTRY_BYTES;
	FILE *f;
	memset(buf, 0, sizeof(buf));
	put_le(buf, MANIFEST_MAGIC, 8);
	put_le(buf + 8, nblobs, 4);
	for (unsigned i = 0; i < nblobs; i++) {
		unsigned char *e = buf + HEADER_BYTES + i * ENTRY_BYTES;
		memcpy(e, blobs[i].name, strlen(blobs[i].name));
		put_le(e + NAME_LEN, blobs[i].paddr, 8);
		put_le(e + NAME_LEN + 8, blobs[i].size, 8);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/* A disk image's format as QEMU names it: qcow2 by its magic, else raw. */
static const char *disk_format(const char *file)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(file, "rb");
	if (f) {
		(void)fread(magic, 1, sizeof(magic), f);
		fclose(f);
	}
	return memcmp(magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw";
}

/* The machine's disks, in cfg_disk_index's order: VM by VM, its
 * virtio-blk devices, then its firmware_vars_path (root numbers them so). */
struct disk {
	char file[PATH_MAX];    /* absolute */
	char key[48];           /* vms[V].devices[D].path_on_host, vms[V].firmware_vars_path */
	const char *vm;
	bool read_only, vars;
	bool make;              /* vars: does not exist yet */
};

#define MAX_DISKS (CFG_MAX_VMS * (CFG_MAX_DEVICES + 1))
static struct disk disks[MAX_DISKS];
static unsigned ndisks;

static int fail_vars_size(const char *file, uint64_t size)
{
	fprintf(stderr, "mkblobs: %s is %llu bytes; the flash's bank 1 is %llu (%llu MiB)\n",
		file, (unsigned long long)size, (unsigned long long)CFG_FLASH_VARS_BYTES,
		(unsigned long long)(CFG_FLASH_VARS_BYTES >> 20));
	return 1;
}

/* A vars file that does not exist yet is named by its directory's real
 * path (it must exist) and its own name; one that does must be bank 1's
 * size exactly, for the flash server maps it byte for byte. */
static int resolve_vars(const char *joined, struct disk *k)
{
	char dir[PATH_MAX * 2], real[PATH_MAX];
	const char *name = cfg_file_name(joined);
	struct stat st;
	size_t len;

	if (stat(joined, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return fail("%s: not a regular file%s", joined, "");
		if ((uint64_t)st.st_size != CFG_FLASH_VARS_BYTES)
			return fail_vars_size(joined, (uint64_t)st.st_size);
		return realpath(joined, k->file) ? 0 : fail("%s: %s", joined, strerror(errno));
	}
	if (errno != ENOENT)
		return fail("%s: %s", joined, strerror(errno));
	snprintf(dir, sizeof(dir), "%.*s", (int)(name - joined), joined); /* joined has a '/' */
	if (!realpath(dir, real))
		return fail("%s: cannot make it: %s", joined, strerror(errno));
	len = strcmp(real, "/") == 0 ? 0 : strlen(real);
	if (len + 1 + strlen(name) >= sizeof(k->file))
		return fail("%s: %s", joined, strerror(ENAMETOOLONG));
	memcpy(k->file, real, len);
	k->file[len] = '/';
	memcpy(k->file + len + 1, name, strlen(name) + 1);
	k->make = true;
	return 0;
}

/* VM v's device d (a virtio-blk), or its vars file (d < 0), as the next
 * disk; its path is relative to the config's directory. */
static int add_disk(const struct cfg_system *sys, size_t v, int d)
{
	const struct cfg_vm *vm = &sys->vms[v];
	const struct cfg_device *dev = d >= 0 ? &vm->devices[d] : NULL;
	const char *path = dev ? dev->path_on_host : vm->firmware_vars_path;
	struct disk *k = &disks[ndisks];
	char joined[PATH_MAX * 2];

	if (cfg_disk_index(sys, v, d) != ndisks) /* cannot be: root counts with it */
		return fail("%s: not disk %s in cfg_disk_index's order", path, "next");
	*k = (struct disk){ .vm = vm->name, .vars = dev == NULL,
			    .read_only = dev != NULL && dev->is_read_only };
	if (dev)
		snprintf(k->key, sizeof(k->key), "vms[%zu].devices[%d].path_on_host", v, d);
	else
		snprintf(k->key, sizeof(k->key), "vms[%zu].firmware_vars_path", v);
	snprintf(joined, sizeof(joined), "%s/%s", path[0] == '/' ? "" : config_dir, path);
	if (k->vars && resolve_vars(joined, k))
		return 1;
	if (!k->vars && !realpath(joined, k->file))
		return fail("%s: %s", joined, strerror(errno));
	if (strpbrk(k->file, ", \t\n"))
		return fail("%s: QEMU's -drive cannot take a path with a comma or %s", k->file,
			    "space");
	ndisks++;
	return 0;
}

static int collect_disks(const struct cfg_system *sys)
{
	for (size_t v = 0; v < sys->vm_count; v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		for (size_t d = 0; d < vm->device_count; d++)
			if (vm->devices[d].type == CFG_DEV_VIRTIO_BLK && add_disk(sys, v, (int)d))
				return 1;
		if (vm->firmware_vars_path[0] != '\0' && add_disk(sys, v, -1))
			return 1;
	}
	return 0;
}

/* QEMU locks a writable drive's file: a vars file may be no other
 * drive's (two read-only disks on one file are QEMU's to allow). */
static int check_vars_alone(void)
{
	for (unsigned i = 0; i < ndisks; i++)
		for (unsigned j = i + 1; j < ndisks; j++) {
			if (!(disks[i].vars || disks[j].vars) ||
			    strcmp(disks[i].file, disks[j].file) != 0)
				continue;
			fprintf(stderr, "mkblobs: %s and %s are one file, %s: QEMU takes a file"
				" as one drive only\n", disks[i].key, disks[j].key, disks[i].file);
			return 1;
		}
	return 0;
}

/* A missing vars file: zeros, sparse, as QEMU's own flash files are
 * made (truncate -s 64M); it takes no room until the guest saves. */
static int make_vars(const struct disk *k)
{
	int fd = open(k->file, O_WRONLY | O_CREAT | O_EXCL, 0666);

	if (fd < 0)
		return fail("%s: %s", k->file, strerror(errno));
	if (ftruncate(fd, (off_t)CFG_FLASH_VARS_BYTES) != 0) {
		int err = errno;

		close(fd);
		unlink(k->file);
		return fail("%s: %s", k->file, strerror(err));
	}
	if (close(fd) != 0)
		return fail("%s: %s", k->file, strerror(errno));
	printf("mkblobs: VM %s: made %s (64 MiB of zeros: the flash's bank 1)\n", k->vm, k->file);
	return 0;
}

static int check_transports(const struct cfg_system *sys);

/* Every disk resolved and checked before the first vars file is made. */
static int prepare_disks(const struct cfg_system *sys)
{
	if (collect_disks(sys) || check_vars_alone() || check_transports(sys))
		return 1;
	for (unsigned i = 0; i < ndisks; i++)
		if (disks[i].make && make_vars(&disks[i]))
			return 1;
	return 0;
}

/* The next physical virtio device's QEMU bus (keel/config.h,
 * cfg_virtio_transport: each of the first ones alone in an MMIO page). */
static unsigned next_slot = CFG_VIRTIO_SLOT_FIRST;
static unsigned next_bus(void)
{
	return cfg_virtio_transport(arch, next_slot++);
}

/* The config's physical virtio devices (disks, then an uplink) fit the
 * machine's transports beside the control channel's and the sockets';
 * the first that does not is named. */
static int check_transports(const struct cfg_system *sys)
{
	unsigned room = arch->virtio_count - CFG_VIRTIO_SLOT_FIRST, n = ndisks;
	char net_key[48] = "";
	for (size_t i = 0; i < sys->network_count && n <= room; i++)
		if (sys->networks[i].uplink && ++n > room)
			snprintf(net_key, sizeof(net_key), "networks[%zu].uplink", i);
	if (n <= room)
		return 0;
	fprintf(stderr, "mkblobs: %s: %s: no virtio-mmio transport left: QEMU's %s virt board has "
			"%u, %u of them for keelctl and the console sockets\n", config_file,
		ndisks > room ? disks[room].key : net_key, arch->name,
		(unsigned)arch->virtio_count, CFG_VIRTIO_SLOT_FIRST);
	return 1;
}

/* The physical disks: -global once (the modern virtio-mmio interface),
 * then a drive and a virtio-blk-device for each; a vars file is raw. */
static void write_disks(FILE *f)
{
	for (unsigned n = 0; n < ndisks; n++) {
		const struct disk *k = &disks[n];

		if (n == 0)
			fprintf(f, "-global\nvirtio-mmio.force-legacy=false\n");
		fprintf(f, "-drive\nfile=%s,format=%s,if=none,id=disk%u%s\n", k->file,
			k->vars ? "raw" : disk_format(k->file), n, k->read_only ? ",readonly=on" : "");
		fprintf(f, "-device\nvirtio-blk-device,drive=disk%u,serial=keel-disk%u,"
			"bus=virtio-mmio-bus.%u\n", n, n, next_bus());
	}
}

static void put_ip(FILE *f, uint32_t ip)
{
	fprintf(f, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* The uplink network's QEMU NIC: user networking on its subnet, reaching
 * nothing of the host (restrict=on) but the forwards to the guests. */
static void write_uplink(FILE *f, const struct cfg_system *sys)
{
	static const char *const addr_key[] = { "host", "dns", "dhcpstart" };
	for (size_t i = 0; i < sys->network_count; i++) {
		const struct cfg_network *n = &sys->networks[i];
		if (!n->uplink)
			continue;
		fprintf(f, "%s-netdev\nuser,id=uplink,restrict=on,net=",
			ndisks ? "" : "-global\nvirtio-mmio.force-legacy=false\n");
		put_ip(f, n->subnet);
		fprintf(f, "/%u", n->prefix);
		for (unsigned a = CFG_UPLINK_HOST; a <= CFG_UPLINK_DHCP; a++) {
			fprintf(f, ",%s=", addr_key[a]);
			put_ip(f, cfg_uplink_addr(n, a));
		}
		for (size_t k = 0; k < n->forward_count; k++) {
			fprintf(f, ",hostfwd=tcp:127.0.0.1:%u-", n->forwards[k].host_port);
			put_ip(f, n->forwards[k].guest);
			fprintf(f, ":%u", n->forwards[k].guest_port);
		}
		fprintf(f, "\n-device\nvirtio-net-device,netdev=uplink,bus=virtio-mmio-bus.%u\n",
			next_bus());
		for (size_t k = 0; k < n->forward_count; k++) {
			printf("mkblobs: network %s: http://127.0.0.1:%u/ (host) -> ", n->name,
			       n->forwards[k].host_port);
			put_ip(stdout, n->forwards[k].guest);
			printf(":%u (guest), e.g. curl http://127.0.0.1:%u/\n",
			       n->forwards[k].guest_port, n->forwards[k].host_port);
		}
	}
}

static int write_args(const char *path, const char *manifest_file, uint64_t manifest,
		      const struct cfg_system *sys)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	for (unsigned i = 0; i < nblobs; i++)
		fprintf(f, "-device\nloader,file=%s,addr=0x%llx,force-raw=on\n", blobs[i].file,
			(unsigned long long)blobs[i].paddr);
	fprintf(f, "-device\nloader,file=%s,addr=0x%llx,force-raw=on\n", manifest_file,
		(unsigned long long)manifest);
	write_disks(f);
	write_uplink(f, sys);
	fprintf(f, "blobs=0x%llx ram-zeroed\n", (unsigned long long)manifest);
	return fclose(f) == 0 ? 0 : fail("%s: %s", path, strerror(errno));
}

/* The buses make run and ctl.sh give the control channel's and the
 * console sockets' virtio-serial devices. */
static int write_buses(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	fprintf(f, "ctl=virtio-mmio-bus.%u\ncon=virtio-mmio-bus.%u\n",
		cfg_virtio_transport(arch, CFG_VIRTIO_SLOT_CTL),
		cfg_virtio_transport(arch, CFG_VIRTIO_SLOT_CON));
	return fclose(f) == 0 ? 0 : fail("%s: %s", path, strerror(errno));
}

static void dir_of(const char *file, char *dir, size_t size)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", (int)(slash - file) + (slash == file), file);
}

int main(int argc, char **argv)
{
	static struct cfg_system sys;
	char out[PATH_MAX], manifest_file[PATH_MAX + 16], args_file[PATH_MAX + 16], *end;
	const char *base;
	unsigned long long ram_mib;
	uint64_t manifest;
	if (argc > 2 && strcmp(argv[1], "--arch") == 0) {
		arch = cfg_arch_find(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (arch == NULL || argc != 4 || (ram_mib = strtoull(argv[2], &end, 10)) == 0 ||
	    *end || ram_mib > (1ull << 20)) {
		fprintf(stderr, "usage: mkblobs [--arch aarch64|riscv64] CONFIG RAM_MIB OUTDIR\n");
		return 2;
	}
	config_file = argv[1];
	dir_of(argv[1], config_dir, sizeof(config_dir));
	base = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	if (check(argv[1], &sys) || add_blob(base, config_dir, base) || add_vm_files(&sys))
		return 1;
	if (!(manifest = layout(ram_mib)))
		return fail("the blobs do not fit in %s MiB of RAM above Keel's %s", argv[2],
			    "first 64 MiB");
	if (prepare_disks(&sys))        /* last check, as it may make vars files */
		return 1;
	if (mkdir(argv[3], 0777) != 0 && errno != EEXIST)
		return fail("%s: %s", argv[3], strerror(errno));
	if (!realpath(argv[3], out))
		return fail("%s: %s", argv[3], strerror(errno));
	snprintf(manifest_file, sizeof(manifest_file), "%s/manifest.bin", out);
	if (write_manifest(manifest_file))
		return 1;
	snprintf(args_file, sizeof(args_file), "%s/qemu-args", out);
	if (write_args(args_file, manifest_file, manifest, &sys))
		return 1;
	snprintf(args_file, sizeof(args_file), "%s/virtio-buses", out);
	if (write_buses(args_file))
		return 1;
	printf("mkblobs: %u blobs, manifest at 0x%llx\n", nblobs, (unsigned long long)manifest);
	return 0;
}
