/*
 * test_vmconfig.c — Check suites for the root server's config side, built
 * for the host (make config-unit):
 *
 *   vmconfig  boot/vmconfig.c on the fixtures: which VMs become specs,
 *             what the specs hold, and the exact lines root prints
 *   policy    boot/policy.c: restart decisions (never, the maximum within
 *             a window, the window reopening)
 *
 *   test_vmconfig FIXTURE_DIR          (tests/config)
 *
 * kprintf is root's console; here it appends to a buffer the tests read.
 */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/config.h>
#include <keel/print.h>

#include "policy.h"
#include "root.h"
#include "vmconfig.h"

#define MIB (1024ull * 1024ull)

static const char *fixture_root;
static char out_log[64 * 1024];
static size_t out_len;
static struct vm_spec specs[VM_MAX + 4];

/* ---- root's console, captured -------------------------------------------- */

int kvprintf(const char *fmt, va_list ap)
{
	int n = vsnprintf(out_log + out_len, sizeof(out_log) - out_len, fmt, ap);
	if (n > 0)
		out_len += (size_t)n < sizeof(out_log) - out_len ? (size_t)n
								  : sizeof(out_log) - out_len - 1;
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kputs(const char *s)
{
	kprintf("%s", s);
}

/* Root's board (boot/arch/<arch>/arch.c): the fixtures are aarch64's;
 * riscv64_board switches it. */
static const struct cfg_arch *board = &cfg_arch_aarch64;

const struct cfg_arch *root_arch_cfg(void)
{
	return board;
}

/* Root's boot modules and blobs (boot/server.c): none here, so every file
 * a config names is unknown to vmconfig_file_size, as to check-config
 * without its file checks. */
const struct keel_boot_module *srv_module(const char *prog)
{
	(void)prog;
	return NULL;
}

/* ---- helpers --------------------------------------------------------------- */

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

/* Load fixture rel (e.g. "good/minimal.json") as root would, named by its
 * base name like check-config run from the fixture's directory. */
static unsigned load(const char *rel, uint64_t avail, unsigned max)
{
	char path[512];
	size_t len;
	char *text;
	unsigned n;
	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	text = slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	out_len = 0;
	out_log[0] = '\0';
	memset(specs, 0xa5, sizeof(specs));
	n = vmconfig_load(strrchr(rel, '/') + 1, text, len, avail, specs, max);
	free(text);
	return n;
}

static void assert_logged(const char *line)
{
	char want[1024];
	snprintf(want, sizeof(want), "%s\n", line);
	ck_assert_msg(strstr(out_log, want) != NULL, "missing line \"%s\" in:\n%s", line, out_log);
}

/* Every line of bad/NAME.expected (what check-config prints) is printed. */
static void assert_expected(const char *name)
{
	char path[512], line[1024];
	FILE *f;
	unsigned lines = 0;
	snprintf(path, sizeof(path), "%s/bad/%s.expected", fixture_root, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		assert_logged(line);
		lines++;
	}
	fclose(f);
	ck_assert_uint_gt(lines, 0);
}

/* ---- vmconfig ---------------------------------------------------------------- */

START_TEST(minimal_spec)
{
	ck_assert_uint_eq(load("good/minimal.json", 0, VM_MAX), 1);
	ck_assert_str_eq(specs[0].name, "vm1");
	ck_assert_str_eq(specs[0].image, "Image");
	ck_assert_uint_eq(specs[0].ram_base, 0x40000000);
	ck_assert_uint_eq(specs[0].ram_size, 64 * MIB);
	ck_assert_uint_eq(specs[0].vcpus, 1);
	ck_assert_uint_eq(specs[0].cpu, 0);
	ck_assert_ptr_null(specs[0].initrd);
	ck_assert_str_eq(specs[0].cmdline, "");
	ck_assert_uint_eq(specs[0].ndev, 0);
	ck_assert_ptr_nonnull(specs[0].restart);
	ck_assert(!specs[0].restart->never);
	ck_assert_uint_eq(specs[0].restart->max_restarts, 5);
	ck_assert_uint_eq(specs[0].restart->window_ms, 10000);
	ck_assert_uint_eq(specs[0].restart->backoff_ms, 0);
	assert_logged("[root] config: 1 of 1 VMs valid");
}
END_TEST

START_TEST(default_two_vms)
{
	ck_assert_uint_eq(load("good/default.json", 1024 * MIB, VM_MAX), 2);
	for (unsigned v = 0; v < 2; v++) {
		ck_assert_uint_eq(specs[v].ram_size, 256 * MIB);
		ck_assert_uint_eq(specs[v].vcpus, 2);
		ck_assert_str_eq(specs[v].cmdline, "console=ttyAMA0 earlycon");
		ck_assert_str_eq(specs[v].initrd, "initrd.cpio.gz");
		ck_assert_uint_eq(specs[v].ndev, 1);
		ck_assert_str_eq(specs[v].dev[0].prog, "pl011");
		ck_assert_int_eq(specs[v].dev[0].kind, KEEL_VM_DEV_PL011);
		ck_assert_uint_eq(specs[v].dev[0].base, 0x09000000);
		ck_assert_uint_eq(specs[v].dev[0].size, 0x1000);
		ck_assert_uint_eq(specs[v].dev[0].intid, 33);
		ck_assert_ptr_nonnull(specs[v].dev[0].restart);
	}
	ck_assert_str_eq(specs[0].name, "vm1");
	ck_assert_str_eq(specs[1].name, "vm2");
	assert_logged("[root] config: 2 of 2 VMs valid");
}
END_TEST

/* Errors print as check-config prints them; the broken VM is refused and
 * the two good ones around it are kept. */
START_TEST(partial_keeps_valid)
{
	ck_assert_uint_eq(load("bad/partial.json", 0, VM_MAX), 2);
	ck_assert_str_eq(specs[0].name, "good");
	ck_assert_str_eq(specs[1].name, "also-good");
	assert_expected("partial");
	assert_logged("[root] VM broken not started: errors in the configuration (above)");
	assert_logged("[root] config: 2 of 3 VMs valid");
}
END_TEST

/* The target-only check: the VMs' RAM against what the machine has. */
START_TEST(memory_total)
{
	ck_assert_uint_eq(load("good/default.json", 300 * MIB, VM_MAX), 1);
	ck_assert_str_eq(specs[0].name, "vm1");
	assert_logged("default.json:18:7: vms[1].mem_size_mib: 256 MiB more would bring VM RAM"
		      " to 512 MiB; the machine has 300 MiB");
	assert_logged("[root] VM vm2 not started: errors in the configuration (above)");
	assert_logged("[root] config: 1 of 2 VMs valid");
}
END_TEST

START_TEST(memory_fixture)
{
	load("bad/too_much_memory.json", 1024 * MIB, VM_MAX);
	assert_expected("too_much_memory");
}
END_TEST

/* A VM the machine cannot run (a command line over a VMM's limit), and more VMs than
 * root builds: refused located, as check-config does, and root refuses
 * the VMs they name while it builds the others. */
START_TEST(target_refusals)
{
	ck_assert_uint_eq(load("good/limits.json", 0, 3), 3);
	assert_logged("limits.json:9:7: vms[0].boot_args: 600 bytes; a VMM passes at most 511 to its guest");
	assert_logged("[root] VM limit-0-xxxxxxxxxxxxxxxxxxxxxxx not started: errors in the "
		      "configuration (above)");
	ck_assert_str_eq(specs[0].name, "limit-1-xxxxxxxxxxxxxxxxxxxxxxx");
	ck_assert_str_eq(specs[2].name, "limit-3-xxxxxxxxxxxxxxxxxxxxxxx");
	assert_logged("limits.json:79:5: vms[4]: root builds at most 3 VMs: this would be one more");
	assert_logged("[root] VM limit-4-xxxxxxxxxxxxxxxxxxxxxxx not started: errors in the "
		      "configuration (above)");
	assert_logged("[root] config: 3 of 8 VMs valid");
}
END_TEST

/* Every device type has its server program: a VM with each is built,
 * each device naming its own. */
START_TEST(virtio_served)
{
	ck_assert_uint_eq(load("good/full.json", 0, VM_MAX), 1);
	ck_assert_str_eq(specs[0].name, "web-1");
	ck_assert_str_eq(specs[0].dev[1].prog, "vcon");
	ck_assert_str_eq(specs[0].dev[2].prog, "vblk");
	ck_assert_str_eq(specs[0].dev[3].prog, "vnet");
	ck_assert_str_eq(specs[0].dev[5].prog, "vrng");
	assert_logged("[root] config: 1 of 1 VMs valid");
}
END_TEST

/*
 * The machine fixtures whose rule root applies itself (all but the carve,
 * which root does for real with cfg_vm_carve_bytes): root prints exactly
 * check-config's lines (bad/NAME.expected, written by check-config
 * --machine-mib 2048 --cpus 2) and builds exactly the VMs check-config
 * says are ok, in order.
 */
static const struct {
	const char *name;
	unsigned vms;           /* VMs in the file */
	const char *ok[4];      /* the VMs check-config passes */
} agree[] = {
	{ "machine_vcpus", 2, { "eight" } },
	{ "machine_too_many_vms", 5, { "vm1", "vm2", "vm3", "vm4" } },
	{ "machine_cmdline", 1, { NULL } },
};

START_TEST(root_agrees_with_check_config)
{
	char rel[128], line[128];
	unsigned n, want = 0;
	snprintf(rel, sizeof(rel), "bad/%s.json", agree[_i].name);
	n = load(rel, 0, VM_MAX);
	assert_expected(agree[_i].name);
	while (want < 4 && agree[_i].ok[want])
		want++;
	ck_assert_uint_eq(n, want);
	for (unsigned i = 0; i < want; i++)
		ck_assert_str_eq(specs[i].name, agree[_i].ok[i]);
	snprintf(line, sizeof(line), "[root] config: %u of %u VMs valid", want, agree[_i].vms);
	assert_logged(line);
}
END_TEST

/* Root gives a device the server program the loader's type table names. */
START_TEST(device_server_from_table)
{
	ck_assert_uint_eq(load("good/minimal.json", 0, VM_MAX), 1);
	ck_assert_uint_eq(specs[0].ndev, 0);
	ck_assert_uint_eq(load("good/default.json", 0, VM_MAX), 2);
	ck_assert_uint_eq(specs[0].ndev, 1);
	ck_assert_str_eq(specs[0].dev[0].prog, cfg_dev_server(CFG_DEV_PL011));
	ck_assert_str_eq(specs[0].dev[0].prog, "pl011");
	ck_assert_str_eq(cfg_dev_server(CFG_DEV_VIRTIO_BLK), "vblk");
	ck_assert_str_eq(cfg_dev_server(CFG_DEV_VIRTIO_NET), "vnet");
	ck_assert_str_eq(cfg_dev_server(CFG_DEV_VIRTIO_CONSOLE), "vcon");
	ck_assert_str_eq(cfg_dev_server(CFG_DEV_VIRTIO_RNG), "vrng");
	ck_assert_uint_eq(specs[0].dev[0].kind, KEEL_VM_DEV_PL011);
	/* riscv64's console UART: its own server and kind */
	ck_assert_uint_eq(load("good/ns16550.json", 0, VM_MAX), 1);
	ck_assert_str_eq(specs[0].dev[0].prog, "ns16550");
	ck_assert_uint_eq(specs[0].dev[0].kind, KEEL_VM_DEV_NS16550);
	ck_assert_uint_eq(specs[0].dev[0].size, 0x1000);
	ck_assert_uint_eq(specs[0].dev[0].intid, 33); /* the loader checks GIC SPIs: 32.. */
}
END_TEST

/* dtb_path: the spec names the tree's blob by its file name. */
START_TEST(dtb_is_passed_on)
{
	ck_assert_uint_eq(load("good/dtb.json", 0, VM_MAX), 1);
	ck_assert_str_eq(specs[0].dtb, "board.dtb");
	ck_assert_uint_eq(load("good/minimal.json", 0, VM_MAX), 1);
	ck_assert_ptr_null(specs[0].dtb);
}
END_TEST

/* firmware_path: the firmware is the image, and the flash is one more
 * device, after the config's, at 0 over both banks. */
START_TEST(firmware_flash_device)
{
	ck_assert_uint_eq(load("good/firmware.json", 0, VM_MAX), 1);
	ck_assert(specs[0].firmware);
	ck_assert_str_eq(specs[0].image, "Image");
	ck_assert_uint_eq(specs[0].ndev, 3);
	ck_assert_str_eq(specs[0].dev[2].prog, "flash");
	ck_assert_uint_eq(specs[0].dev[2].kind, KEEL_VM_DEV_FLASH);
	ck_assert_uint_eq(specs[0].dev[2].base, 0);
	ck_assert_uint_eq(specs[0].dev[2].size, 128 * MIB);
	ck_assert_int_eq(specs[0].dev[2].disk, -1);
	ck_assert_int_eq(specs[0].dev[1].disk, 0);
	ck_assert_uint_eq(load("good/minimal.json", 0, VM_MAX), 1);
	ck_assert(!specs[0].firmware);
	/* root has no file check: only "nofile" passes */
	ck_assert_uint_eq(load("bad/firmware.json", 0, VM_MAX), 1);
	ck_assert_str_eq(specs[0].name, "nofile");
	assert_logged("firmware.json:7:7: vms[0].kernel_image_path: not with firmware_path: the "
		      "firmware loads the kernel (from a disk, say)");
	assert_logged("firmware.json:15:7: vms[1].mem_base: RAM overlaps the flash banks at "
		      "0x00000000..0x07ffffff (firmware_path)");
}
END_TEST

START_TEST(syntax_error)
{
	ck_assert_uint_eq(load("bad/syntax.json", 0, VM_MAX), 0);
	assert_expected("syntax");
	assert_logged("[root] config: 0 of 0 VMs valid");
}
END_TEST

/* A config cJSON cannot parse in the static heap: said so, nothing starts;
 * the next load has the whole heap again. */
START_TEST(heap_exhausted)
{
	size_t big = VMCONFIG_HEAP_BYTES + 1024, len;
	char *text = malloc(big + 64);
	unsigned n;
	len = (size_t)sprintf(text, "{\"vms\": [], \"x\": \"");
	memset(text + len, 'a', big);
	len += big;
	len += (size_t)sprintf(text + len, "\"}");
	out_len = 0;
	n = vmconfig_load("big.json", text, len, 0, specs, VM_MAX);
	free(text);
	ck_assert_uint_eq(n, 0);
	assert_logged("[root] config: big.json needs more than 256 KiB to parse");
	ck_assert_uint_eq(load("good/minimal.json", 0, VM_MAX), 1);
}
END_TEST

/* On a riscv64 board root holds VMs to riscv64's profile: PLIC sources
 * 1..95, RAM from 0x80000000 by default, no vrng. */
START_TEST(riscv64_board)
{
	static const char text[] =
		"{ \"vms\": [\n"
		"  { \"name\": \"a\", \"mem_size_mib\": 64, \"kernel_image_path\": \"Image\",\n"
		"    \"devices\": [ { \"type\": \"ns16550a\", \"base\": \"0x10000000\", \"irq\": 10 } ] },\n"
		"  { \"name\": \"b\", \"mem_size_mib\": 64, \"kernel_image_path\": \"Image\",\n"
		"    \"devices\": [ { \"type\": \"virtio-rng\", \"base\": \"0x10001000\", \"irq\": 96 } ] } ] }\n";
	unsigned n;

	board = &cfg_arch_riscv64;
	out_len = 0;
	n = vmconfig_load("rv.json", text, sizeof(text) - 1, 0, specs, VM_MAX);
	board = &cfg_arch_aarch64;
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(specs[0].ram_base, 0x80000000);
	ck_assert_uint_eq(specs[0].dev[0].intid, 10);
	assert_logged("rv.json:5:64: vms[1].devices[0].irq: 96 is outside 1..95");
	assert_logged("rv.json:5:20: vms[1].devices[0].type: virtio-rng has no device server"
		      " on riscv64 (vrng is not built there)");
}
END_TEST

/* ---- policy ------------------------------------------------------------------ */

START_TEST(policy_never)
{
	struct srv_policy p = { .never = true, .max_restarts = 100 };
	struct srv_policy_state st = { 0, 0 };
	ck_assert_int_eq(srv_policy_decide(&p, &st, 5), SRV_STAY_DOWN_NEVER);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 50000), SRV_STAY_DOWN_NEVER);
}
END_TEST

