/* The patch's relocations: the shared object's dynamic relocations, translated to lup kinds. */
#include <errno.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

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
		ret = add_one(m, &st, &r);
	return ret;
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
		if (sh.sh_type == SHT_RELA && (sh.sh_flags & SHF_ALLOC))
			ret = add_section(m, scn, &sh);
	}
	return ret;
}
