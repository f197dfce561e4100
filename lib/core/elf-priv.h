/* The inside of struct lup_elf, shared by elf.c (file, notes, segments) and elf-sym.c. */
#ifndef LUP_ELF_PRIV_H
#define LUP_ELF_PRIV_H

#include <gelf.h>

#include "core/elf-file.h"

struct lup_symtab {
	struct lup_sym *syms;
	size_t nr;
	struct lup_hashmap *by_name;
};

struct lup_elf {
	char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	struct lup_symtab symtab;	/* .symtab, or .dynsym when stripped; nr 0: neither */
	struct lup_symtab dynsym;	/* exported symbols of .dynsym */
	struct lup_elf *debug;		/* the separate debug file symtab comes from, or NULL */
};

int lup_elf_load_syms(struct lup_elf *e);
void lup_elf_free_syms(struct lup_elf *e);

#endif
