/* Compiler clones of target functions (f.constprop.0, f.part.0): refuses replacements they bypass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

#define MAX_LISTED 8

struct clone {
	char *base;		/* "f" of "f.constprop.0" */
	const char *name;	/* the whole symbol name, in libelf's data */
	const char *file;	/* STT_FILE before it (clones are local symbols) */
	bool cold;		/* f.cold: f's own unlikely part, reached only from f */
};

struct lup_mkpatch_clones {
	struct clone *c;
	size_t nr;
	struct lup_hashmap *by_base;
};

/*
 * What GCC and clang append to a function they copy, specialise or split: after
 * the first '.', one of these words. f.localalias is f itself under another name.
 */
static const char *const clone_words[] = {
	"constprop", "isra", "part", "cold", "clone", "lto_priv", "specialized", "llvm",
};

size_t lup_mkpatch_clone_base_len(const char *name, bool *cold)
{
	const char *dot = strchr(name, '.');
	size_t wlen;

	if (!dot || dot == name)
		return 0;
	for (size_t i = 0; i < sizeof(clone_words) / sizeof(clone_words[0]); i++) {
		wlen = strlen(clone_words[i]);
		if (strncmp(dot + 1, clone_words[i], wlen) == 0 &&
		    (dot[1 + wlen] == '\0' || dot[1 + wlen] == '.')) {
			if (cold)
				*cold = strcmp(clone_words[i], "cold") == 0;
			return (size_t)(dot - name);
		}
	}
	return 0;
}

static int add_clone(struct lup_mkpatch_clones *cl, const char *name, const char *file)
{
	bool cold = false;
	size_t len = lup_mkpatch_clone_base_len(name, &cold);
	struct clone *c;

	if (!len)
		return 0;
	c = &cl->c[cl->nr];
	if (!(c->base = strndup(name, len)))
		return -ENOMEM;
	c->name = name;
	c->file = file;
	c->cold = cold;
	cl->nr++;
	return 0;
}

/* One pass over the target's .symtab (open_target made sure there is one). */
static int index_clones(Elf *elf, Elf_Scn *scn, struct lup_mkpatch_clones *cl)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d ? d->d_size / gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT) : 0;
	const char *name, *file = NULL;
	GElf_Shdr sh;
	GElf_Sym s;
	int ret = 0;

	if (!gelf_getshdr(scn, &sh) || !(cl->c = calloc(n + 1, sizeof(*cl->c))))
		return -ENOMEM;
	for (size_t i = 0; !ret && i < n; i++) {
		if (!gelf_getsym(d, (int)i, &s) || !(name = elf_strptr(elf, sh.sh_link, s.st_name)))
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_FILE)
			file = *name ? name : NULL;
		else if (GELF_ST_TYPE(s.st_info) == STT_FUNC && s.st_shndx != SHN_UNDEF)
			ret = add_clone(cl, name, GELF_ST_BIND(s.st_info) == STB_LOCAL ? file : NULL);
	}
	ret = ret ? ret : lup_hashmap_new(cl->nr, &cl->by_base);
	for (size_t i = 0; !ret && i < cl->nr; i++)
		ret = lup_hashmap_add(cl->by_base, cl->c[i].base, &cl->c[i]);
	return ret;
}

static int load_clones(struct lup_mkpatch *m)
{
	Elf *elf = lup_elf_symtab_libelf(m->target);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret;

	if (m->clones)
		return 0;
	m->clones = calloc(1, sizeof(*m->clones));
	if (!m->clones)
		return -ENOMEM;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	ret = scn ? index_clones(elf, scn, m->clones) : 0;
	if (ret)
		pr_err("%s: cannot index compiler clones: %s", lup_elf_path(m->target),
		       lup_strerror(ret));
	return ret;
}

void lup_mkpatch_clones_free(struct lup_mkpatch_clones *cl)
{
	for (size_t i = 0; cl && i < cl->nr; i++)
		free(cl->c[i].base);
	if (cl) {
		lup_hashmap_free(cl->by_base);
		free(cl->c);
	}
	free(cl);
}

/* LUP_STATIC's file names the clone's STT_FILE in full or by its last component. */
static bool in_file(const struct clone *c, const char *file)
{
	const char *slash;

	if (!file)
		return true;
	if (!c->file)
		return false;
	slash = strrchr(c->file, '/');
	return strcmp(c->file, file) == 0 || (slash && strcmp(slash + 1, file) == 0);
}

/* "f.constprop.0, f.part.0" into buf: the clones a replacement of f would miss. */
static size_t list_clones(struct lup_mkpatch_clones *cl, const char *name, const char *file,
			  bool with_cold, char *buf, size_t size)
{
	const struct clone *c;
	size_t n = 0, len = 0;
	void *it = NULL;

	buf[0] = '\0';
	while ((c = lup_hashmap_next(cl->by_base, name, &it))) {
		if ((c->cold && !with_cold) || !in_file(c, file))
			continue;
		if (n++ < MAX_LISTED && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						c->name);
	}
	if (n > MAX_LISTED && len < size)
		snprintf(buf + len, size - len, ", ...");
	return n;
}

static void report(struct lup_mkpatch *m, const char *name, bool exists, const char *clones)
{
	pr_err("%s: %s %s compiler clones (%s)%s: make the patch's %s static and replace its "
	       "callers, or rebuild the target with -fno-ipa-cp -fno-ipa-sra -fno-partial-inlining "
	       "(see lup-mkpatch(1))", lup_elf_path(m->target), name,
	       exists ? "has" : "exists only as", clones,
	       exists ? " that callers use instead of it: replacing it would miss them" :
			": a new function of that name would never be called", name);
}

int lup_mkpatch_check_clones(struct lup_mkpatch *m, const char *asm_name)
{
	const struct lup_sym *t;
	char clones[512], *name;
	const char *file;
	bool exists;
	int ret = load_clones(m);

	if (!ret)
		ret = lup_mkpatch_split_name(asm_name, &name, &file);
	if (ret)
		return ret;
	/* Several statics of that name count as existing: lup_mkpatch_find_target reports it. */
	exists = lup_elf_find_sym(m->target, name, file, &t) != -ENOENT;
	/* f.cold belongs to f: with f there, it is replaced with it; without f, f was cloned. */
	if (list_clones(m->clones, name, file, !exists, clones, sizeof(clones))) {
		report(m, name, exists, clones);
		ret = -LUP_EBADPATCH;
	}
	free(name);
	return ret;
}
