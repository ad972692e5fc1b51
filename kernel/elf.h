/* The few ELF64 fields the boot loader needs (no libc headers in the kernel). */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdbool.h>
#include <stdint.h>

#define PT_LOAD 1u
#define PF_X 1u
#define PF_W 2u

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

bool elf_valid(const uint8_t *img, uint64_t size);
const struct elf64_phdr *elf_phdr(const uint8_t *img, unsigned i);

#endif
