/*
 * Rewriting a fixed object into the patch's part of it. Its symbol table is made
 * again: the kept definitions stay (a replaced static becomes a global named as
 * LUP_STATIC names it), every other definition becomes an undefined global named after
 * the target's symbol, and relocations of the kept code that reached one through its
 * section now name it. The linker (--gc-sections) then drops the code nothing kept
 * reaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/hashmap.h"
#include "util/log.h"
#include "core/lup-patch.h"
#include "mkpatch/diff/extract.h"

enum fate { STAYS, KEPT, BOUND };

struct extract {
	struct lup_obj *o;
	const struct lup_diff_objs *names;
	const char *file;	/* the source's name in the target (STT_FILE) */
	enum fate *fate;
	size_t *alias;		/* a local alias's global (0: none) */
	char **rename;		/* new name of a symbol (NULL: its own) */
	GElf_Sym *syms;		/* the new table */
	size_t nr_syms, first_global;
	size_t *index;		/* old index -> new */
	char *strtab;		/* old strings, then new names */
	size_t strtab_len;
	struct lup_hashmap *pcs_by_name;	/* placeholder name -> new index + 1 */
	struct lup_extract_pcs *pcs;
};

static const struct lup_extract_keep *kept(const struct lup_extract_keep *keep, size_t nr,
					   const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (strcmp(keep[i].name, name) == 0)
			return &keep[i];
	return NULL;
}

/* "name" LUP_FILE_SEP "file", or name for a global. */
static char *target_name(const struct extract *x, const char *name, bool local)
{
	char *s;

	if (!local)
		return strdup(name);
	return asprintf(&s, "%s" LUP_FILE_SEP "%s", name, x->file) < 0 ? NULL : s;
}

static int decide(struct extract *x, const struct lup_extract_keep *keep, size_t nr_keep)
{
	for (size_t i = 1; i < x->o->nr_syms; i++) {
		const struct lup_obj_sym *s = &x->o->syms[i];
		bool local = GELF_ST_BIND(s->s.st_info) == STB_LOCAL;
		const struct lup_extract_keep *k;

		if (!lup_obj_is_def(s) || !*s->name)
			continue;
		if (local && lup_obj_sym_at(x->o, s->s.st_shndx, s->s.st_value) != s) {
			/* f.localalias: bound with its global f, else stays beside it */
			x->alias[i] = lup_obj_sym_index(x->o, lup_obj_sym_at(x->o, s->s.st_shndx,
									     s->s.st_value));
			continue;
		}
		k = kept(keep, nr_keep, s->name);
		x->fate[i] = k ? KEPT : BOUND;
		if (k && k->replaces && local)
			x->rename[i] = target_name(x, k->replaces, true);
		else if (!k)
			x->rename[i] = target_name(x, lup_diff_orig_name_of(x->names, s->name), local);
		if ((k && k->replaces && local) || !k)
			if (!x->rename[i])
				return -ENOMEM;
	}
	return 0;
}

static int add_string(struct extract *x, const char *s, uint32_t *off)
{
	size_t len = strlen(s) + 1;
	char *n = realloc(x->strtab, x->strtab_len + len);

	if (!n)
		return -ENOMEM;
	x->strtab = n;
	memcpy(x->strtab + x->strtab_len, s, len);
	*off = (uint32_t)x->strtab_len;
	x->strtab_len += len;
	return 0;
}

/* A new global: kept definitions as they are, bound ones undefined. */
static int add_global(struct extract *x, size_t old)
{
	GElf_Sym s = x->o->syms[old].s;
	int ret = 0;

	if (x->rename[old])
		ret = add_string(x, x->rename[old], &s.st_name);
	if (x->fate[old] == BOUND) {
		s.st_shndx = SHN_UNDEF;
		s.st_value = 0;
		s.st_size = 0;
		s.st_other = STV_DEFAULT;
	}
	s.st_info = GELF_ST_INFO(GELF_ST_BIND(s.st_info) == STB_LOCAL ? STB_GLOBAL :
				 GELF_ST_BIND(s.st_info), GELF_ST_TYPE(s.st_info));
	x->index[old] = x->nr_syms;
	x->syms[x->nr_syms++] = s;
	return ret;
}

/* A local alias (f.localalias) of a bound global is bound with it; others stay local. */
static bool bound_alias(const struct extract *x, size_t i)
{
	return x->alias[i] && x->fate[x->alias[i]] == BOUND;
}

