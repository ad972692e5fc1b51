/*
 * test_config.c — Check suite for the configuration loader (make config-unit).
 *
 *   test_config FIXTURE_DIR CONFIG_DIR     (tests/config config)
 *
 * Every good/NAME.json must load with no error and every VM valid. Every
 * bad/NAME.json must give exactly the lines of bad/NAME.expected, in order
 * ("NAME.json:line:col: keypath: detail"). Fixtures are loaded with the
 * limits below and with file checks relative to the fixture's directory
 * (they name the dummy files in tests/config/files/).
 *
 * They test the loader alone. bad/machine_NAME.json test root's rules
 * (cfg_machine.c) instead: they are loaded with the machine `make run`
 * boots (2048 MiB, 2 CPUs) and no RAM total.
 *
 * A fixture whose name starts with "riscv64-" is loaded with riscv64's
 * machine profile (cfg_arch_riscv64: PLIC sources 1..95, RAM at
 * 0x80000000, no vrng), the others with aarch64's; after the prefix the
 * same rules hold (riscv64-machine_NAME.json: root's rules). Generate
 * its .expected with check-config --arch riscv64 and the same flags.
 *
 * To add a bad fixture: write NAME.json, run
 *   check-config --loader-only --max-vcpus 4 --phys-mem-mib 1024 NAME.json 2>NAME.expected
 * (machine_NAME.json: check-config --machine-mib 2048 --cpus 2 NAME.json)
 * from tests/config/bad, and read every line before committing it.
 */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <keel/config.h>

#define TEST_MAX_VCPUS 4
#define TEST_PHYS_MIB 1024
#define TEST_MACHINE_MIB 2048   /* make run's RUN_MIB and RUN_CPUS */
#define TEST_MACHINE_CPUS 2
#define MAX_FIXTURES 128
#define LINE_MAX_LEN 512

struct fixtures {
	size_t count;
	char *name[MAX_FIXTURES];
};

static const char *fixture_root;        /* tests/config */
static const char *config_root;         /* config */
static struct fixtures good, bad;
static struct cfg_system sys;
static struct cfg_errors errs;
static const struct cfg_limits no_checks = { 8, 0, NULL, NULL, NULL, NULL };

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static bool exists_in(void *dir, const char *path)
{
	char full[1024];
	struct stat st;

	snprintf(full, sizeof(full), "%s/%s", (const char *)dir, path);
	return stat(full, &st) == 0 && S_ISREG(st.st_mode);
}

