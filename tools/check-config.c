/*
 * check-config — check Keel VM configuration files on the host.
 *
 *   check-config [--arch aarch64|riscv64] [--no-file-check] [--max-vcpus N]
 *                [--phys-mem-mib N] [--machine-mib N] [--cpus N]
 *                [--loader-only] FILE...
 *
 * Prints every error as "file:line:col: keypath: message" on stderr, then
 * one line per VM on stdout saying whether it would start. Exits 0 when
 * every file is free of errors, 1 when any has one, 2 on a usage error.
 *
 * Paths in a config are relative to the config file's directory; they are
 * checked to exist unless --no-file-check is given. A firmware_vars_path
 * need not exist (make run makes it, tools/mkblobs.c); with root's rules
 * one that does must be bank 1's 64 MiB. What root refuses on
 * any machine (a device type with no server, more VMs or vCPUs than it
 * builds) is always checked, with the loader's machine rules
 * (config/cfg_machine.c, shared with root); --machine-mib N (QEMU's -m,
 * what `make run` passes) also carves every VM's memory from a machine of
 * N MiB as root would, with the boot blobs laid out as mkblobs does.
 * --phys-mem-mib N checks only the sum of the VMs' RAM. --loader-only
 * leaves root's rules out (the loader's own fixtures, tests/config/bad).
 * --arch names the machine profile (config/cfg_arch.c: interrupts, RAM,
 * QEMU's device tree, the servers built; default aarch64) and the VMM
 * whose image check applies.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <keel/config.h>

#include "loader.h"   /* vmm-server/: loader_place, struct guest_image */

#define MACHINE_MAX_MIB (UINT64_C(1) << 20)    /* 1 TiB, as mkblobs */
#define MACHINE_MAX_CPUS 512u
#define IMAGE_HEAD_BYTES 4096u /* more than any image header the VMM reads */

/* vmm_arch_image_check of vmm-server/arch/<arch>/boot.c, compiled once
 * per arch under these names (config/config.mk). */
typedef const char *image_check_fn(const uint8_t *img, uint64_t size, uint64_t ram_base,
				   uint64_t ram_size, struct guest_image *out);
image_check_fn aarch64_image_check, riscv64_image_check;

static const struct {
	const struct cfg_arch *arch;
	image_check_fn *check;
} vmm_checks[] = {
	{ &cfg_arch_aarch64, aarch64_image_check },
	{ &cfg_arch_riscv64, riscv64_image_check },
};

struct options {
	const struct cfg_arch *arch;
	bool file_check;
	bool machine;           /* root's rules (not --loader-only) */
	unsigned long max_vcpus;
	unsigned long long phys_mem_mib;
	unsigned long long machine_mib;
	unsigned long cpus;
	int first_file;         /* argv index */
};

struct file_ctx {
	char dir[4096];
	image_check_fn *vmm_check;      /* the --arch's VMM */
};

static bool file_exists(void *ctx, const char *path)
{
	const struct file_ctx *f = ctx;
	char full[sizeof(f->dir) + CFG_PATH_MAX + 1];
	struct stat st;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", f->dir, path);
	return stat(full, &st) == 0 && !S_ISDIR(st.st_mode);
}

static bool file_size(void *ctx, const char *path, uint64_t *size);

/* The image's first bytes (zeros past its end) and its size. */
static bool file_head(void *ctx, const char *path, uint8_t *buf, size_t n, uint64_t *size)
{
	const struct file_ctx *f = ctx;
	char full[sizeof(f->dir) + CFG_PATH_MAX + 1];
	FILE *fp;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", f->dir, path);
	memset(buf, 0, n);
	if ((fp = fopen(full, "rb")) == NULL)
		return false;
	(void)fread(buf, 1, n, fp);
	fclose(fp);
	return file_size(ctx, path, size);
}

/* What the VMM says of the image when it loads it (the arch's format
 * check and loader_place, linked from vmm-server/), for an image that is
 * not a raw binary (those are checked by the loader itself). */
static const char *image_check(void *ctx, const struct cfg_vm *vm)
{
	uint8_t head[IMAGE_HEAD_BYTES];
	uint64_t size, initrd = 0, initrd_off;
	uint64_t ram = (uint64_t)vm->mem_size_mib << 20;
	struct guest_image g;
	const char *why;

	if (vm->raw_image || !file_head(ctx, vm->kernel_image_path, head, sizeof(head), &size))
		return NULL;
	why = ((const struct file_ctx *)ctx)->vmm_check(head, size, vm->mem_base, ram, &g);
	if (why == NULL && vm->initrd_path[0] != '\0' && !file_size(ctx, vm->initrd_path, &initrd))
		return NULL;
	return why ? why : loader_place(&g, ram, initrd, &initrd_off);
}

/* false: not known, as for a file that does not exist (yet: a vars file
 * make run will make), which the loader takes as no error. */