START_TEST(policy_window)
{
	struct srv_policy p = { .max_restarts = 2, .window_ms = 1000 };
	struct srv_policy_state st = { 0, 0 };
	ck_assert_int_eq(srv_policy_decide(&p, &st, 100), SRV_RESTART);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 200), SRV_RESTART);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 1099), SRV_STAY_DOWN_LIMIT);
	/* The window opened at 100 has closed: a new one. */
	ck_assert_int_eq(srv_policy_decide(&p, &st, 1100), SRV_RESTART);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 1200), SRV_RESTART);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 1300), SRV_STAY_DOWN_LIMIT);
}
END_TEST

START_TEST(policy_lifetime)
{
	struct srv_policy p = SRV_POLICY_DEFAULT;
	struct srv_policy_state st = { 0, 0 };
	for (unsigned i = 0; i < 5; i++)
		ck_assert_int_eq(srv_policy_decide(&p, &st, i), SRV_RESTART);
	ck_assert_int_eq(srv_policy_decide(&p, &st, 1000000000), SRV_STAY_DOWN_LIMIT);
	p.max_restarts = 0;
	st = (struct srv_policy_state){ 0, 0 };
	ck_assert_int_eq(srv_policy_decide(&p, &st, 0), SRV_STAY_DOWN_LIMIT);
}
END_TEST