static bool size_in(void *dir, const char *path, uint64_t *size)
{
	char full[1024];
	struct stat st;

	snprintf(full, sizeof(full), "%s/%s", (const char *)dir, path);
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

/* bad/machine_*.json: what root refuses on the machine make run boots. */
static const struct cfg_machine test_machine = {
	CFG_ROOT_MAX_VMS, TEST_MACHINE_CPUS, (uint64_t)TEST_MACHINE_MIB << 20, size_in, NULL
};

#define RISCV64_PREFIX "riscv64-"

/* The fixture's arch, by its name's prefix. */
static const struct cfg_arch *fixture_arch(const char *name)
{
	return strncmp(name, RISCV64_PREFIX, strlen(RISCV64_PREFIX)) == 0 ?
	       &cfg_arch_riscv64 : &cfg_arch_aarch64;
}

static bool is_machine_fixture(const char *name)
{
	if (fixture_arch(name) == &cfg_arch_riscv64)
		name += strlen(RISCV64_PREFIX);
	return strncmp(name, "machine_", 8) == 0;
}

/* Parses dir/name under lim, reporting it as "name". */
static size_t parse_file(const char *dir, const char *name, const struct cfg_limits *lim)
{
	char path[1024];
	size_t len, n;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	n = cfg_parse(name, text, len, lim, &sys, &errs);
	free(text);
	return n;
}

/* Loads dir/name, reporting it as "name"; with_files: check paths exist. */
static size_t load(const char *dir, const char *name, bool with_files)
{
	bool machine = is_machine_fixture(name);
	/* machine fixtures: root's own vCPU limit, as check-config uses */
	struct cfg_limits lim = { machine ? CFG_VM_MAX_VCPUS : TEST_MAX_VCPUS,
				  machine ? 0 : (uint64_t)TEST_PHYS_MIB << 20,
				  with_files ? exists_in : NULL, (void *)dir,
				  machine ? &test_machine : NULL, fixture_arch(name) };

	return parse_file(dir, name, &lim);
}

static size_t load_text(const char *text)
{
	return cfg_parse("inline.json", text, strlen(text), &no_checks, &sys,
			 &errs);
}

static const char *message(size_t i)
{
	static char line[LINE_MAX_LEN];

	cfg_error_format(&errs, i, line, sizeof(line));
	return line;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sub_dir(const char *sub)
{
	static char dir[1024];

	snprintf(dir, sizeof(dir), "%s/%s", fixture_root, sub);
	return dir;
}

static void list_fixtures(const char *sub, struct fixtures *fx)
{
	DIR *d = opendir(sub_dir(sub));
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && fx->count < MAX_FIXTURES) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
			fx->name[fx->count++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(fx->name, fx->count, sizeof(fx->name[0]), by_name);
}

/* ---- fixtures ----------------------------------------------------------- */

START_TEST(good_fixture_loads)
{
	const char *name = good.name[_i];
	size_t n = load(sub_dir("good"), name, true);

	ck_assert_msg(n == 0, "%zu errors, first: %s", n, message(0));
	ck_assert_msg(sys.vm_count > 0, "%s: no VMs", name);
	for (size_t v = 0; v < sys.vm_count; v++)
		ck_assert_msg(sys.vms[v].valid, "%s: vms[%zu] invalid", name, v);
}
END_TEST

START_TEST(bad_fixture_gives_expected_messages)
{
	const char *name = bad.name[_i];
	char stem[256], exp_path[1024 + sizeof(stem) + 16];
	char *expected, *line, *save = NULL;
	size_t len, n, i = 0;

	snprintf(stem, sizeof(stem), "%s", name);
	stem[strlen(stem) - 5] = '\0';         /* drop ".json" */
	snprintf(exp_path, sizeof(exp_path), "%s/%s.expected", sub_dir("bad"),
		 stem);
	expected = slurp(exp_path, &len);
	ck_assert_msg(expected != NULL, "missing %s", exp_path);
	n = load(sub_dir("bad"), name, true);
	for (line = strtok_r(expected, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), i++) {
		ck_assert_msg(i < n, "%s: expected more errors than %zu; missing:"
			      "\n  %s", name, n, line);
		ck_assert_msg(strcmp(message(i), line) == 0,
			      "%s, error %zu:\n  expected: %s\n  actual:   %s",
			      name, i, line, message(i));
	}
	ck_assert_msg(i == n, "%s: %zu errors, %zu expected; first extra:\n  %s",
		      name, n, i, message(i));
	free(expected);
}
END_TEST

START_TEST(every_error_kind_has_a_bad_fixture)
{
	bool seen[CFG_E_COUNT] = { false };

	for (size_t f = 0; f < bad.count; f++) {
		size_t n = load(sub_dir("bad"), bad.name[f], true);

		for (size_t i = 0; i < n && i < CFG_MAX_ERRORS; i++)
			seen[errs.list[i].code] = true;
	}
	for (int k = CFG_OK + 1; k < CFG_E_COUNT; k++)
		ck_assert_msg(seen[k], "no bad fixture gives error %d (%s)", k,
			      cfg_strerror((enum cfg_err)k));
}
END_TEST

/* Loads config/name as check-config does for the machine make run boots
 * (root's vCPU limit, its CPU count), without the file and carve checks:
 * the assets may not be fetched yet (make config-system checks those). */
static size_t load_project(const char *name, const struct cfg_arch *arch)
{
	static const struct cfg_machine machine = { CFG_ROOT_MAX_VMS, TEST_MACHINE_CPUS, 0,
						    NULL, NULL };
	struct cfg_limits lim = { CFG_VM_MAX_VCPUS, 0, NULL, NULL, &machine, arch };

	return parse_file(config_root, name, &lim);
}

START_TEST(project_configs_load)
{
	char dir[1024], name[1100];
	struct dirent *e;
	unsigned examples = 0;
	DIR *d;

	ck_assert_msg(load_project("default.json", &cfg_arch_aarch64) == 0, "default.json: %s",
		      message(0));
	ck_assert_msg(load_project("default-riscv64.json", &cfg_arch_riscv64) == 0,
		      "default-riscv64.json: %s", message(0));
	snprintf(dir, sizeof(dir), "%s/examples", config_root);
	d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot list %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(name, sizeof(name), "examples/%s", e->d_name);
		ck_assert_msg(load_project(name, &cfg_arch_aarch64) == 0, "%s: %s", name,
			      message(0));
		examples++;
	}
	closedir(d);
	ck_assert_msg(examples > 0, "no examples in %s", dir);
}
END_TEST

/* ---- behaviour ---------------------------------------------------------- */

/* make run's order of physical virtio transports: every transport once;
 * on aarch64 (8 to a page) the first four each in a page of their own. */
START_TEST(virtio_transport_order)
{
	const struct cfg_arch *arches[] = { &cfg_arch_aarch64, &cfg_arch_riscv64 };
	for (unsigned a = 0; a < 2; a++) {
		uint64_t seen = 0;
		for (unsigned k = 0; k < arches[a]->virtio_count; k++) {
			unsigned t = cfg_virtio_transport(arches[a], k);
			ck_assert_uint_lt(t, arches[a]->virtio_count);
			ck_assert(!(seen & (UINT64_C(1) << t)));
			seen |= UINT64_C(1) << t;
		}
	}
	for (unsigned k = 0; k < 4; k++)
		ck_assert_uint_eq(cfg_virtio_transport(&cfg_arch_aarch64, k) / 8, 3 - k);
	ck_assert_uint_eq(cfg_virtio_transport(&cfg_arch_aarch64, 4), 30);
	ck_assert_uint_eq(cfg_virtio_transport(&cfg_arch_riscv64, 0), 7);
	ck_assert_uint_eq(cfg_virtio_transport(&cfg_arch_riscv64, 7), 0);
}
END_TEST

/* riscv64's profile: RAM at 0x80000000 by default, and QEMU's device tree
 * below min(RAM end, 3 GiB), which the blobs step over. */
START_TEST(riscv64_profile)
{
	uint64_t base, end;

	ck_assert_uint_eq(load(sub_dir("good"), "riscv64-virt.json", true), 0);
	ck_assert_uint_eq(sys.vms[0].mem_base, 0x80000000);
	ck_assert_uint_eq(sys.vms[0].devices[1].irq, 1);
	ck_assert_ptr_eq(cfg_arch_find("riscv64"), &cfg_arch_riscv64);
	ck_assert_ptr_null(cfg_arch_find("x86_64"));
	cfg_arch_dtb(&cfg_arch_riscv64, UINT64_C(2048) << 20, &base, &end);
	ck_assert_uint_eq(base, 0xbfe00000);
	ck_assert_uint_eq(end, 0xc0000000);
	cfg_arch_dtb(&cfg_arch_riscv64, UINT64_C(512) << 20, &base, &end);
	ck_assert_uint_eq(base, 0x9fe00000);
	ck_assert_uint_eq(end, 0xa0000000);
	cfg_arch_dtb(&cfg_arch_aarch64, UINT64_C(2048) << 20, &base, &end);
	ck_assert_uint_eq(base, 0x48000000);
	ck_assert_uint_eq(end, 0x48200000);
	/* 1 GiB: the tree takes RAM's last 2 MiB, the first blob goes below */
	ck_assert_uint_eq(cfg_blob_below(&cfg_arch_riscv64, UINT64_C(1) << 30, 0xc0000000,
					 UINT64_C(2) << 20, UINT64_C(2) << 20), 0xbfc00000);
	ck_assert_uint_eq(cfg_blob_below(&cfg_arch_riscv64, UINT64_C(2048) << 20, 0xc0100000,
					 UINT64_C(2) << 20, UINT64_C(2) << 20), 0xbfc00000);
	ck_assert_uint_eq(cfg_blob_below(&cfg_arch_riscv64, UINT64_C(2048) << 20, 0x100000000,
					 UINT64_C(2) << 20, UINT64_C(2) << 20), 0xffe00000);
	/* nothing below RAM's first 64 MiB */
	ck_assert_uint_eq(cfg_blob_below(&cfg_arch_riscv64, UINT64_C(2048) << 20, 0x84000000,
					 UINT64_C(2) << 20, UINT64_C(2) << 20), 0);
}
END_TEST

START_TEST(default_config_is_two_vms)
{
	const struct cfg_vm *vm = &sys.vms[1];

	ck_assert_uint_eq(load(config_root, "default.json", false), 0);
	ck_assert_uint_eq(sys.vm_count, 2);
	ck_assert_str_eq(vm->name, "vm2");
	ck_assert_uint_eq(vm->vcpu_count, 2);
	ck_assert_uint_eq(vm->mem_size_mib, 256);
	ck_assert_uint_eq(vm->mem_base, 0x40000000);
	ck_assert_str_eq(vm->kernel_image_path, "../build/linux/Image");
	ck_assert_str_eq(vm->initrd_path, "../build/linux/initramfs.cpio");
	ck_assert_str_eq(vm->boot_args, "console=ttyAMA0 quiet keel.ip=10.0.0.2/24");
	ck_assert_uint_eq(vm->device_count, 2);
	ck_assert_int_eq(vm->devices[0].type, CFG_DEV_PL011);
	ck_assert_uint_eq(vm->devices[0].base, 0x09000000);
	ck_assert_uint_eq(vm->devices[0].irq, 33);
	/* both VMs on the one network "lan" (docs/net.md) */
	ck_assert_uint_eq(sys.network_count, 1);
	ck_assert_str_eq(sys.networks[0].name, "lan");
	ck_assert_int_eq(vm->devices[1].type, CFG_DEV_VIRTIO_NET);
	ck_assert_int_eq(vm->devices[1].network, 0);
	ck_assert_int_eq(sys.vms[0].devices[2].network, 0);
}
END_TEST

START_TEST(optional_keys_take_documented_defaults)
{
	const struct cfg_vm *vm = &sys.vms[0];
	const struct cfg_device *d = &vm->devices[1];

	ck_assert_uint_eq(load_text("{\"vms\": [{\"name\": \"a\", \"mem_size_mib\":"
		" 16, \"kernel_image_path\": \"k\", \"devices\": [{\"type\":"
		" \"pl011\", \"base\": 4096, \"irq\": 32}, {\"type\": \"virtio-net\","
		" \"base\": 8192, \"irq\": 34, \"network\": \"n\"}]}],"
		" \"networks\": [{\"name\": \"n\"}]}"), 0);
	ck_assert_uint_eq(vm->vcpu_count, 1);
	ck_assert_uint_eq(vm->mem_base, 0x40000000);
	ck_assert_str_eq(vm->initrd_path, "");
	ck_assert_str_eq(vm->dtb_path, "");
	ck_assert_str_eq(vm->boot_args, "");
	ck_assert_int_eq(vm->restart.policy, CFG_RESTART_ON_FAILURE);
	ck_assert_uint_eq(vm->restart.max_restarts, 5);
	ck_assert_uint_eq(vm->restart.window_ms, 10000);
	ck_assert_uint_eq(vm->restart.backoff_ms, 0);
	ck_assert_uint_eq(vm->devices[0].size, 0x1000);
	ck_assert_uint_eq(d->size, 0x200);
	/* 02:4b and FNV-1a of "a/1" (docs/config.md) */
	ck_assert_mem_eq(d->guest_mac,
			 ((uint8_t[]){ 0x02, 0x4b, 0xe7, 0x8d, 0xf3, 0x18 }), 6);
	ck_assert_int_eq(d->network, 0);
}
END_TEST

START_TEST(full_fixture_values)
{
	const struct cfg_vm *vm = &sys.vms[0];
	const struct cfg_device *blk = &vm->devices[2], *net = &vm->devices[3];

	ck_assert_uint_eq(load(sub_dir("good"), "full.json", true), 0);
	ck_assert_uint_eq(vm->mem_base, 0x80000000);
	ck_assert_str_eq(vm->dtb_path, "../files/board.dtb");
	ck_assert_uint_eq(vm->device_count, 6);
	ck_assert_int_eq(vm->devices[5].type, CFG_DEV_VIRTIO_RNG);
	ck_assert_uint_eq(vm->devices[5].size, 0x200);         /* the virtio default */
	ck_assert_uint_eq(vm->devices[0].base, 0x09000000);    /* decimal number */
	ck_assert_uint_eq(net->base, 0x0a002000);              /* decimal string */
	ck_assert_int_eq(blk->type, CFG_DEV_VIRTIO_BLK);
	ck_assert_uint_eq(blk->base, 0x0a001000);
	ck_assert_uint_eq(blk->size, 0x400);
	ck_assert(blk->is_read_only);
	ck_assert_str_eq(blk->path_on_host, "../files/disk.img");
	/* A device's restart overrides its VM's key by key. */
	ck_assert_int_eq(vm->restart.policy, CFG_RESTART_NEVER);
	ck_assert_int_eq(blk->restart.policy, CFG_RESTART_ON_FAILURE);
	ck_assert_uint_eq(blk->restart.max_restarts, 2);
	ck_assert_uint_eq(blk->restart.window_ms, 5000);
	ck_assert_uint_eq(blk->restart.backoff_ms, 10);
	ck_assert_int_eq(net->restart.policy, CFG_RESTART_NEVER);
	ck_assert_mem_eq(net->guest_mac,
			 ((uint8_t[]){ 0x02, 0xab, 0xcd, 0, 0, 1 }), 6);
}
END_TEST

START_TEST(valid_vms_start_beside_invalid_ones)
{
	ck_assert_uint_eq(load(sub_dir("bad"), "partial.json", true), 2);
	ck_assert_uint_eq(sys.vm_count, 3);
	ck_assert(sys.vms[0].valid);
	ck_assert(!sys.vms[1].valid);
	ck_assert(sys.vms[2].valid);
	ck_assert_int_eq(errs.list[0].vm, 1);
}
END_TEST

START_TEST(memory_is_given_in_file_order)
{
	ck_assert_uint_eq(load(sub_dir("bad"), "too_much_memory.json", true), 1);
	ck_assert(sys.vms[0].valid && sys.vms[1].valid && sys.vms[3].valid);
	ck_assert(!sys.vms[2].valid);
	ck_assert_int_eq(errs.list[0].code, CFG_E_TOO_MUCH_MEMORY);
}
END_TEST

START_TEST(no_file_check_without_callback)
{
	ck_assert_uint_eq(load(sub_dir("bad"), "missing_file.json", false), 0);
}
END_TEST

START_TEST(error_list_keeps_the_first_and_counts_all)
{
	char text[4096];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "\"k%d\": %d,", i, i);
	snprintf(text + n, sizeof(text) - n, "\"vms\": [1]}");
	ck_assert_uint_eq(load_text(text), 41);
	ck_assert_str_eq(message(0),
			 "inline.json:1:2: k0: unknown key (expected one of: vms, networks)");
	ck_assert_str_eq(message(CFG_MAX_ERRORS), "");
	ck_assert_uint_eq(sys.vm_count, 1);
	ck_assert(!sys.vms[0].valid);
}
END_TEST

