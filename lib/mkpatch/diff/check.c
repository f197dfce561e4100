/*
 * The refusals of lup-mkpatch --diff, made before any patch is built: the rebuilt
 * original must be what runs (the target, or the code of a patch applied on it), and the
 * fix must not change data the running process already holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "core/lup-patch.h"
#include "arch/x86/jump.h"
#include "mkpatch/diff/diff.h"
#include "mkpatch/diff/layout.h"


static bool is_local(const struct lup_obj_sym *s)
{
	return GELF_ST_BIND(s->s.st_info) == STB_LOCAL;
}

/* The code of a function as an --on patch has it, when one replaced the target's at value. */
static const uint8_t *on_code(const struct lup_diff *x, uint64_t value, uint64_t size,
			      const char **id)
{
	for (size_t i = x->m->o->nr_ons; i-- > 0;) {
		const LupPatch *p = x->ons[i];

		for (size_t f = 0; f < p->n_funcs; f++) {
			uint64_t off = p->funcs[f]->new_offset;

			if (p->funcs[f]->target_value != value)
				continue;
			*id = p->id;
			for (size_t s = 0; s < p->n_segments; s++) {
				const LupSegment *seg = p->segments[s];

				if (off >= seg->offset && off - seg->offset <= seg->data.len &&
				    seg->data.len - (off - seg->offset) >= size)
					return seg->data.data + (off - seg->offset);
			}
			return NULL;
		}
	}
	return NULL;
}

bool lup_diff_matches(struct lup_diff *x, struct lup_diff_unit *u, const struct lup_obj_sym *o,
		      char *why)
{
	const struct lup_sym *t;
	const char *on = NULL;
	uint8_t *code;
	bool same;
	int ret = lup_elf_find_sym(x->m->target, o->name, is_local(o) ? u->orig->file : NULL, &t);

	if (ret) {
		snprintf(why, LUP_DIFF_WHY_SIZE, ret == -ENOTUNIQ ? "several functions of that name in %s" :
			 "not in %s: the target was built with other flags or sources",
			 lup_elf_path(x->m->target));
		return false;
	}
	if (t->size < LUP_JMP_SIZE) {
		snprintf(why, LUP_DIFF_WHY_SIZE, "%lu bytes, shorter than the %d-byte jump: it cannot be "
			 "replaced", (unsigned long)t->size, LUP_JMP_SIZE);
		return false;
	}
	if (on_code(x, t->value, 0, &on)) {
		const struct lup_obj_sym *p = lup_obj_find(u->pic_orig, o->name);
		const uint8_t *c = p ? on_code(x, t->value, p->s.st_size, &on) : NULL;

		if (c && lup_diff_same_as_loaded(u->pic_orig, p, c, p->s.st_size))
			return true;
		snprintf(why, LUP_DIFF_WHY_SIZE, "differs from its code in %s (--on): the source directory "
			 "must hold that patch's fix, built the same way", on);
		return false;
	}
	code = t->size == o->s.st_size ? malloc(t->size) : NULL;
	same = code && !lup_elf_read(x->m->target, t->value, code, t->size) &&
	       lup_diff_same_as_loaded(u->orig, o, code, t->size);
	free(code);
	if (!same)
		snprintf(why, LUP_DIFF_WHY_SIZE, "the rebuilt original differs from %s's (%lu bytes there, "
			 "%lu here): the compiler, its flags or the sources differ from the target's "
			 "build", lup_elf_path(x->m->target), (unsigned long)t->size,
			 (unsigned long)o->s.st_size);
	return same;
}

int lup_diff_check_target(struct lup_diff *x, struct lup_diff_unit *u, bool report)
{
	char why[LUP_DIFF_WHY_SIZE];
	int bad = 0;

	for (size_t i = 0; i < u->d.nr_funcs; i++) {
		const struct lup_diff_item *it = &u->d.funcs[i];

		if (!it->orig || lup_diff_is_cold(it->orig->name) || lup_diff_matches(x, u, it->orig, why))
			continue;
		bad++;
		if (report && lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, it->orig->name,
						  u->rec->source, "%s", why))
			return -ENOMEM;
	}
	return bad;
}

static int check_var(struct lup_diff *x, struct lup_diff_unit *u, const struct lup_diff_item *it)
{
	const char *file = u->rec->source;
	const GElf_Sym *f = &it->fixed->s;

	if (GELF_ST_TYPE(f->st_info) == STT_TLS)
		return lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, it->fixed->name, file, "%s",
					   it->orig ? "a thread-local variable changes" :
					   "a new thread-local variable: a patch cannot add TLS");
	if (!it->orig)
		return lup_diff_report_add(&x->r, LUP_DIFF_NEW_DATA, it->fixed->name, file,
					   "%lu bytes", (unsigned long)f->st_size);
	if (it->orig->s.st_size != f->st_size)
		return lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, it->fixed->name, file,
					   "its size changes (%lu -> %lu bytes): the running "
					   "process holds the old one", (unsigned long)it->orig->s.st_size,
					   (unsigned long)f->st_size);
	return lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, it->fixed->name, file,
				   "its initial value changes: the running process holds its "
				   "current value, a patch cannot initialise it again");
}

int lup_diff_check_data(struct lup_diff *x, struct lup_diff_unit *u)
{
	struct lup_layout_refusals lr = { 0 };
	char **funcs = calloc(u->d.nr_funcs + 1, sizeof(*funcs));
	size_t n = 0;
	int ret = funcs ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < u->d.nr_vars; i++)
		if (!lup_diff_own_copy(u->fixed, u->d.vars[i].fixed))
			ret = check_var(x, u, &u->d.vars[i]);
	for (size_t i = 0; funcs && i < u->d.nr_funcs; i++)
		funcs[n++] = (char *)u->d.funcs[i].fixed->name;
	if (!ret && u->orig)
		ret = lup_layout_compare(u->orig_path, u->fixed_path, funcs, n, &lr);
	for (size_t i = 0; !ret && i < lr.nr; i++)
		ret = lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, "", u->rec->source, "%s",
					  lr.v[i].what);
	lup_layout_refusals_free(&lr);
	free(funcs);
	return ret;
}
