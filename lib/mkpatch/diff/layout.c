/*
 * The data layout check of lup-mkpatch --diff: the types the changed functions use and
 * the static variables, in the DWARF of the original and the fixed object of one source.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/layout-priv.h"

static void reach_type(struct layout_obj *o, Dwarf_Die *type);
static void reach_function(struct layout_obj *o, Dwarf_Die *fn);

static void reach_type_of(struct layout_obj *o, Dwarf_Die *die)
{
	Dwarf_Die t;

	if (layout_type_of(die, &t))
		reach_type(o, &t);
}

/* A struct met as a declaration (struct A::B; in A) is also used in its definition. */
static void reach_definition(struct layout_obj *o, const struct layout_die *decl)
{
	struct layout_die *def = layout_find(o, decl->key);
	Dwarf_Die die;

	if (def && def != decl && dwarf_offdie(o->dw, def->off, &die))
		reach_type(o, &die);
}

/* Marks type and what it is made of as used; each struct, enum and typedef once. */
static void reach_type(struct layout_obj *o, Dwarf_Die *type)
{
	struct layout_die *d = layout_die_at(o, dwarf_dieoffset(type));
	int tag = dwarf_tag(type);
	Dwarf_Die part;

	if (d && d->reached)
		return;
	if (d)
		d->reached = true;
	if (d && d->decl && d->key)
		reach_definition(o, d);
	/* What a pointer, array, typedef or qualifier is of; what a function returns. */
	reach_type_of(o, type);
	if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type &&
	    tag != DW_TAG_union_type && tag != DW_TAG_subroutine_type)
		return;
	/* Member functions are not data: only members, base classes and parameters. */
	for (int r = dwarf_child(type, &part); r == 0; r = dwarf_siblingof(&part, &part))
		if (dwarf_tag(&part) == DW_TAG_member || dwarf_tag(&part) == DW_TAG_inheritance ||
		    dwarf_tag(&part) == DW_TAG_formal_parameter)
			reach_type_of(o, &part);
}

/* The parameters and locals of a function or a block of it, and what it inlines. */
static void reach_scope(struct layout_obj *o, Dwarf_Die *scope)
{
	Dwarf_Die d;

	for (int r = dwarf_child(scope, &d); r == 0; r = dwarf_siblingof(&d, &d)) {
		switch (dwarf_tag(&d)) {
		case DW_TAG_formal_parameter:
		case DW_TAG_variable:
			reach_type_of(o, &d);
			break;
		case DW_TAG_lexical_block:
			reach_scope(o, &d);
			break;
		case DW_TAG_inlined_subroutine:
			reach_function(o, &d);
			break;
		}
	}
}

static void reach_function(struct layout_obj *o, Dwarf_Die *fn)
{
	Dwarf_Attribute a;
	Dwarf_Die origin;

	reach_type_of(o, fn);
	reach_scope(o, fn);
	/* A concrete or inlined copy lists what survived optimisation; the abstract one, all. */
	if (dwarf_attr(fn, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin))
		reach_scope(o, &origin);
}

/*
 * Every DIE of each changed function: declaration, abstract instance, out-of-line copies.
 * A clone (f.constprop.0, f.isra.0, f.part.0, f.cold) is f's code, and its DIE has f's
 * name through its abstract origin: C and C++ symbols have a '.' only where the compiler
 * appends such a suffix.
 */
static int reach_changed(struct layout_obj *o, char *const *funcs, size_t nr_funcs)
{
	for (size_t i = 0; i < nr_funcs; i++) {
		char *key = layout_fmt("func %.*s", (int)strcspn(funcs[i], "."), funcs[i]);
		struct layout_die *d;
		void *it = NULL;
		Dwarf_Die die;
		bool found = false;

		if (!key)
			return -ENOMEM;
		while ((d = layout_next(o, key, &it)))
			if (dwarf_offdie(o->dw, d->off, &die)) {
				reach_function(o, &die);
				found = true;
			}
		if (!found)
			pr_warn("%s: no debug info for function %s: the types it uses are "
				"not checked", o->path, funcs[i]);
		free(key);
	}
	return 0;
}

static bool is_var(const struct layout_die *d)
{
	return (d->tag == DW_TAG_variable || d->tag == DW_TAG_member) && d->key;
}

/*
 * The types of the static variables that both objects have count as used: the process
 * holds them in the old layout, and the DIE of a function that uses one does not say so.
 */
static void reach_static_vars(struct layout_obj *fixed, const struct layout_obj *orig)
{
	for (size_t i = 0; i < fixed->nr_dies; i++) {
		Dwarf_Die die;

		if (is_var(&fixed->dies[i]) && layout_find(orig, fixed->dies[i].key) &&
		    dwarf_offdie(fixed->dw, fixed->dies[i].off, &die))
			reach_type_of(fixed, &die);
	}
}

/* A typedef of the changed functions naming another type, or an anonymous one changed. */
static int compare_typedef(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			   Dwarf_Die *orig)
{
	Dwarf_Die tf, to;
	bool hf = layout_type_of(fixed, &tf), ho = layout_type_of(orig, &to);
	char *sf = NULL, *so = NULL;
	int ret = layout_print_type(c->fixed, hf ? &tf : NULL, &sf);

	if (!ret)
		ret = layout_print_type(c->orig, ho ? &to : NULL, &so);
	if (!ret && strcmp(sf, so))
		ret = layout_refuse(c, "typedef %s: %s -> %s", label, so, sf);
	else if (!ret && hf && ho)
		ret = layout_compare_anon(c, label, &tf, &to);
	free(sf);
	free(so);
	return ret;
}