START_TEST(format_is_cut_short_like_snprintf)
{
	char small[12];
	size_t need;

	ck_assert_uint_eq(load_text("[]"), 1);
	need = cfg_error_format(&errs, 0, small, sizeof(small));
	ck_assert_uint_eq(need, strlen(message(0)));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, message(0), sizeof(small) - 1), 0);
}
END_TEST

/* Sizes root's VMM maps: a 2 GiB kernel and a 2 MiB device tree are too
 * big (no fixture holds files that large: the sizes are made up). */
static bool big_size(void *ctx, const char *path, uint64_t *size)
{
	(void)ctx;
	*size = strstr(path, "dtb") ? UINT64_C(2) << 20 :
		strstr(path, "Image") ? UINT64_C(2) << 30 : 100;
	return true;
}

START_TEST(machine_file_sizes)
{
	static const struct cfg_machine m = { CFG_ROOT_MAX_VMS, 0, 0, big_size, NULL };
	const struct cfg_limits lim = { 4, 0, NULL, NULL, &m, NULL };
	const char *text = "{\"vms\": [{\"name\": \"a\", \"mem_size_mib\": 64,"
			   " \"kernel_image_path\": \"Image\", \"initrd_path\": \"i.cpio\","
			   " \"dtb_path\": \"b.dtb\"}]}";

	ck_assert_uint_eq(cfg_parse("sizes.json", text, strlen(text), &lim, &sys,
				    &errs), 2);
	ck_assert_str_eq(message(0), "sizes.json:1:44: vms[0].kernel_image_path: "
			 "Image is 2147483648 bytes; a VMM maps at most 1073741824");
	ck_assert_str_eq(message(1), "sizes.json:1:99: vms[0].dtb_path: "
			 "b.dtb is 2097152 bytes; a VMM maps at most 1048576");
	ck_assert(!sys.vms[0].valid);
}
END_TEST

