/*
 * fuzz_config.c — libFuzzer target for the configuration loader.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (config/config.mk).
 * Beyond "no crash, no sanitizer report", every run checks what callers rely
 * on: each kept error formats to "file:line:col: keypath: detail" with a
 * 1-based position inside the input, names a VM that exists, and a VM is
 * valid exactly when no error was charged to it.
 *
 * The input is copied to a buffer of exactly its size, so ASan catches any
 * read past the end (the loader must not need a NUL terminator).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg_system fuzz_sys;
static struct cfg_errors fuzz_errs;

#define REQUIRE(cond)                   \
	do {                            \
		if (!(cond))            \
			abort();        \
	} while (0)

/* Deterministic, so a crash replays: some paths exist, some do not. */
static bool fake_exists(void *ctx, const char *path)
{
	(void)ctx;
	return strlen(path) % 3 != 0;
}

static void check_error(const uint8_t *data, size_t size, size_t i)
{
	const struct cfg_error *e = &fuzz_errs.list[i];
	char line[512];
	size_t n = cfg_error_format(&fuzz_errs, i, line, sizeof(line));
	uint32_t lines = 1;

	for (size_t k = 0; k < size; k++)
		lines += data[k] == '\n';
	REQUIRE(n > 0 && strncmp(line, "fuzz.json:", 10) == 0);
	REQUIRE(memchr(line, '\n', strlen(line)) == NULL);
	REQUIRE(e->code > CFG_OK && e->code < CFG_E_COUNT);
	REQUIRE(e->line >= 1 && e->line <= lines && e->col >= 1);
	REQUIRE(e->vm >= -1 && e->vm < (int)fuzz_sys.vm_count);
	REQUIRE(e->key[0] != '\0' && e->detail[0] != '\0');
}

static void check_validity(void)
{
	size_t kept = fuzz_errs.count < CFG_MAX_ERRORS ? fuzz_errs.count
						      : CFG_MAX_ERRORS;

	REQUIRE(fuzz_sys.vm_count <= CFG_MAX_VMS);
	for (size_t i = 0; i < kept; i++)
		if (fuzz_errs.list[i].vm >= 0)
			REQUIRE(!fuzz_sys.vms[fuzz_errs.list[i].vm].valid);
	for (size_t v = 0; v < fuzz_sys.vm_count; v++) {
		const struct cfg_vm *vm = &fuzz_sys.vms[v];

		if (!vm->valid)
			continue;
		REQUIRE(vm->name[0] != '\0' && vm->mem_size_mib > 0);
		REQUIRE(vm->vcpu_count >= 1 && vm->vcpu_count <= 4);
		REQUIRE(vm->device_count <= CFG_MAX_DEVICES);
	}
	if (fuzz_errs.count == 0)
		for (size_t v = 0; v < fuzz_sys.vm_count; v++)
			REQUIRE(fuzz_sys.vms[v].valid);
}

/* Every file is 1 MiB: the machine's blob layout and carves get run. */
static bool fake_size(void *ctx, const char *path, uint64_t *size)
{
	(void)ctx;
	(void)path;
	*size = UINT64_C(1) << 20;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cfg_machine machine = { CFG_ROOT_MAX_VMS, 2,
						    UINT64_C(2) << 30, fake_size, NULL };
	struct cfg_limits lim = { 4, UINT64_C(1) << 30, fake_exists, NULL, &machine,
				  size & 1 ? &cfg_arch_riscv64 : &cfg_arch_aarch64 };
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	cfg_parse("fuzz.json", text, size, &lim, &fuzz_sys, &fuzz_errs);
	for (size_t i = 0; i < fuzz_errs.count && i < CFG_MAX_ERRORS; i++)
		check_error(data, size, i);
	check_validity();
	free(text);
	return 0;
}