static Suite *vmconfig_suite(void)
{
	Suite *s = suite_create("vmconfig");
	TCase *t = tcase_create("vmconfig");
	TCase *p = tcase_create("policy");
	tcase_add_test(t, minimal_spec);
	tcase_add_test(t, riscv64_board);
	tcase_add_test(t, default_two_vms);
	tcase_add_test(t, partial_keeps_valid);
	tcase_add_test(t, memory_total);
	tcase_add_test(t, memory_fixture);
	tcase_add_test(t, target_refusals);
	tcase_add_test(t, virtio_served);
	tcase_add_loop_test(t, root_agrees_with_check_config, 0,
			    (int)(sizeof(agree) / sizeof(agree[0])));
	tcase_add_test(t, device_server_from_table);
	tcase_add_test(t, dtb_is_passed_on);
	tcase_add_test(t, firmware_flash_device);
	tcase_add_test(t, syntax_error);
	tcase_add_test(t, heap_exhausted);
	tcase_add_test(p, policy_never);
	tcase_add_test(p, policy_window);
	tcase_add_test(p, policy_lifetime);
	suite_add_tcase(s, t);
	suite_add_tcase(s, p);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;
	if (argc != 2) {
		fprintf(stderr, "usage: test_vmconfig FIXTURE_DIR\n");
		return 2;
	}
	fixture_root = argv[1];
	sr = srunner_create(vmconfig_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