/* The VMM's word on an image (check-config links the VMM's own check). */
static const char *image_says(void *ctx, const struct cfg_vm *vm)
{
	(void)ctx;
	return strcmp(vm->name, "bad") == 0 ? "not an arm64 Image (no \"ARM\\x64\" magic)" :
	       NULL;
}

START_TEST(machine_image_check_is_located)
{
	static const struct cfg_machine m = { CFG_ROOT_MAX_VMS, 0, 0, big_size, image_says };
	const struct cfg_limits lim = { 4, 0, NULL, NULL, &m, NULL };
	const char *text = "{\"vms\": [{\"name\": \"good\", \"mem_size_mib\": 64,"
			   " \"kernel_image_path\": \"k\"}, {\"name\": \"bad\","
			   " \"mem_size_mib\": 64, \"kernel_image_path\": \"k\"}]}";

	ck_assert_uint_eq(cfg_parse("img.json", text, strlen(text), &lim, &sys, &errs), 1);
	ck_assert_str_eq(message(0), "img.json:1:110: vms[1].kernel_image_path: "
			 "k: not an arm64 Image (no \"ARM\\x64\" magic)");
	ck_assert(sys.vms[0].valid && !sys.vms[1].valid);
}
END_TEST

/* firmware_vars_path: "exact" is bank 1's size, "small" is not, "gone"
 * does not exist yet (make run makes it: no error). */
