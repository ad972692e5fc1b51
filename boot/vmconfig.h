/*
 * VM configuration on the target (boot/vmconfig.c): parse the JSON config
 * with the loader (config/, keel/config.h) and turn every valid VM into a
 * struct vm_spec for vm_create(). docs/config.md has the schema.
 */
#ifndef BOOT_VMCONFIG_H
#define BOOT_VMCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* cJSON's heap while a config is parsed (root has no malloc: docs/libc.md). */
#define VMCONFIG_HEAP_BYTES (256u * 1024u)

/*
 * Parse text[0..len) (file names it in messages), checking the VMs' RAM
 * total against avail_bytes (0: no check). Prints every error as
 * "file:line:col: key: message", one "[root] VM <name> not started:
 * <reason>" per refused VM and "[root] config: N of M VMs valid". Fills
 * out[0..N) (N <= max) with the VMs that may start and returns N.
 *
 * The specs' strings point into this module's static copy of the parsed
 * config: they stay valid until the next call. cpu is 0 in every spec:
 * placing VMs on CPUs is the caller's choice.
 */
unsigned vmconfig_load(const char *file, const char *text, size_t len, uint64_t avail_bytes,
		       struct vm_spec *out, unsigned max);
/* The errors of the last vmconfig_load (keelctl create replies with them). */
struct cfg_errors;
const struct cfg_errors *vmconfig_errors(void);

#endif /* BOOT_VMCONFIG_H */
