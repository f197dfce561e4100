/* The patch's relocations: the shared object's dynamic relocations, translated to lup kinds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"
#include "mkpatch/diff/extract.h"

struct symtab {
	Elf_Data *data;
	size_t strtab;
};

static int add_reloc(struct lup_mkpatch *m, const GElf_Rela *r, LupRelocKind kind, bool has_sym,
		     uint32_t sym)
{
	LupReloc *lr = malloc(sizeof(*lr));
	int ret;

	if (!lr)
		return -ENOMEM;
	lup_reloc__init(lr);
	lr->offset = r->r_offset;
	lr->kind = kind;
	lr->has_symbol = has_sym;
	lr->symbol = sym;
	lr->addend = r->r_addend;
	ret = lup_mkpatch_push(&m->p->relocs, &m->p->n_relocs, lr);
	if (ret)
		free(lr);
	return ret;
}

static int bind_reloc_sym(struct lup_mkpatch *m, const struct symtab *st, const GElf_Rela *r,
			  uint32_t *index)
{
	size_t i = GELF_R_SYM(r->r_info);
	const char *name;
	GElf_Sym s;

	if (i == 0 || !gelf_getsym(st->data, (int)i, &s) ||
	    !(name = elf_strptr(lup_elf_libelf(m->so), st->strtab, s.st_name))) {
		pr_err("%s: relocation at %#lx has no usable symbol", m->o->out,
		       (unsigned long)r->r_offset);
		return -LUP_EBADPATCH;
	}
	return lup_mkpatch_bind(m, name, &s, lup_elf_needed_version(m->so, i), index);
}

static int add_one(struct lup_mkpatch *m, const struct symtab *st, const GElf_Rela *r)
{
	LupRelocKind kind = LUP_RELOC_KIND__LUP_RELOC_ABS64;
	uint32_t index;
	int ret;

	switch (GELF_R_TYPE(r->r_info)) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_RELATIVE:
		return add_reloc(m, r, LUP_RELOC_KIND__LUP_RELOC_RELATIVE, false, 0);
	case R_X86_64_TPOFF64:
	case R_X86_64_DTPMOD64:
	case R_X86_64_DTPOFF64:
		kind = GELF_R_TYPE(r->r_info) == R_X86_64_TPOFF64 ? LUP_RELOC_KIND__LUP_RELOC_TPOFF64 :
		       GELF_R_TYPE(r->r_info) == R_X86_64_DTPMOD64 ? LUP_RELOC_KIND__LUP_RELOC_DTPMOD64 :
								     LUP_RELOC_KIND__LUP_RELOC_DTPOFF64;
		/* fall through */
	case R_X86_64_GLOB_DAT:
	case R_X86_64_JUMP_SLOT:
	case R_X86_64_64:
		ret = bind_reloc_sym(m, st, r, &index);
		return ret ? ret : add_reloc(m, r, kind, true, index);
	default:
		pr_err("%s: relocation type %lu at %#lx is not supported (only RELATIVE, 64, "
		       "GLOB_DAT, JUMP_SLOT, TPOFF64, DTPMOD64 and DTPOFF64)", m->o->out,
		       (unsigned long)GELF_R_TYPE(r->r_info), (unsigned long)r->r_offset);
		return -LUP_EBADPATCH;
	}
}

/*
 * A relocation the linker kept (--emit-relocs) that refers to a placeholder of
 * lup-mkpatch --diff: the code's %rip-relative reference to a target variable or
 * function, which the linker resolved to the placeholder. Others were resolved for good.
 */
static int add_kept(struct lup_mkpatch *m, const struct symtab *st, const GElf_Rela *r)
{
	size_t i = GELF_R_SYM(r->r_info), len = strlen(LUP_PC_PREFIX);
	const char *name;
	uint32_t index;
	GElf_Sym s;
	int ret;

	if (i == 0 || !gelf_getsym(st->data, (int)i, &s) ||
	    !(name = elf_strptr(lup_elf_libelf(m->so), st->strtab, s.st_name)) ||
	    strncmp(name, LUP_PC_PREFIX, len))
		return 0;
	if (GELF_R_TYPE(r->r_info) != R_X86_64_PC32) {
		pr_err("%s: relocation type %lu at %#lx to %s (only PC32)", m->o->out,
		       (unsigned long)GELF_R_TYPE(r->r_info), (unsigned long)r->r_offset, name);
		return -LUP_EBADPATCH;
	}
	s.st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
	s.st_shndx = SHN_UNDEF;
	ret = lup_mkpatch_bind(m, name + len, &s, NULL, &index);
	return ret ? ret : add_reloc(m, r, LUP_RELOC_KIND__LUP_RELOC_PC32, true, index);
}

static int add_section(struct lup_mkpatch *m, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf *elf = lup_elf_libelf(m->so);
	Elf_Scn *sym_scn = elf_getscn(elf, sh->sh_link);
	Elf_Data *d = elf_getdata(scn, NULL);
	struct symtab st = { 0 };
	GElf_Shdr sym_sh;
	GElf_Rela r;
	int ret = 0;

	if (sym_scn && gelf_getshdr(sym_scn, &sym_sh)) {
		st.data = elf_getdata(sym_scn, NULL);
		st.strtab = sym_sh.sh_link;
	}
	for (int i = 0; !ret && d && gelf_getrela(d, i, &r); i++)
		ret = sh->sh_flags & SHF_ALLOC ? add_one(m, &st, &r) : add_kept(m, &st, &r);
	return ret;
}

/* A relocation section the linker kept (--emit-relocs) for a section that is loaded. */
static bool applies_to_code(Elf *elf, const GElf_Shdr *sh)
{
	Elf_Scn *to = elf_getscn(elf, sh->sh_info);
	GElf_Shdr tsh;

	return to && gelf_getshdr(to, &tsh) && (tsh.sh_flags & SHF_ALLOC) &&
	       tsh.sh_type != SHT_NOBITS && sh->sh_info;
}

int lup_mkpatch_relocs(struct lup_mkpatch *m)
{
	Elf *elf = lup_elf_libelf(m->so);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret = 0;

	while (!ret && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_REL) {
			pr_err("%s: REL relocations: the patch must use RELA", m->o->out);
			return -LUP_EBADPATCH;
		}
		if (sh.sh_type == SHT_RELA && ((sh.sh_flags & SHF_ALLOC) || applies_to_code(elf, &sh)))
			ret = add_section(m, scn, &sh);
	}
	return ret;
}
