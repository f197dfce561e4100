/*
 * The dynamic relocations of an ELF file, where a process keeps the address an IFUNC
 * resolved to: the slot of an R_X86_64_IRELATIVE whose addend is the resolver (applied
 * at load time, lazy binding or not), or the GOT slot of a named symbol.
 */
#include <errno.h>
#include <string.h>

#include "core/elf-priv.h"

/* Calls fn for each relocation of the file's SHT_RELA sections until it returns true. */
static bool each_rela(const struct lup_elf *e, bool (*fn)(const struct lup_elf *e, Elf_Scn *rel,
							  const GElf_Rela *r, void *arg),
		      void *arg)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Rela r;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		n = d->d_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++)
			if (gelf_getrela(d, (int)i, &r) && fn(e, scn, &r, arg))
				return true;
	}
	return false;
}

/* What is looked for, and where it was found. */
struct slot_query {
	uint64_t resolver;
	const char *name;
	uint64_t offset;
};

static bool is_irelative(const struct lup_elf *e, Elf_Scn *rel, const GElf_Rela *r, void *arg)
{
	struct slot_query *q = arg;

	if (GELF_R_TYPE(r->r_info) != R_X86_64_IRELATIVE || (uint64_t)r->r_addend != q->resolver)
		return false;
	q->offset = r->r_offset;
	return true;
}

/* The name of the symbol of r, from the symbol table rel links to. */
static const char *sym_name(const struct lup_elf *e, Elf_Scn *rel, const GElf_Rela *r)
{
	GElf_Shdr sh, symsh;
	Elf_Scn *symscn;
	Elf_Data *d;
	GElf_Sym s;

	if (!gelf_getshdr(rel, &sh) || !(symscn = elf_getscn(e->elf, sh.sh_link)) ||
	    !gelf_getshdr(symscn, &symsh) || !(d = elf_getdata(symscn, NULL)) ||
	    !gelf_getsym(d, (int)GELF_R_SYM(r->r_info), &s))
		return NULL;
	return elf_strptr(e->elf, symsh.sh_link, s.st_name);
}

static bool is_got_slot(const struct lup_elf *e, Elf_Scn *rel, const GElf_Rela *r, void *arg)
{
	struct slot_query *q = arg;
	unsigned type = GELF_R_TYPE(r->r_info);
	const char *name;

	if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !GELF_R_SYM(r->r_info))
		return false;
	name = sym_name(e, rel, r);
	if (!name || strcmp(name, q->name))
		return false;
	q->offset = r->r_offset;
	return true;
}

int lup_elf_irelative_slot(const struct lup_elf *e, uint64_t resolver, uint64_t *offset)
{
	struct slot_query q = { .resolver = resolver };

	if (!each_rela(e, is_irelative, &q))
		return -ENOENT;
	*offset = q.offset;
	return 0;
}

int lup_elf_got_slot(const struct lup_elf *e, const char *name, uint64_t *offset)
{
	struct slot_query q = { .name = name };

	if (!each_rela(e, is_got_slot, &q))
		return -ENOENT;
	*offset = q.offset;
	return 0;
}