static int compare_root(struct layout_cmp *c, const struct layout_die *f)
{
	const struct layout_die *o = layout_find(c->orig, f->key);
	Dwarf_Die df, dor;
	char *label;
	int ret;

	/* New in fixed, or only declared in orig (its layout is another file's). */
	if (!o || o->decl || !dwarf_offdie(c->fixed->dw, f->off, &df) ||
	    !dwarf_offdie(c->orig->dw, o->off, &dor))
		return 0;
	label = f->fn ? layout_fmt("%s (in %s)", f->name, f->fn) : strdup(f->name);
	if (!label)
		return -ENOMEM;
	if (f->tag == DW_TAG_typedef)
		ret = compare_typedef(c, label, &df, &dor);
	else
		ret = layout_compare_types(c, label, &df, &dor);
	free(label);
	return ret;
}

/* The named types and typedefs the changed functions use (anonymous ones come inside). */
static int compare_used_types(struct layout_cmp *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->fixed->nr_dies; i++) {
		const struct layout_die *f = &c->fixed->dies[i];

		if (f->reached && f->key && f->name && !f->decl)
			ret = compare_root(c, f);
	}
	return ret;
}

/* "variable 'table' (in f): size 64 -> 80, type int[16] -> int[20]" */
static int refuse_var(struct layout_cmp *c, const char *label, int64_t zf, int64_t zo,
		      const char *sf, const char *so)
{
	char a[24] = "?", b[24] = "?";

	if (zo >= 0)
		snprintf(a, sizeof(a), "%lld", (long long)zo);
	if (zf >= 0)
		snprintf(b, sizeof(b), "%lld", (long long)zf);
	if (zf == zo)
		return layout_refuse(c, "%s: type %s -> %s", label, so, sf);
	if (strcmp(sf, so) == 0)
		return layout_refuse(c, "%s: size %s -> %s (type %s)", label, a, b, sf);
	return layout_refuse(c, "%s: size %s -> %s, type %s -> %s", label, a, b, so, sf);
}

static int compare_var(struct layout_cmp *c, const struct layout_die *f,
		       const struct layout_die *o)
{
	Dwarf_Die df, dor, tf, to;
	bool hf, ho;
	char *sf = NULL, *so = NULL, *label;
	int64_t zf, zo;
	int ret;

	if (!dwarf_offdie(c->fixed->dw, f->off, &df) || !dwarf_offdie(c->orig->dw, o->off, &dor))
		return 0;
	hf = layout_type_of(&df, &tf);
	ho = layout_type_of(&dor, &to);
	zf = hf ? layout_type_size(&tf) : -1;
	zo = ho ? layout_type_size(&to) : -1;
	label = layout_fmt("variable '%s'%s%s%s", f->name, f->fn ? " (in " : "",
			   f->fn ? f->fn : "", f->fn ? ")" : "");
	ret = label ? layout_print_type(c->fixed, hf ? &tf : NULL, &sf) : -ENOMEM;
	if (!ret)
		ret = layout_print_type(c->orig, ho ? &to : NULL, &so);
	if (!ret && (zf != zo || strcmp(sf, so)))
		ret = refuse_var(c, label, zf, zo, sf, so);
	else if (!ret && hf && ho)
		ret = layout_compare_anon(c, label, &tf, &to);
	free(sf);
	free(so);
	free(label);
	return ret;
}

/* Each static variable of both objects once: its definition, else its declaration. */
static int compare_vars(struct layout_cmp *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->fixed->nr_dies; i++) {
		const struct layout_die *f = &c->fixed->dies[i], *o;

		if (!is_var(f) || layout_find(c->fixed, f->key) != f)
			continue;
		o = layout_find(c->orig, f->key);
		if (o)
			ret = compare_var(c, f, o);
	}
	return ret;
}

int lup_layout_compare(const char *orig_obj, const char *fixed_obj, char *const *funcs,
		       size_t nr_funcs, struct lup_layout_refusals *out)
{
	struct layout_obj *orig = NULL, *fixed = NULL;
	struct layout_cmp c = { .out = out };
	int ret = layout_open(orig_obj, &orig);

	if (!ret)
		ret = layout_open(fixed_obj, &fixed);
	if (!ret) {
		c.orig = orig;
		c.fixed = fixed;
		ret = reach_changed(fixed, funcs, nr_funcs);
		reach_static_vars(fixed, orig);
		if (!ret)
			ret = compare_used_types(&c);
		if (!ret)
			ret = compare_vars(&c);
		if (ret)
			pr_err("%s: cannot compare its data layout with %s: %s", fixed_obj,
			       orig_obj, lup_strerror(ret));
	}
	layout_close(orig);
	layout_close(fixed);
	return ret;
}

void lup_layout_refusals_free(struct lup_layout_refusals *r)
{
	for (size_t i = 0; i < r->nr; i++)
		free(r->v[i].what);
	free(r->v);
	r->v = NULL;
	r->nr = 0;
}
