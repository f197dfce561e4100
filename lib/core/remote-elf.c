/* ELF headers read from a process's memory (untrusted: every count and offset is checked). */
#include <errno.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/remote-elf.h"

static int check_ehdr(const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > LUP_REMOTE_MAX_PHDR || eh->e_phoff >= LUP_PAGE_SIZE)
		return -ENOEXEC;
	return 0;
}

int lup_remote_elf_read(lup_read_fn rd, void *arg, uint64_t map_start, struct lup_remote_elf *out)
{
	const Elf64_Phdr *load;
	Elf64_Ehdr eh;
	int ret;

	ret = rd(arg, map_start, &eh, sizeof(eh));
	if (ret)
		return ret;
	ret = check_ehdr(&eh);
	if (ret)
		return ret;
	out->phnum = eh.e_phnum;
	ret = rd(arg, map_start + eh.e_phoff, out->phdr, out->phnum * sizeof(Elf64_Phdr));
	if (ret)
		return ret;
	/* Offset 0 is mapped at map_start: the bias comes from the PT_LOAD that covers it. */
	load = lup_remote_elf_phdr(out, PT_LOAD);
	if (!load || load->p_offset >= LUP_PAGE_SIZE)
		return -ENOEXEC;
	out->bias = map_start - (load->p_vaddr & ~(LUP_PAGE_SIZE - 1));
	return 0;
}

const Elf64_Phdr *lup_remote_elf_phdr(const struct lup_remote_elf *e, uint32_t type)
{
	size_t i;

	for (i = 0; i < e->phnum; i++)
		if (e->phdr[i].p_type == type)
			return &e->phdr[i];
	return NULL;
}
