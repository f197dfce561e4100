/* ELF and program headers of a file as mapped in a process, read through a memory reader. */
#ifndef LUP_REMOTE_ELF_H
#define LUP_REMOTE_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#define LUP_REMOTE_MAX_PHDR 64

/* Reads len bytes of the process at addr: 0, or a negative errno. */
typedef int (*lup_read_fn)(void *arg, uint64_t addr, void *buf, size_t len);

struct lup_remote_elf {
	uint64_t bias;		/* mapping address minus link-time address */
	size_t phnum;
	Elf64_Phdr phdr[LUP_REMOTE_MAX_PHDR];
};

/*
 * Reads the headers of the ELF file whose offset 0 is mapped at map_start. -ENOEXEC
 * (quietly: the caller names the file) when it is not a 64-bit ELF file with
 * program headers in its first PT_LOAD.
 */
int lup_remote_elf_read(lup_read_fn rd, void *arg, uint64_t map_start, struct lup_remote_elf *out);
/* The first program header of that type, or NULL. */
const Elf64_Phdr *lup_remote_elf_phdr(const struct lup_remote_elf *e, uint32_t type);

#endif
