/*
 * keel/mmio.h — a guest's MMIO access as its vCPU's KEEL_EXIT_MMIO exit
 * carries it (keel/abi.h), decoded once for whoever answers it: the VMM
 * (vmm-server/mmio.c) or, through an MMIO route, the device server itself
 * (keel/vmm.h, keel_dev_route_exit). Pure: host-tested (tests/vmm).
 */
#ifndef KEEL_MMIO_H
#define KEEL_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>

struct keel_mmio_access {
	uint64_t gpa;       /* guest-physical; a routed exit's offset in its window */
	unsigned width;     /* bytes: 1, 2, 4, 8 */
	bool write;
	bool sign_extend;
	bool reg64;         /* destination is an X register */
	unsigned reg;       /* KEEL_VREG_* number, or KEEL_EXIT_REG_NONE */
	uint64_t value;     /* what a write stores (low width bytes) */
	uint64_t seq;       /* the exit's sequence number (MR5; 0: none) */
};

/* Decode MR0..MR5 of a KEEL_EXIT_MMIO message; false if malformed. */
bool keel_mmio_decode(const uint64_t *mr, struct keel_mmio_access *a);
/* The value a load leaves in its register: raw cut to width, then sign-
 * or zero-extended to the register's size (a W register's top is 0). */
uint64_t keel_mmio_load_value(const struct keel_mmio_access *a, uint64_t raw);
/* The vCPU's reply (label, MR0..MR2) to access a: resumed past it with
 * a load's value in its register if ok, else a data abort at a->gpa. */
void keel_mmio_reply(const struct keel_mmio_access *a, bool ok, uint64_t val,
		     uint64_t *label, uint64_t *mr);

#endif /* KEEL_MMIO_H */
