/* What the patch sources define: functions that replace the target's, new ones, and refusals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

/*
 * The unlikely parts of f that gcc moved away from it (f.cold, every one of that name:
 * several statics may be named f), recorded for the stack check: a thread there is
 * inside f. The running target may be stripped: the patch carries them.
 */
static int add_parts(struct lup_mkpatch *m, LupFunc *f)
{
	const struct lup_sym *cold[LUP_PATCH_MAX_PARTS];
	char name[512];
	size_t n;
	int ret = 0;

	if (snprintf(name, sizeof(name), "%s.cold", f->name) >= (int)sizeof(name))
		return 0;
	n = lup_elf_sym_all(m->target, name, cold, LUP_PATCH_MAX_PARTS);
	for (size_t i = 0; !ret && i < n && i < LUP_PATCH_MAX_PARTS; i++) {
		LupPart *part;

		if (cold[i]->type != STT_FUNC || !cold[i]->size)
			continue;
		part = malloc(sizeof(*part));
		if (!part)
			return -ENOMEM;
		lup_part__init(part);
		part->value = cold[i]->value;
		part->size = cold[i]->size;
		ret = lup_mkpatch_push(&f->parts, &f->n_parts, part);
		if (ret)
			free(part);
	}
	return ret;
}

static int add_func(struct lup_mkpatch *m, const char *asm_name, const struct lup_sym *t,
		    uint64_t new_offset)
{
	LupFunc *f = calloc(1, sizeof(*f));
	const char *file;
	int ret = -ENOMEM;

	if (!f)
		return ret;
	lup_func__init(f);
	lup_mkpatch_split_name(asm_name, &f->name, &file);
	f->target_value = t->value;
	f->target_size = t->size;
	f->new_offset = new_offset;
	f->orig_bytes.len = LUP_JMP_SIZE;
	f->orig_bytes.data = malloc(LUP_JMP_SIZE);
	if (f->name && f->orig_bytes.data) {
		ret = lup_elf_read(m->target, t->value, f->orig_bytes.data, LUP_JMP_SIZE);
		if (ret == -ERANGE)
			ret = -LUP_EBADELF;
	}
	if (!ret)
		ret = add_parts(m, f);
	if (!ret)
		ret = lup_mkpatch_push(&m->p->funcs, &m->p->n_funcs, f);
	if (ret)
		lup_func__free_unpacked(f, NULL);
	return ret;
}

/*
 * A global function of the patch: replaces the target's function of that name, else is
 * new. Built from a diff, the comparison has found the clones that changed already.
 */
static int check_func(struct lup_mkpatch *m, const char *name, const GElf_Sym *s)
{
	const struct lup_sym *t;
	int ret = m->diff ? 0 : lup_mkpatch_check_clones(m, name);

	if (!ret)
		ret = lup_mkpatch_find_target(m, name, &t);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (t->type != STT_FUNC) {
		pr_err("%s: %s is not a function there, the patch cannot define it as one",
		       lup_elf_path(m->target), name);
		return -LUP_EBADPATCH;
	}
	if (t->size < LUP_JMP_SIZE) {
		pr_err("%s: function %s has %lu bytes, fewer than the %d-byte jump: cannot replace it",
		       lup_elf_path(m->target), name, (unsigned long)t->size, LUP_JMP_SIZE);
		return -LUP_EBADELF;
	}
	return add_func(m, name, t, s->st_value);
}

/* A global variable of the patch must be new: the target's own ones are declared extern. */
static int check_var(struct lup_mkpatch *m, const char *name)
{
	const struct lup_sym *t;
	int ret = lup_elf_find_sym(m->target, name, NULL, &t);

	if (ret == -ENOENT)
		return 0;
	pr_err("%s: variable %s is also defined by %s: declare it extern in the patch to use the "
	       "target's", m->o->out, name, lup_elf_path(m->target));
	return -LUP_EBADPATCH;
}

static int check_def(struct lup_mkpatch *m, const char *name, const GElf_Sym *s)
{
	unsigned char type = GELF_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || !*name)
		return 0;
	if (type == STT_TLS) {
		pr_err("%s: the patch defines thread-local variable %s: a patch cannot add TLS",
		       m->o->out, name);
		return -LUP_EBADPATCH;
	}
	/*
	 * Weak definitions are what C++ emits for every template instantiation and inline
	 * function it uses (COMDAT), unique ones for the static variables of those: the
	 * patch's copies replace nothing, and bind to the target's copy where it has one
	 * (lup_mkpatch_bind).
	 */
	if (GELF_ST_BIND(s->st_info) == STB_LOCAL || lup_mkpatch_is_comdat(s))
		return 0;
	if (type == STT_FUNC)
		return check_func(m, name, s);
	if (type == STT_OBJECT)
		return check_var(m, name);
	return 0;
}

static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == SHT_SYMTAB)
			return scn;
	return NULL;
}

int lup_mkpatch_defs(struct lup_mkpatch *m)
{
	Elf *elf = lup_elf_libelf(m->so);
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(elf, &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	uint64_t memsz, align;
	GElf_Sym s;
	int ret = 0;

	if (!d) {
		pr_err("%s: the linked patch has no symbol table", m->o->out);
		return -LUP_EBADPATCH;
	}
	for (size_t i = 0; !ret && gelf_getsym(d, (int)i, &s); i++) {
		const char *name = elf_strptr(elf, sh.sh_link, s.st_name);

		ret = name ? check_def(m, name, &s) : 0;
	}
	if (!ret && lup_elf_tls(m->so, &memsz, &align) == 0) {
		pr_err("%s: the patch has a TLS segment: a patch cannot add TLS", m->o->out);
		ret = -LUP_EBADPATCH;
	}
	return ret;
}
