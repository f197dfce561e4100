/*
 * lup-mkpatch --diff: both trees built through the wrapper, the objects the fix
 * changes compared function by function, the refusals, then the changed sources
 * compiled again for the patch (position independent, -pg -mfentry for the runtime:
 * what hand-written patches get), their patch part extracted and linked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/diff.h"
#include "mkpatch/diff/extract.h"

/* What a patch's code is compiled with besides the program's own flags (mkpatch-build.c). */
static const char *const pic_flags[] = {
	"-fPIC", "-fno-semantic-interposition", "-fno-plt", "-pg", "-mfentry", NULL, NULL,
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Byte-identical objects: nothing changed there (the usual case: no need to parse them). */
static bool same_file(const char *a, const char *b)
{
	FILE *x = fopen(a, "re"), *y = fopen(b, "re");
	bool same = x && y;
	char p[65536], q[65536];
	size_t n, k;

	while (same && (n = fread(p, 1, sizeof(p), x)) > 0) {
		k = fread(q, 1, n, y);
		same = k == n && memcmp(p, q, n) == 0;
	}
	same = same && fgetc(y) == EOF;
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return same;
}

static const struct lup_cc_record *find_record(const struct lup_cc_records *r, const char *obj)
{
	for (size_t i = 0; i < r->nr; i++)
		if (strcmp(r->v[i].object, obj) == 0)
			return &r->v[i];
	return NULL;
}

/* The original object of a compilation of the fixed tree; compiled the same way when missing. */
static int orig_object(struct lup_diff *x, struct lup_cc_record *rec, char **path)
{
	char *src = lup_diff_tree_path(&x->b, LUP_TREE_ORIG, rec->source);
	int ret = 0;

	*path = lup_diff_tree_path(&x->b, LUP_TREE_ORIG, rec->object);
	if (!src || !*path) {
		free(src);
		return -ENOMEM;
	}
	if (!exists(src)) {	/* a source the fix adds */
		free(*path);
		*path = NULL;
	} else if (!find_record(&x->recs[LUP_TREE_ORIG], rec->object) || !exists(*path)) {
		ret = lup_diff_compile(&x->b, LUP_TREE_ORIG, rec, NULL, NULL);
	}
	free(src);
	return ret;
}

static void unit_free(struct lup_diff_unit *u)
{
	lup_diff_objs_free(&u->d);
	lup_diff_objs_free(&u->pd);
	lup_obj_close(u->orig);
	lup_obj_close(u->fixed);
	lup_obj_close(u->pic_orig);
	lup_obj_close(u->pic_fixed);
	lup_inline_causes_free(&u->causes);
	free(u->orig_path);
	free(u->fixed_path);
}

static int add_unit(struct lup_diff *x, struct lup_diff_unit *u)
{
	struct lup_diff_unit *v = realloc(x->units, (x->nr_units + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	x->units = v;
	x->units[x->nr_units++] = *u;
	return 0;
}

/*
 * Which functions inlined into each changed one the fix changes: for the summary, and
 * to know the functions whose own source is as it was (an object without debug info
 * for them, assembly, has none: no cause is known).
 */
static int find_causes(struct lup_diff *x, struct lup_diff_unit *u)
{
	char **names = calloc(u->d.nr_funcs + 1, sizeof(*names));
	int ret;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < u->d.nr_funcs; i++)
		names[i] = (char *)u->d.funcs[i].fixed->name;
	ret = lup_inline_causes(u->fixed_path, names, u->d.nr_funcs, x->hunks.v, x->hunks.nr,
				&u->causes);
	free(names);
	return ret == -ENOMEM ? ret : 0;
}

static void cause_free(struct lup_inline_cause *c)
{
	for (size_t i = 0; i < c->nr_inlined; i++)
		free(c->inlined[i]);
	free(c->inlined);
	free(c->func);
}

/*
 * A function whose own lines the fix does not touch, into which nothing it changes is
 * inlined, and whose code differs only in line numbers the fix moved (assert()'s
 * __LINE__): not replaced.
 */
static int drop_line_only(struct lup_diff *x, struct lup_diff_unit *u)
{
	size_t kept = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < u->d.nr_funcs; i++) {
		struct lup_inline_cause *c = i < u->causes.nr ? &u->causes.v[i] : NULL;

		if (c && !c->touched && !c->nr_inlined &&
		    lup_diff_only_lines(&u->d, &u->d.funcs[i], &x->hunks, u->rec->source)) {
			ret = lup_diff_report_add(&x->r, LUP_DIFF_IGNORED, c->func, u->rec->source,
						  "only line numbers the fix moved differ: not "
						  "replaced");
			cause_free(c);
			continue;
		}
		u->d.funcs[kept] = u->d.funcs[i];
		if (c)
			u->causes.v[kept] = *c;
		kept++;
	}
	u->d.nr_funcs = kept;
	u->causes.nr = u->causes.nr ? kept : 0;
	return ret;
}

/* Compares one compilation's objects; a unit when the fix changed something there. */
static int compare_one(struct lup_diff *x, struct lup_cc_record *rec)
{
	struct lup_diff_unit u = { .rec = rec };
	int ret;

	u.fixed_path = lup_diff_tree_path(&x->b, LUP_TREE_FIXED, rec->object);
	if (!u.fixed_path)
		return -ENOMEM;
	ret = exists(u.fixed_path) ? orig_object(x, rec, &u.orig_path) : 1;
	if (!ret && u.orig_path && same_file(u.orig_path, u.fixed_path))
		ret = 1;
	if (!ret && u.orig_path)
		ret = lup_obj_open(u.orig_path, false, &u.orig);
	if (!ret)
		ret = lup_obj_open(u.fixed_path, false, &u.fixed);
	if (!ret)
		ret = lup_diff_compare(u.orig, u.fixed, &u.d);
	if (!ret && u.d.nr_funcs)
		ret = find_causes(x, &u) ?: drop_line_only(x, &u);
	if (!ret && (u.d.nr_funcs || u.d.nr_vars))
		return add_unit(x, &u);
	unit_free(&u);
	return ret > 0 ? 0 : ret;
}

static int run_builds(struct lup_diff *x)
{
	const struct lup_mkpatch_opts *o = x->m->o;
	double t = now();
	int ret;

	x->b.cmd = o->build_cmd && *o->build_cmd ? o->build_cmd : "make";
	ret = lup_hunks_read(o->diff, o->strip, &x->hunks);
	if (!ret)
		ret = lup_diff_prepare(&x->b, o->srcdir, o->diff, o->strip);
	for (int i = 0; !ret && i < 2; i++) {
		enum lup_tree tree = i ? LUP_TREE_ORIG : LUP_TREE_FIXED;

		pr_info("%s: building the %s tree ('%s')", o->srcdir, i ? "original" : "fixed",
			x->b.cmd);
		ret = lup_diff_run_build(&x->b, tree);
		if (!ret)
			ret = lup_diff_records(&x->b, tree, &x->recs[tree]);
		x->r.seconds[tree == LUP_TREE_ORIG ? 0 : 1] = now() - t;
		t = now();
	}
	for (size_t i = 0; !ret && i < x->recs[LUP_TREE_FIXED].nr; i++)
		ret = compare_one(x, &x->recs[LUP_TREE_FIXED].v[i]);
	if (!ret && !x->nr_units) {
		pr_err("%s: the fix changes no function or variable of %s's objects", o->diff,
		       o->srcdir);
		ret = -LUP_EBADPATCH;
	}
	return ret;
}

/* unit's source compiled again in tree t for the patch, into work/pic/N.{orig,fixed}.o. */
static int compile_pic(struct lup_diff *x, size_t n, enum lup_tree t, struct lup_obj **out)
{
	struct lup_diff_unit *u = &x->units[n];
	char *dir = lup_diff_work_path(&x->b, "pic"), *path = NULL;
	const char *tls = x->m->target_static ? "-ftls-model=initial-exec" :
						"-ftls-model=global-dynamic";
	const char *flags[sizeof(pic_flags) / sizeof(pic_flags[0])];
	int ret = dir ? 0 : -ENOMEM;

	memcpy(flags, pic_flags, sizeof(flags));
	flags[sizeof(flags) / sizeof(flags[0]) - 2] = tls;
	if (!ret && mkdir(dir, 0700) && errno != EEXIST)
		ret = -errno;
	if (!ret && asprintf(&path, "%s/%zu.%s.o", dir, n, t == LUP_TREE_ORIG ? "orig" : "fixed") < 0)
		ret = -ENOMEM;
	if (!ret)
		ret = lup_diff_compile(&x->b, t, u->rec, flags, path);
	if (!ret)
		ret = lup_obj_open(path, false, out);
	free(dir);
	free(path);
	return ret;
}

static int compile_units(struct lup_diff *x)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < x->nr_units; i++) {
		struct lup_diff_unit *u = &x->units[i];

		if (u->orig)
			ret = compile_pic(x, i, LUP_TREE_ORIG, &u->pic_orig);
		if (!ret)
			ret = compile_pic(x, i, LUP_TREE_FIXED, &u->pic_fixed);
		if (!ret)
			ret = lup_diff_compare(u->pic_orig, u->pic_fixed, &u->pd);
	}
	return ret;
}

