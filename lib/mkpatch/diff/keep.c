/* What the patch keeps of a changed source, and the summary's line for each function. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/diff.h"

/* "a, b" of the functions inlined into one (NULL terminated). */
static char *joined(char *const *names)
{
	size_t len = 1;
	char *s;

	for (char *const *n = names; *n; n++)
		len += strlen(*n) + 2;
	s = calloc(1, len);
	for (char *const *n = names; s && *n; n++)
		strcat(strcat(s, n == names ? "" : ", "), *n);
	return s;
}

/* Why a function whose own lines the fix does not touch changed. */
static int report_followed(struct lup_diff *x, const char *name, const char *file,
			   const struct lup_inline_cause *c)
{
	char *inl = c->nr_inlined ? joined(c->inlined) : NULL;
	int ret;

	if (c->nr_inlined && !inl)
		return -ENOMEM;
	ret = inl ? lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file, "replaced: the "
					"change of %s inlined into it", inl) :
		    lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file, "replaced: its code "
					"changed, not its lines (a macro, constant or type it uses, "
					"or an inlined change the debug info does not show)");
	free(inl);
	return ret;
}

/* The summary's line for a changed function of the program's build (c: why, or NULL). */
static int report_func(struct lup_diff *x, const struct lup_diff_unit *u,
		       const struct lup_diff_item *it, const struct lup_inline_cause *c)
{
	const char *file = u->rec->source, *name = it->fixed->name;
	size_t base = lup_mkpatch_clone_base_len(name, NULL);

	if (it->kind == LUP_DIFF_NEW && !base)
		return lup_diff_report_add(&x->r, LUP_DIFF_NEW_FUNC, name, file, "added by the fix");
	if (it->kind == LUP_DIFF_NEW)
		return lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file,
					   "a new %s of %.*s", lup_diff_is_cold(name) ? "part" : "clone",
					   (int)base, name);
	if (lup_diff_is_cold(name))
		return lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file,
					   "part of %.*s, in the patch with it", (int)base, name);
	if (base && c && c->nr_inlined) {
		char *inl = joined(c->inlined);
		int ret = inl ? lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file,
						    "clone of %.*s, replaced as itself: the change "
						    "of %s inlined into it", (int)base, name, inl) :
				-ENOMEM;

		free(inl);
		return ret;
	}
	if (base)
		return lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, name, file,
					   "clone of %.*s, replaced as itself", (int)base, name);
	if (c && !c->touched)
		return report_followed(x, name, file, c);
	return lup_diff_report_add(&x->r, LUP_DIFF_REPLACED, name, file, "its code changed");
}

static int keep(struct lup_diff_keep *k, const char *name, const char *replaces)
{
	struct lup_extract_keep *v;

	for (size_t i = 0; i < k->nr; i++)
		if (strcmp(k->v[i].name, name) == 0)
			return 0;
	v = realloc(k->v, (k->nr + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	k->v = v;
	k->v[k->nr++] = (struct lup_extract_keep){ name, replaces };
	return 0;
}

/* A function that changed only as compiled for the patch: replaced too, when it matches. */
static int keep_pic_only(struct lup_diff *x, struct lup_diff_unit *u,
			 const struct lup_diff_item *it, struct lup_diff_keep *k)
{
	const struct lup_obj_sym *o = it->orig && u->orig ? lup_obj_find(u->orig, it->orig->name) :
							    NULL;
	char why[LUP_DIFF_WHY_SIZE];

	if (lup_diff_find(&u->d, it->fixed->name) ||
	    lup_diff_only_lines(&u->pd, it, &x->hunks, u->rec->source))
		return 0;
	if (o && !lup_diff_is_cold(o->name) && !lup_diff_matches(x, u, o, why))
		return lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, o->name, u->rec->source, "%s",
					   why) ?: 1;
	if (o && !lup_diff_is_cold(o->name) && lup_diff_report_add(&x->r, LUP_DIFF_FOLLOWED, o->name,
							   u->rec->source, "changed as compiled "
							   "for the patch (-fPIC inlines otherwise): "
							   "replaced too"))
		return -ENOMEM;
	return keep(k, it->fixed->name, o && !lup_diff_is_cold(o->name) ? o->name : NULL);
}

/*
 * A function the target does not have (one an --on patch added, or one its build
 * inlined everywhere): the patch's code that calls it calls a copy of its own.
 */
static bool not_in_target(struct lup_diff *x, const struct lup_diff_unit *u,
			  const struct lup_obj_sym *s)
{
	const struct lup_sym *t;
	bool local = GELF_ST_BIND(s->s.st_info) == STB_LOCAL;

	return GELF_ST_TYPE(s->s.st_info) == STT_FUNC && lup_obj_is_def(s) && *s->name &&
	       lup_elf_find_sym(x->m->target, lup_diff_orig_name_of(&u->d, s->name),
				local ? u->fixed->file : NULL, &t) == -ENOENT;
}

/*
 * What the patch keeps of a unit's fixed object compiled for it: what changed in
 * either build (the program's flags decide, -fPIC may inline differently: a function
 * it changes too is replaced as well), the .cold parts of those, the new variables.
 */
int lup_diff_keep_list(struct lup_diff *x, struct lup_diff_unit *u, struct lup_diff_keep *k)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < u->d.nr_funcs; i++) {
		const struct lup_diff_item *it = &u->d.funcs[i];

		if (!lup_obj_find(u->pic_fixed, it->fixed->name))
			return lup_diff_report_add(&x->r, LUP_DIFF_REFUSED, it->fixed->name,
						   u->rec->source, "compiled for the patch (-fPIC) "
						   "there is no function of that name: the compiler "
						   "made other clones") ?: 1;
		ret = report_func(x, u, it, i < u->causes.nr ? &u->causes.v[i] : NULL) ?:
		      keep(k, it->fixed->name, it->orig && !lup_diff_is_cold(it->fixed->name) ?
				      it->orig->name : NULL);
	}
	for (size_t i = 0; !ret && i < u->pd.nr_funcs; i++)
		ret = keep_pic_only(x, u, &u->pd.funcs[i], k);
	for (size_t i = 0; !ret && i < k->nr; i++) {
		char cold[512];

		if (snprintf(cold, sizeof(cold), "%s.cold", k->v[i].name) < (int)sizeof(cold) &&
		    lup_obj_find(u->pic_fixed, cold))
			ret = keep(k, lup_obj_find(u->pic_fixed, cold)->name, NULL);
	}
	for (size_t i = 0; !ret && i < u->d.nr_vars; i++)
		if (u->d.vars[i].kind == LUP_DIFF_NEW)
			ret = keep(k, u->d.vars[i].fixed->name, NULL);
	/* the linker keeps of these what the patch's code refers to */
	for (size_t i = 1; !ret && i < u->pic_fixed->nr_syms; i++)
		if (lup_diff_own_copy(u->pic_fixed, &u->pic_fixed->syms[i]) ||
		    not_in_target(x, u, &u->pic_fixed->syms[i]))
			ret = keep(k, u->pic_fixed->syms[i].name, NULL);
	return ret;
}