static bool vars_size(void *ctx, const char *path, uint64_t *size)
{
	(void)ctx;
	if (strcmp(path, "gone") == 0)
		return false;
	*size = strcmp(path, "small") == 0 ? 1234 :
		strcmp(path, "exact") == 0 ? CFG_FLASH_VARS_BYTES : 100;
	return true;
}

START_TEST(machine_vars_size)
{
	static const struct cfg_machine m = { CFG_ROOT_MAX_VMS, 0, 0, vars_size, NULL };
	const struct cfg_limits lim = { 4, 0, NULL, NULL, &m, NULL };
	const char *text = "{\"vms\": ["
		"{\"name\": \"a\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"exact\"},\n"
		"{\"name\": \"b\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"small\"},\n"
		"{\"name\": \"c\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"gone\"}]}";

	ck_assert_uint_eq(cfg_parse("vars.json", text, strlen(text), &lim, &sys, &errs), 1);
	ck_assert_str_eq(message(0), "vars.json:2:57: vms[1].firmware_vars_path: small is"
			 " 1234 bytes; the flash's bank 1 is 67108864 (64 MiB)");
	ck_assert(sys.vms[0].valid && !sys.vms[1].valid && sys.vms[2].valid);
	ck_assert_str_eq(sys.vms[2].firmware_vars_path, "gone");
}
END_TEST