/* Locals that stay local first, then every global (ELF wants them in that order). */
static int make_table(struct extract *x)
{
	int ret = 0;

	x->syms[x->nr_syms++] = x->o->syms[0].s;
	for (size_t i = 1; i < x->o->nr_syms; i++) {
		bool local = GELF_ST_BIND(x->o->syms[i].s.st_info) == STB_LOCAL;

		if (local && x->fate[i] == STAYS && !bound_alias(x, i)) {
			x->index[i] = x->nr_syms;
			x->syms[x->nr_syms++] = x->o->syms[i].s;
		}
	}
	x->first_global = x->nr_syms;
	for (size_t i = 1; !ret && i < x->o->nr_syms; i++) {
		bool local = GELF_ST_BIND(x->o->syms[i].s.st_info) == STB_LOCAL;

		if (!local || x->fate[i] == BOUND || x->rename[i])
			ret = add_global(x, i);
	}
	for (size_t i = 1; i < x->o->nr_syms; i++)
		if (bound_alias(x, i))
			x->index[i] = x->index[x->alias[i]];
	return ret;
}

/* The new index of the placeholder of bound symbol (new index) sym. */
static int placeholder(struct extract *x, size_t sym, size_t *out)
{
	const char *name = x->strtab + x->syms[sym].st_name;
	char *pc;
	void *it = NULL, *found;
	GElf_Sym s = { 0 };
	int ret;

	if (asprintf(&pc, LUP_PC_PREFIX "%s", name) < 0)
		return -ENOMEM;
	found = lup_hashmap_next(x->pcs_by_name, pc, &it);
	if (found) {
		*out = (size_t)(uintptr_t)found - 1;
		free(pc);
		return 0;
	}
	ret = add_string(x, pc, &s.st_name);
	if (!ret) {
		char **names = realloc(x->pcs->names, (x->pcs->nr + 1) * sizeof(*names));

		ret = names ? 0 : -ENOMEM;
		if (names)
			x->pcs->names = names;
	}
	if (ret) {
		free(pc);
		return ret;
	}
	x->pcs->names[x->pcs->nr++] = pc;
	s.st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
	*out = x->nr_syms;
	x->syms[x->nr_syms++] = s;
	return lup_hashmap_add(x->pcs_by_name, pc, (void *)(uintptr_t)(*out + 1));
}

static bool is_bound(const struct extract *x, size_t i)
{
	return x->fate[i] == BOUND || bound_alias(x, i);
}

/* The relocations of the kept code (and of what it refers to) point at bound symbols. */
static bool rewritten(const struct extract *x, size_t sec)
{
	const struct lup_obj_sec *s = &x->o->secs[sec];
	bool defs = false;

	if (!(s->sh.sh_flags & SHF_ALLOC) || strcmp(s->name, ".eh_frame") == 0)
		return false;
	for (size_t i = 1; i < x->o->nr_syms; i++) {
		if (x->o->syms[i].s.st_shndx != sec || !lup_obj_is_def(&x->o->syms[i]))
			continue;
		if (x->fate[i] == KEPT)
			return true;
		defs = true;
	}
	return !defs;
}

static int refuse(const struct extract *x, size_t sym, const char *why)
{
	pr_err("%s: %s %s: %s", x->o->path, why, x->o->syms[sym].name,
	       "lup-mkpatch --diff cannot bind it to the target's");
	return -LUP_EBADPATCH;
}

/* The symbol a relocation of the kept code refers to in the new table, and its addend. */
static int retarget(struct extract *x, GElf_Rela *r, size_t *out)
{
	size_t old = GELF_R_SYM(r->r_info), sym;
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	const struct lup_obj_sym *s = &x->o->syms[old], *d = NULL;
	int64_t at = lup_obj_target_offset(r);

	if (GELF_ST_TYPE(s->s.st_info) == STT_SECTION)
		d = lup_obj_sym_near(x->o, s->s.st_shndx, at);
	if (d && is_bound(x, lup_obj_sym_index(x->o, d))) {
		old = lup_obj_sym_index(x->o, d);
		r->r_addend -= (int64_t)d->s.st_value;
	}
	sym = x->index[old];
	*out = sym;
	if (!is_bound(x, old))
		return 0;
	switch (type) {
	case R_X86_64_PC32: case R_X86_64_PC64:
		return placeholder(x, sym, out);
	case R_X86_64_32: case R_X86_64_32S:
		return refuse(x, old, "code compiled for the patch is not position independent at");
	case R_X86_64_TLSLD: case R_X86_64_DTPOFF32: case R_X86_64_DTPOFF64: case R_X86_64_TPOFF32:
		return refuse(x, old, "the fix uses thread-local static");
	default:
		return 0;
	}
}

static int rewrite_relocs(struct extract *x)
{
	for (size_t sec = 1; sec < x->o->nr_secs; sec++) {
		const struct lup_obj_sec *s = &x->o->secs[sec];
		Elf_Data *d = s->rela_index ? elf_getdata(x->o->secs[s->rela_index].scn, NULL) : NULL;
		bool rewrite = d && rewritten(x, sec);
		GElf_Rela r;

		for (int i = 0; d && gelf_getrela(d, i, &r); i++) {
			size_t sym = x->index[GELF_R_SYM(r.r_info)];
			int ret = rewrite ? retarget(x, &r, &sym) : 0;

			if (ret)
				return ret;
			r.r_info = GELF_R_INFO(sym, GELF_R_TYPE(r.r_info));
			if (!gelf_update_rela(d, i, &r))
				return -LUP_EBADELF;
		}
		if (d)
			elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	}
	return 0;
}