static bool file_size(void *ctx, const char *path, uint64_t *size)
{
	const struct file_ctx *f = ctx;
	char full[sizeof(f->dir) + CFG_PATH_MAX + 1];
	struct stat st;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", f->dir, path);
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

static void dir_of(const char *file, char *dir, size_t size)
{
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == file)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - file), file);
}

/* Whole file in a malloc'd buffer; NULL with errno set on failure. */
static char *read_all(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	char *buf = NULL, *grown;
	size_t cap = 0, n;

	if (f == NULL)
		return NULL;
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap);
			if (grown == NULL)
				break;
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f) || *len == cap) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void print_vms(const char *name, const struct cfg_system *sys)
{
	for (size_t i = 0; i < sys->vm_count; i++) {
		const struct cfg_vm *vm = &sys->vms[i];

		printf("%s: vms[%zu] \"%s\": %s\n", name, i, vm->name,
		       vm->valid ? "ok" : "will not start");
	}
}

static int check_file(const char *name, const struct options *o)
{
	static struct cfg_system sys;
	static struct cfg_errors errs;
	static struct file_ctx fctx;
	struct cfg_machine machine = { CFG_ROOT_MAX_VMS, (uint32_t)o->cpus,
				       (uint64_t)o->machine_mib << 20, file_size, image_check };
	struct cfg_limits lim = { (uint32_t)o->max_vcpus,
				  o->phys_mem_mib << 20, NULL, &fctx,
				  o->machine ? &machine : NULL, o->arch };
	char line[CFG_KEYPATH_MAX + CFG_DETAIL_MAX + 512];
	size_t len, n;
	char *text = read_all(name, &len);

	if (text == NULL) {
		fprintf(stderr, "%s: cannot read: %s\n", name, strerror(errno));
		return 1;
	}
	dir_of(name, fctx.dir, sizeof(fctx.dir));
	for (size_t i = 0; i < sizeof(vmm_checks) / sizeof(vmm_checks[0]); i++)
		if (vmm_checks[i].arch == o->arch)
			fctx.vmm_check = vmm_checks[i].check;
	if (o->file_check)
		lim.file_exists = file_exists;
	n = cfg_parse(name, text, len, &lim, &sys, &errs);
	for (size_t i = 0; i < n && i < CFG_MAX_ERRORS; i++) {
		cfg_error_format(&errs, i, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (n > CFG_MAX_ERRORS)
		fprintf(stderr, "%s: %zu more errors not shown\n", name,
			n - CFG_MAX_ERRORS);
	print_vms(name, &sys);
	printf("%s: %zu error%s\n", name, n, n == 1 ? "" : "s");
	free(text);
	return n != 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: check-config [--arch aarch64|riscv64] [--no-file-check]"
		" [--max-vcpus N] [--phys-mem-mib N] [--machine-mib N] [--cpus N]"
		" [--loader-only] FILE...\n");
	return 2;
}

static bool number_arg(const char *s, unsigned long long max,
		       unsigned long long *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0' && *v <= max;
}

static bool parse_option(char **argv, int *i, struct options *o)
{
	const char *opt = argv[*i];
	unsigned long long v;

	if (strcmp(opt, "--no-file-check") == 0) {
		o->file_check = false;
		return true;
	}
	if (strcmp(opt, "--loader-only") == 0) {
		o->machine = false;
		return true;
	}
	if (strcmp(opt, "--arch") == 0) {
		o->arch = argv[*i + 1] != NULL ? cfg_arch_find(argv[*i + 1]) : NULL;
		(*i)++;
		return o->arch != NULL;
	}
	if (!number_arg(argv[*i + 1], UINT32_MAX, &v))
		return false;
	(*i)++;
	if (strcmp(opt, "--max-vcpus") == 0 && v > 0)
		o->max_vcpus = (unsigned long)v;
	else if (strcmp(opt, "--phys-mem-mib") == 0)
		o->phys_mem_mib = v;
	else if (strcmp(opt, "--machine-mib") == 0 && v > 0 && v <= MACHINE_MAX_MIB)
		o->machine_mib = v;
	else if (strcmp(opt, "--cpus") == 0 && v > 0 && v <= MACHINE_MAX_CPUS)
		o->cpus = (unsigned long)v;
	else
		return false;
	return true;
}

static bool parse_args(int argc, char **argv, struct options *o)
{
	int i = 1;

	*o = (struct options){ &cfg_arch_aarch64, true, true, CFG_VM_MAX_VCPUS, 0, 0, 0, 0 };
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++)
		if (!parse_option(argv, &i, o))
			return false;
	o->first_file = i;
	return i < argc;
}

int main(int argc, char **argv)
{
	struct options o;
	int failed = 0;

	if (!parse_args(argc, argv, &o))
		return usage();
	for (int i = o.first_file; i < argc; i++)
		failed |= check_file(argv[i], &o);
	return failed;
}
