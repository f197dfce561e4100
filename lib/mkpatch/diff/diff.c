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
		ret = lup_diff_find_causes(x, &u) ?: lup_diff_drop_line_only(x, &u);
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
	return ret ? ret : lup_diff_link(x, dir, so);
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
