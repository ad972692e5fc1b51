/*
 * ELF images of servers: checks and page filling. Boot modules come from
 * our own build, but they are checked as if they did not (later images come
 * from the config): every offset and size is bounded before use.
 */
#include <elf.h>
#include <string.h>

#include "root.h"

static const Elf64_Ehdr *elf_ehdr(const uint8_t *img)
{
	return (const Elf64_Ehdr *)img;
}

static const Elf64_Phdr *elf_phdr(const uint8_t *img, unsigned i)
{
	const Elf64_Ehdr *eh = elf_ehdr(img);
	return (const Elf64_Phdr *)(img + eh->e_phoff + (uint64_t)i * eh->e_phentsize);
}

static bool elf_header_ok(const uint8_t *img, uint64_t size)
{
	const Elf64_Ehdr *eh = elf_ehdr(img);
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_EXEC ||
	    eh->e_machine != root_arch_elf_machine())
		return false;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return false;
	return true;
}

static bool elf_segment_ok(const Elf64_Phdr *ph, uint64_t size, uint64_t vmax)
{
	if (ph->p_type != PT_LOAD)
		return true;
	return ph->p_filesz <= ph->p_memsz && ph->p_offset <= size &&
	       ph->p_filesz <= size - ph->p_offset && ph->p_vaddr >= ROOT_PAGE_SIZE &&
	       ph->p_vaddr < vmax && ph->p_memsz <= vmax - ph->p_vaddr;
}

bool elf_check(const uint8_t *img, uint64_t size, uint64_t vmax)
{
	if (!elf_header_ok(img, size))
		return false;
	for (unsigned i = 0; i < elf_ehdr(img)->e_phnum; i++)
		if (!elf_segment_ok(elf_phdr(img, i), size, vmax))
			return false;
	return true;
}

static unsigned elf_rights(const Elf64_Phdr *ph)
{
	return KEEL_R_READ | (ph->p_flags & PF_W ? KEEL_R_WRITE : 0) |
	       (ph->p_flags & PF_X ? KEEL_R_EXEC : 0);
}

bool elf_each_page(const uint8_t *img, bool (*fn)(void *ctx, uint64_t vaddr,
						  unsigned rights), void *ctx)
{
	for (unsigned i = 0; i < elf_ehdr(img)->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(img, i);
		uint64_t va = ph->p_vaddr & ~(ROOT_PAGE_SIZE - 1);
		if (ph->p_type != PT_LOAD)
			continue;
		for (; va < ph->p_vaddr + ph->p_memsz; va += ROOT_PAGE_SIZE)
			if (!fn(ctx, va, elf_rights(ph)))
				return false;
	}
	return true;
}

void elf_fill_page(const uint8_t *img, uint64_t vaddr, uint8_t *page)
{
	memset(page, 0, ROOT_PAGE_SIZE);
	for (unsigned i = 0; i < elf_ehdr(img)->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(img, i);
		uint64_t lo = ph->p_vaddr > vaddr ? ph->p_vaddr : vaddr;
		uint64_t hi = ph->p_vaddr + ph->p_filesz;
		if (ph->p_type != PT_LOAD)
			continue;
		if (hi > vaddr + ROOT_PAGE_SIZE)
			hi = vaddr + ROOT_PAGE_SIZE;
		if (lo < hi)
			memcpy(page + (lo - vaddr), img + ph->p_offset + (lo - ph->p_vaddr),
			       hi - lo);
	}
}

uint64_t elf_entry(const uint8_t *img)
{
	return elf_ehdr(img)->e_entry;
}

/* The program headers are loaded if a PT_LOAD segment's file range holds
 * them; musl's static TLS setup finds PT_TLS through AT_PHDR. */
uint64_t elf_phdr_vaddr(const uint8_t *img, uint64_t *phnum)
{
	const Elf64_Ehdr *eh = elf_ehdr(img);
	uint64_t end = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	*phnum = eh->e_phnum;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(img, i);
		if (ph->p_type == PT_LOAD && eh->e_phoff >= ph->p_offset &&
		    end <= ph->p_offset + ph->p_filesz)
			return ph->p_vaddr + (eh->e_phoff - ph->p_offset);
	}
	*phnum = 0;
	return 0;
}