/* The new symbol and string tables in place of the old ones; group signatures follow. */
static int write_tables(struct extract *x)
{
	struct lup_obj_sec *st = &x->o->secs[x->o->symtab_index];
	Elf_Data *syms = elf_getdata(st->scn, NULL);
	Elf_Data *strs = elf_getdata(x->o->secs[st->sh.sh_link].scn, NULL);
	size_t size = gelf_fsize(x->o->elf, ELF_T_SYM, x->nr_syms, EV_CURRENT);
	void *buf = calloc(1, size);
	GElf_Shdr sh;
	int ret;

	if (!buf || !syms || !strs)
		return buf ? -LUP_EBADELF : -ENOMEM;
	syms->d_buf = buf;	/* libelf never frees a buffer it did not allocate */
	syms->d_size = size;
	for (size_t i = 0; i < x->nr_syms; i++)
		if (!gelf_update_sym(syms, (int)i, &x->syms[i])) {
			free(buf);
			return -LUP_EBADELF;
		}
	strs->d_buf = x->strtab;
	strs->d_size = x->strtab_len;
	st->sh.sh_info = (GElf_Word)x->first_global;
	if (!gelf_update_shdr(st->scn, &st->sh)) {
		free(buf);
		return -LUP_EBADELF;
	}
	for (size_t i = 1; i < x->o->nr_secs; i++) {
		if (x->o->secs[i].sh.sh_type != SHT_GROUP || !gelf_getshdr(x->o->secs[i].scn, &sh))
			continue;
		sh.sh_info = (GElf_Word)x->index[sh.sh_info < x->o->nr_syms ? sh.sh_info : 0];
		gelf_update_shdr(x->o->secs[i].scn, &sh);
	}
	elf_flagdata(syms, ELF_C_SET, ELF_F_DIRTY);
	elf_flagdata(strs, ELF_C_SET, ELF_F_DIRTY);
	ret = elf_update(x->o->elf, ELF_C_WRITE) < 0 ? -LUP_EBADELF : 0;
	free(buf);
	return ret;
}

static int setup(struct extract *x, struct lup_obj *o)
{
	Elf_Data *strs = elf_getdata(o->secs[o->secs[o->symtab_index].sh.sh_link].scn, NULL);
	size_t relocs = 0;

	for (size_t i = 0; i < o->nr_secs; i++)
		relocs += o->secs[i].nr_rela;
	x->o = o;
	x->fate = calloc(o->nr_syms + 1, sizeof(*x->fate));
	x->alias = calloc(o->nr_syms + 1, sizeof(*x->alias));
	x->rename = calloc(o->nr_syms + 1, sizeof(*x->rename));
	x->index = calloc(o->nr_syms + 1, sizeof(*x->index));
	x->syms = calloc(o->nr_syms + relocs + 1, sizeof(*x->syms));
	x->strtab = strs ? malloc(strs->d_size) : NULL;
	if (!x->fate || !x->alias || !x->rename || !x->index || !x->syms || !x->strtab)
		return strs ? -ENOMEM : -LUP_EBADELF;
	memcpy(x->strtab, strs->d_buf, strs->d_size);
	x->strtab_len = strs->d_size;
	return lup_hashmap_new(64, &x->pcs_by_name);
}

static void teardown(struct extract *x)
{
	for (size_t i = 0; x->rename && i < x->o->nr_syms; i++)
		free(x->rename[i]);
	free(x->rename);
	free(x->fate);
	free(x->alias);
	free(x->index);
	free(x->syms);
	lup_hashmap_free(x->pcs_by_name);
}

int lup_diff_extract(struct lup_obj *o, const struct lup_diff_objs *names,
		     const struct lup_extract_keep *keep, size_t nr_keep,
		     struct lup_extract_pcs *pcs)
{
	struct extract x = { .names = names, .file = names->fixed->file, .pcs = pcs };
	int ret = setup(&x, o);

	if (!ret)
		ret = decide(&x, keep, nr_keep);
	if (!ret)
		ret = make_table(&x);
	if (!ret)
		ret = rewrite_relocs(&x);
	if (!ret)
		ret = write_tables(&x);
	if (ret == -LUP_EBADELF)
		pr_err("%s: cannot rewrite it: %s", o->path, elf_errmsg(-1));
	free(x.strtab);
	teardown(&x);
	return ret;
}

void lup_extract_pcs_free(struct lup_extract_pcs *pcs)
{
	for (size_t i = 0; i < pcs->nr; i++)
		free(pcs->names[i]);
	free(pcs->names);
	memset(pcs, 0, sizeof(*pcs));
}
