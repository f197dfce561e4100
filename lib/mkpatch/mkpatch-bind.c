/* Binding the patch's symbols: to itself, to the target (by name, statics by file), or to libraries. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "core/lup-patch.h"
#include "mkpatch/mkpatch-priv.h"

#define MAX_LISTED 16

int lup_mkpatch_push(void *array, size_t *n, void *item)
{
	void ***arr = array;
	void **grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = item;
	*arr = grown;
	return 0;
}

static void report_ambiguous(struct lup_mkpatch *m, const char *name)
{
	const struct lup_sym *c[MAX_LISTED];
	size_t n = lup_elf_sym_all(m->target, name, c, MAX_LISTED);
	char files[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n && i < MAX_LISTED && len < sizeof(files); i++)
		len += (size_t)snprintf(files + len, sizeof(files) - len, "%s%s", i ? ", " : "",
					c[i]->file ? c[i]->file : "?");
	pr_err("%s: %s is a static in several files (%s): pick one with LUP_STATIC(%s, \"file\") "
	       "from <lup/lup-patch.h>", lup_elf_path(m->target), name, files, name);
}

int lup_mkpatch_split_name(const char *asm_name, char **name, const char **file)
{
	const char *sep = strstr(asm_name, LUP_FILE_SEP);

	*file = sep ? sep + strlen(LUP_FILE_SEP) : NULL;
	*name = sep ? strndup(asm_name, (size_t)(sep - asm_name)) : strdup(asm_name);
	return *name ? 0 : -ENOMEM;
}

int lup_mkpatch_find_target(struct lup_mkpatch *m, const char *asm_name, const struct lup_sym **out)
{
	const char *file;
	char *name;
	int ret = lup_mkpatch_split_name(asm_name, &name, &file);

	if (ret)
		return ret;
	ret = lup_elf_find_sym(m->target, name, file, out);
	if (ret == -ENOTUNIQ) {
		report_ambiguous(m, name);
		ret = -LUP_EBADPATCH;
	} else if (ret == -ENOENT && file) {
		pr_err("%s: no static %s in file %s%s", lup_elf_path(m->target), name, file,
		       m->diff && m->o->nr_ons ? " (added by an --on patch? a patch cannot use "
		       "the variables of another: build the fixes as one patch)" : "");
		ret = -LUP_EBADPATCH;
	}
	free(name);
	return ret;
}

/* The index of an existing lup_symbol of that name, else of a new one built by the caller. */
static int add_symbol(struct lup_mkpatch *m, const char *name, LupSymScope scope, uint64_t value,
		      bool tls, uint32_t *index)
{
	void *it = NULL, *found = lup_hashmap_next(m->sym_index, name, &it);
	LupSymbol *s;
	int ret;

	if (found) {
		*index = (uint32_t)((uintptr_t)found - 1);
		return 0;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	lup_symbol__init(s);
	s->name = strdup(name);
	s->scope = scope;
	s->has_value = scope != LUP_SYM_SCOPE__LUP_SYM_LIBRARY;
	s->value = s->has_value ? value : 0;
	s->has_tls = tls;
	s->tls = tls;
	ret = s->name ? lup_mkpatch_push(&m->p->symbols, &m->p->n_symbols, s) : -ENOMEM;
	if (ret) {
		free(s->name);
		free(s);
		return ret;
	}
	*index = (uint32_t)(m->p->n_symbols - 1);
	return lup_hashmap_add(m->sym_index, s->name, (void *)(uintptr_t)(*index + 1));
}

/* The replacement defined at s, if any: references to it bind to the old entry. */
static const LupFunc *replaced_func(struct lup_mkpatch *m, const GElf_Sym *s)
{
	if (GELF_ST_TYPE(s->st_info) != STT_FUNC)
		return NULL;
	for (size_t i = 0; i < m->p->n_funcs; i++)
		if (m->p->funcs[i]->new_offset == s->st_value)
			return m->p->funcs[i];
	return NULL;
}

bool lup_mkpatch_is_comdat(const GElf_Sym *s)
{
	return GELF_ST_BIND(s->st_info) == STB_WEAK || GELF_ST_BIND(s->st_info) == STB_GNU_UNIQUE;
}

static int bind_undefined(struct lup_mkpatch *m, const char *name, const GElf_Sym *s,
			  const char *version, uint32_t *index)
{
	bool tls = GELF_ST_TYPE(s->st_info) == STT_TLS, weak = GELF_ST_BIND(s->st_info) == STB_WEAK;
	const struct lup_sym *t;
	void *it = NULL;
	int ret = lup_mkpatch_find_target(m, name, &t);

	if (!ret)
		return add_symbol(m, name, LUP_SYM_SCOPE__LUP_SYM_TARGET, t->value, t->type == STT_TLS,
				  index);
	if (ret != -ENOENT)
		return ret;
	if (m->target_static && !weak) {
		pr_err("%s: undefined symbol %s: not in the target, which uses no libraries",
		       lup_elf_path(m->target), name);
		return -LUP_EBADPATCH;
	}
	/* Checked once per name: relocations share their symbols. */
	if (!weak && !m->o->no_library_check && !lup_hashmap_next(m->sym_index, name, &it)) {
		ret = lup_mkpatch_check_library(m, name);
		if (ret)
			return ret;
	}
	ret = add_symbol(m, name, LUP_SYM_SCOPE__LUP_SYM_LIBRARY, 0, tls, index);
	if (!ret && weak)
		m->p->symbols[*index]->has_weak = m->p->symbols[*index]->weak = true;
	if (!ret && version && !m->p->symbols[*index]->version &&
	    !(m->p->symbols[*index]->version = strdup(version)))
		ret = -ENOMEM;
	return ret;
}

int lup_mkpatch_bind(struct lup_mkpatch *m, const char *name, const GElf_Sym *s,
		     const char *version, uint32_t *index)
{
	const struct lup_sym *t;
	const LupFunc *f;

	if (s->st_shndx == SHN_UNDEF)
		return bind_undefined(m, name, s, version, index);
	/* a weak (COMDAT) or unique copy of the patch: the target's one, when it has one */
	if (lup_mkpatch_is_comdat(s) && !lup_elf_find_sym(m->target, name, NULL, &t) &&
	    t->bind != STB_LOCAL && t->type == GELF_ST_TYPE(s->st_info))
		return add_symbol(m, name, LUP_SYM_SCOPE__LUP_SYM_TARGET, t->value, false, index);
	f = replaced_func(m, s);
	/* So that &f in the patch equals &f in the old code; calls reach f through the jump. */
	if (f)
		return add_symbol(m, name, LUP_SYM_SCOPE__LUP_SYM_TARGET, f->target_value, false, index);
	return add_symbol(m, name, LUP_SYM_SCOPE__LUP_SYM_PATCH, s->st_value, false, index);
}