/*
 * A source compiled twice into different objects (libtool: the shared library's and
 * the static one's): the one whose code is what runs. The others are dropped.
 */
static int select_units(struct lup_diff *x)
{
	size_t kept = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < x->nr_units; i++) {
		struct lup_diff_unit *u = &x->units[i];
		bool dup = false, last = true;

		for (size_t j = 0; j < kept; j++)
			dup |= strcmp(x->units[j].rec->source, u->rec->source) == 0;
		for (size_t j = i + 1; j < x->nr_units; j++)
			last &= strcmp(x->units[j].rec->source, u->rec->source) != 0;
		if (!dup && !u->orig)
			ret = 0;
		else if (!dup)
			ret = lup_diff_check_target(x, u, last);
		if (ret < 0)
			break;
		if (dup || (ret > 0 && !last)) {
			unit_free(u);
			ret = 0;
			continue;
		}
		x->units[kept++] = *u;
		ret = 0;
	}
	x->nr_units = kept;
	return ret;
}

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

struct keep_list {
	struct lup_extract_keep *v;
	size_t nr;
};

static int keep(struct keep_list *k, const char *name, const char *replaces)
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
			 const struct lup_diff_item *it, struct keep_list *k)
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
static int keep_list(struct lup_diff *x, struct lup_diff_unit *u, struct keep_list *k)
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

