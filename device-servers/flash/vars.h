/* The flash server's vars file: bank 1 on a host file (vars.c). */
#ifndef FLASH_VARS_H
#define FLASH_VARS_H

#include <stdbool.h>
#include <stdint.h>

/* Wait for the driver (and for what a crashed instance handed it); the
 * bytes of bank 1 the file keeps (0: none, it is read-only). */
uint64_t vars_attach(const char *self, uint64_t bank_bytes);
/* Bank 1 bytes [lo, hi) (whole sectors) from the file. */
bool vars_load(uint64_t lo, uint64_t hi);
/* Bank 1 bytes [lo, hi) to the file (widened to whole sectors, cut at
 * bytes), then flushed. */
bool vars_store(uint64_t bytes, uint64_t lo, uint64_t hi);

#endif /* FLASH_VARS_H */