/* The machine's disks: VM by VM, its virtio-blk devices in order (other
 * devices take none), then its vars file (mkblobs gives QEMU them so). */
START_TEST(disk_index_order)
{
	ck_assert_uint_eq(load_text("{\"vms\": ["
		"{\"name\": \"a\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"a.vars\", \"devices\": ["
		"{\"type\": \"virtio-blk\", \"base\": \"0x0a000000\", \"irq\": 40,"
		" \"path_on_host\": \"a0\"},"
		"{\"type\": \"pl011\", \"base\": \"0x09000000\", \"irq\": 33},"
		"{\"type\": \"virtio-blk\", \"base\": \"0x0a001000\", \"irq\": 41,"
		" \"path_on_host\": \"a2\"}]},"
		"{\"name\": \"b\", \"mem_size_mib\": 64, \"kernel_image_path\": \"k\","
		" \"devices\": [{\"type\": \"virtio-blk\", \"base\": \"0x0a000000\","
		" \"irq\": 40, \"path_on_host\": \"b0\"}]},"
		"{\"name\": \"c\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"c.vars\", \"devices\": ["
		"{\"type\": \"virtio-blk\", \"base\": \"0x0a000000\", \"irq\": 40,"
		" \"path_on_host\": \"c0\"}]},"
		"{\"name\": \"d\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"d.vars\"}]}"), 0);
	ck_assert_uint_eq(cfg_disk_index(&sys, 0, 0), 0);
	ck_assert_uint_eq(cfg_disk_index(&sys, 0, 2), 1);
	ck_assert_uint_eq(cfg_disk_index(&sys, 0, -1), 2);
	ck_assert_uint_eq(cfg_disk_index(&sys, 1, 0), 3);
	ck_assert_uint_eq(cfg_disk_index(&sys, 2, 0), 4);
	ck_assert_uint_eq(cfg_disk_index(&sys, 2, -1), 5);
	ck_assert_uint_eq(cfg_disk_index(&sys, 3, -1), 6);
	/* without firmware_path the key is refused and makes no disk */
	ck_assert_uint_eq(load_text("{\"vms\": [{\"name\": \"a\", \"mem_size_mib\": 64,"
		" \"kernel_image_path\": \"k\", \"firmware_vars_path\": \"v\"},"
		"{\"name\": \"b\", \"mem_size_mib\": 64, \"firmware_path\": \"u\","
		" \"firmware_vars_path\": \"v2\"}]}"), 1);
	ck_assert_str_eq(sys.vms[0].firmware_vars_path, "");
	ck_assert_uint_eq(cfg_disk_index(&sys, 1, -1), 0);
}
END_TEST