/* The placeholders' definitions, hidden: the code's PC32 references are resolved to them. */
static int write_placeholders(struct lup_diff *x, const struct lup_extract_pcs *pcs, char **path)
{
	FILE *f;
	int ret = 0;

	*path = lup_diff_work_path(&x->b, "placeholders.S");
	if (!*path || !(f = fopen(*path, "wxe")))
		return *path ? -errno : -ENOMEM;
	fputs("\t.section .lup.pc,\"a\",@progbits\n", f);
	for (size_t i = 0; i < pcs->nr; i++) {
		if (strpbrk(pcs->names[i], "\"\\\n")) {
			pr_err("%s: symbol name %s cannot be written", *path, pcs->names[i]);
			ret = -LUP_EBADPATCH;
		}
		fprintf(f, "\t.globl \"%s\"\n\t.hidden \"%s\"\n\"%s\":\t.byte 0\n", pcs->names[i],
			pcs->names[i], pcs->names[i]);
	}
	fputs("\t.section .note.GNU-stack,\"\",@progbits\n", f);
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* work/pic/N.o: the unit's fixed object for the patch, debug info stripped, extracted. */
static int extract_unit(struct lup_diff *x, size_t n, const struct keep_list *k,
			struct lup_extract_pcs *pcs, char **path)
{
	struct lup_diff_unit *u = &x->units[n];
	struct lup_obj *o = NULL;
	char *what = NULL;
	int ret;

	if (asprintf(path, "%s/pic/%zu.o", x->b.work, n) < 0 ||
	    asprintf(&what, "%s: objcopy --strip-debug", u->pic_fixed->path) < 0) {
		free(what);
		return -ENOMEM;
	}
	ret = lup_diff_run((char *[]){ "objcopy", "--strip-debug", u->pic_fixed->path, *path,
				       NULL }, what, -LUP_EBADPATCH);
	if (!ret)
		ret = lup_obj_open(*path, true, &o);
	if (!ret)
		ret = lup_diff_extract(o, &u->d, k->v, k->nr, pcs);
	lup_obj_close(o);
	free(what);
	return ret;
}

/* The patch's parts of the units, extracted and linked with their placeholders. */
static int link_patch(struct lup_diff *x, char **dir, char **so)
{
	static char *const flags[] = { "-Wl,--gc-sections", "-Wl,--emit-relocs" };
	struct lup_mkpatch_opts o = *x->m->o;
	struct lup_extract_pcs pcs = { 0 };
	char **objs = calloc(x->nr_units + 2, sizeof(*objs));
	size_t n = 0;
	int ret = objs ? 0 : -ENOMEM, refused = 0;

	for (size_t i = 0; !ret && i < x->nr_units; i++) {
		struct keep_list k = { 0 };

		ret = keep_list(x, &x->units[i], &k);
		refused |= ret > 0;
		if (!ret && !refused)
			ret = extract_unit(x, i, &k, &pcs, &objs[n++]);
		ret = ret > 0 ? 0 : ret;
		free(k.v);
	}
	if (!ret && (refused || lup_diff_report_count(&x->r, LUP_DIFF_REFUSED)))
		ret = -LUP_EBADPATCH;
	if (!ret)
		ret = write_placeholders(x, &pcs, &objs[n++]);
	o.srcs = objs;
	o.nr_srcs = n;
	o.cflags = flags;
	o.nr_cflags = sizeof(flags) / sizeof(flags[0]);
	if (!ret)
		ret = lup_mkpatch_build_so(&o, x->m->target_static, dir, so);
	for (size_t i = 0; objs && i < n; i++)
		free(objs[i]);
	free(objs);
	lup_extract_pcs_free(&pcs);
	return ret;
}

static int load_ons(struct lup_diff *x)
{
	const uint8_t *id;
	size_t len;
	int ret = 0;

	x->ons = calloc(x->m->o->nr_ons + 1, sizeof(*x->ons));
	if (!x->ons)
		return -ENOMEM;
	lup_elf_build_id(x->m->target, &id, &len);
	for (size_t i = 0; !ret && i < x->m->o->nr_ons; i++) {
		const LupPatch *p;

		ret = lup_patch_read(x->m->o->ons[i], &x->ons[i]);
		p = x->ons[i];
		if (!ret && (p->target_build_id.len != len || memcmp(p->target_build_id.data, id, len))) {
			pr_err("%s: built for another build of %s (build-id differs)", x->m->o->ons[i],
			       x->m->o->target);
			ret = -LUP_EBADPATCH;
		}
	}
	return ret;
}

int lup_mkpatch_diff_so(struct lup_mkpatch *m, char **dir, char **so)
{
	struct lup_diff *x = calloc(1, sizeof(*x));
	int ret = x ? 0 : -ENOMEM;

	m->diff = x;
	if (!x)
		return ret;
	x->m = m;
	x->r.seconds[2] = now();
	ret = load_ons(x);
	if (!ret)
		ret = run_builds(x);
	if (!ret)
		ret = compile_units(x);
	if (!ret)
		ret = select_units(x);
	for (size_t i = 0; !ret && i < x->nr_units; i++)
		ret = lup_diff_check_data(x, &x->units[i]);
	return ret ? ret : link_patch(x, dir, so);
}

int lup_mkpatch_diff_expects(struct lup_mkpatch *m)
{
	for (size_t i = 0; i < m->o->nr_ons; i++) {
		char *id = strdup(m->diff->ons[i]->id);
		bool known = false;

		for (size_t k = 0; id && k < m->p->n_expects; k++)
			known |= strcmp(m->p->expects[k], id) == 0;
		if (!id || (!known && lup_mkpatch_push(&m->p->expects, &m->p->n_expects, id))) {
			free(id);
			return -ENOMEM;
		}
		if (known)
			free(id);
	}
	return 0;
}

/* The JSON summary, with the names of the functions the written patch replaces. */
static void report_json(struct lup_mkpatch *m, int ret)
{
	size_t n = !ret && m->p ? m->p->n_funcs : 0;
	char **names = calloc(n + 1, sizeof(*names));

	for (size_t i = 0; names && i < n; i++)
		names[i] = m->p->funcs[i]->name;
	lup_diff_report_json(&m->diff->r, m->o->json, m->o->out, ret, names, names ? n : 0);
	free(names);
}

void lup_mkpatch_diff_done(struct lup_mkpatch *m, int ret)
{
	struct lup_diff *x = m->diff;

	if (!x)
		return;
	x->r.seconds[2] = now() - x->r.seconds[2];
	lup_diff_report_print(&x->r, m->o->out, ret);
	if (m->o->json)
		report_json(m, ret);
	for (size_t i = 0; i < x->nr_units; i++)
		unit_free(&x->units[i]);
	free(x->units);
	for (size_t i = 0; x->ons && i < m->o->nr_ons; i++)
		lup_patch_free(x->ons[i]);
	free(x->ons);
	lup_diff_records_free(&x->recs[0]);
	lup_diff_records_free(&x->recs[1]);
	lup_diff_cleanup(&x->b);
	lup_hunks_free(&x->hunks);
	lup_diff_report_free(&x->r);
	free(x);
	m->diff = NULL;
}