START_TEST(messages_stay_on_one_line)
{
	ck_assert_uint_eq(load_text("{\"vms\": [{\"name\": \"a\", \"mem_size_mib\":"
		" 1, \"kernel_image_path\": \"k\", \"mem_base\": \"1\\n2\"}]}"), 1);
	ck_assert_str_eq(message(0), "inline.json:1:69: vms[0].mem_base: \"1?2\""
			 " is not a number (write \"0x\" and hex digits, or"
			 " decimal digits)");
}
END_TEST

START_TEST(strerror_names_every_kind)
{
	for (int k = 0; k < CFG_E_COUNT; k++) {
		const char *s = cfg_strerror((enum cfg_err)k);

		ck_assert(s != NULL && s[0] != '\0');
		ck_assert_str_ne(s, "unknown error");
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(s, cfg_strerror((enum cfg_err)j));
	}
	ck_assert_str_eq(cfg_strerror(CFG_E_COUNT), "unknown error");
}
END_TEST

/* ---- runner ------------------------------------------------------------- */

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *fx = tcase_create("fixtures");
	TCase *be = tcase_create("behaviour");

	tcase_add_loop_test(fx, good_fixture_loads, 0, (int)good.count);
	tcase_add_loop_test(fx, bad_fixture_gives_expected_messages, 0,
			    (int)bad.count);
	tcase_add_test(fx, every_error_kind_has_a_bad_fixture);
	tcase_add_test(fx, project_configs_load);
	tcase_add_test(be, default_config_is_two_vms);
	tcase_add_test(be, optional_keys_take_documented_defaults);
	tcase_add_test(be, full_fixture_values);
	tcase_add_test(be, riscv64_profile);
	tcase_add_test(be, virtio_transport_order);
	tcase_add_test(be, valid_vms_start_beside_invalid_ones);
	tcase_add_test(be, memory_is_given_in_file_order);
	tcase_add_test(be, no_file_check_without_callback);
	tcase_add_test(be, error_list_keeps_the_first_and_counts_all);
	tcase_add_test(be, format_is_cut_short_like_snprintf);
	tcase_add_test(be, messages_stay_on_one_line);
	tcase_add_test(be, machine_file_sizes);
	tcase_add_test(be, machine_image_check_is_located);
	tcase_add_test(be, machine_vars_size);
	tcase_add_test(be, disk_index_order);
	tcase_add_test(be, strerror_names_every_kind);
	suite_add_tcase(s, fx);
	suite_add_tcase(s, be);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: test_config FIXTURE_DIR CONFIG_DIR\n");
		return 2;
	}
	fixture_root = argv[1];
	config_root = argv[2];
	list_fixtures("good", &good);
	list_fixtures("bad", &bad);
	if (good.count == 0 || bad.count == 0) {
		fprintf(stderr, "test_config: no fixtures under %s\n", fixture_root);
		return 1;
	}
	printf("config: %zu good and %zu bad fixtures\n", good.count, bad.count);
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
