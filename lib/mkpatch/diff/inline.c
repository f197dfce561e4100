/*
 * The inlines lup-mkpatch --diff follows: for a changed function of the fixed object,
 * whether the fix changes its own source lines, and which functions inlined into it it does.
 */
#include <dwarf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/inline.h"
#include "mkpatch/diff/layout-priv.h"

/* A line of a source file: where a function is declared, or the last one with code. */
struct file_line {
	const char *file;	/* as the DWARF names it */
	unsigned int line;
};

/* The fixed object, where its functions start and its files end, and the fix's lines. */
struct inline_obj {
	struct layout_obj *lo;
	struct file_line *decls;	/* every function's, by file and line */
	size_t nr_decls;
	struct file_line *ends;		/* the last line of each file, by file */
	size_t nr_ends;
	const struct lup_line_range *ranges;
	size_t nr_ranges;
};

static int unreadable(const struct inline_obj *io, const char *what)
{
	pr_err("%s: cannot read %s: %s", io->lo->path, what, dwarf_errmsg(-1));
	return -LUP_EBADELF;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const struct file_line *)a)->file, ((const struct file_line *)b)->file);
}

static int by_file_line(const void *a, const void *b)
{
	const struct file_line *x = a, *y = b;
	int c = by_file(a, b);

	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

/* Where the function die declares starts; false: it does not say. */
static bool decl_of(Dwarf_Die *die, struct file_line *at)
{
	int line;

	at->file = dwarf_decl_file(die);
	if (!at->file || dwarf_decl_line(die, &line) || line <= 0)
		return false;
	at->line = line;
	return true;
}

static int collect_decls(struct inline_obj *io)
{
	const struct layout_obj *lo = io->lo;

	for (size_t i = 0; i < lo->nr_dies; i++) {
		struct file_line at;
		Dwarf_Die die;

		if (lo->dies[i].tag == DW_TAG_subprogram &&
		    dwarf_offdie(lo->dw, lo->dies[i].off, &die) && decl_of(&die, &at) &&
		    LUP_ARRAY_PUSH(io->decls, io->nr_decls, at))
			return -ENOMEM;
	}
	qsort(io->decls, io->nr_decls, sizeof(*io->decls), by_file_line);
	return 0;
}

static int add_line_rows(struct inline_obj *io, Dwarf_Die *cu)
{
	Dwarf_Lines *lines;
	size_t n;

	if (!dwarf_hasattr(cu, DW_AT_stmt_list))
		return 0;
	if (dwarf_getsrclines(cu, &lines, &n))
		return unreadable(io, "its line table");
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		struct file_line row = { .file = dwarf_linesrc(l, NULL, NULL) };
		int line;

		if (!row.file || dwarf_lineno(l, &line) || line <= 0)
			continue;
		row.line = line;
		if (LUP_ARRAY_PUSH(io->ends, io->nr_ends, row))
			return -ENOMEM;
	}
	return 0;
}

/* The rows of every line table, sorted, then the last of each file. */
static int collect_file_ends(struct inline_obj *io)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	size_t n = 0;
	int r, ret = 0;

	while (!ret && (r = dwarf_get_units(io->lo->dw, cu, &cu, NULL, NULL, &cudie, NULL)) == 0)
		ret = add_line_rows(io, &cudie);
	if (ret || r < 0)
		return ret ? ret : unreadable(io, "its DWARF units");
	qsort(io->ends, io->nr_ends, sizeof(*io->ends), by_file_line);
	for (size_t i = 0; i < io->nr_ends; i++) {
		if (n && by_file(&io->ends[n - 1], &io->ends[i]) == 0)
			n--;
		io->ends[n++] = io->ends[i];
	}
	io->nr_ends = n;
	return 0;
}

/* The first function declared after at in its file, else NULL. */
static const struct file_line *next_decl(const struct inline_obj *io,
					 const struct file_line *at)
{
	size_t lo = 0, hi = io->nr_decls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (by_file_line(&io->decls[mid], at) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < io->nr_decls && by_file(&io->decls[lo], at) == 0 ? &io->decls[lo] : NULL;
}

/* The last line of the function declared at: see inline.h. */
static unsigned int last_line_of(const struct inline_obj *io, const struct file_line *at)
{
	const struct file_line *next = next_decl(io, at), *end;

	if (next)
		return next->line - 1;
	end = bsearch(at, io->ends, io->nr_ends, sizeof(*io->ends), by_file);
	return end && end->line > at->line ? end->line : at->line;
}

/* file as a path: absolute, or under the compilation directory of die's unit. */
static const char *path_of(Dwarf_Die *die, const char *file, char *buf, size_t size)
{
	Dwarf_Attribute a;
	Dwarf_Die cu;
	const char *dir;

	if (file[0] == '/' || !dwarf_diecu(die, &cu, NULL, NULL) ||
	    !dwarf_attr(&cu, DW_AT_comp_dir, &a) || !(dir = dwarf_formstring(&a)))
		return file;
	return (size_t)snprintf(buf, size, "%s/%s", dir, file) < size ? buf : file;
}

/* path is file, or ends with "/" file. */
static bool is_path_of(const char *path, const char *file)
{
	size_t lp = strlen(path), lf = strlen(file);

	return lp >= lf && strcmp(path + lp - lf, file) == 0 &&
	       (lp == lf || path[lp - lf - 1] == '/');
}

/* Whether the fix changes the own lines of the function fn, see inline.h. */
static bool is_touched(const struct inline_obj *io, Dwarf_Die *fn)
{
	struct file_line at;
	char buf[PATH_MAX];
	const char *path;
	unsigned int last;

	if (!decl_of(fn, &at))
		return false;
	last = last_line_of(io, &at);
	path = path_of(fn, at.file, buf, sizeof(buf));
	for (size_t i = 0; i < io->nr_ranges; i++) {
		const struct lup_line_range *r = &io->ranges[i];

		if (r->first <= last && at.line <= r->last && is_path_of(path, r->file))
			return true;
	}
	return false;
}

/* Adds name to c->inlined unless it is there. */
static int add_inlined(struct lup_inline_cause *c, const char *name)
{
	char **v;

	for (size_t i = 0; i < c->nr_inlined; i++)
		if (strcmp(c->inlined[i], name) == 0)
			return 0;
	v = realloc(c->inlined, (c->nr_inlined + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->inlined = v;
	v[c->nr_inlined] = strdup(name);
	if (!v[c->nr_inlined])
		return -ENOMEM;
	v[++c->nr_inlined] = NULL;
	return 0;
}

/* What scope (a function, a block of it, an inlined copy) inlines that the fix touches. */
static int collect_inlined(const struct inline_obj *io, Dwarf_Die *scope,
			   struct lup_inline_cause *c)
{
	Dwarf_Die d, origin;
	Dwarf_Attribute a;
	int r = dwarf_child(scope, &d), ret = 0;

	while (!ret && r == 0) {
		int tag = dwarf_tag(&d);
		const char *name;

		if (tag == DW_TAG_inlined_subroutine &&
		    dwarf_attr(&d, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin) &&
		    (name = layout_symbol_of(&origin)) && is_touched(io, &origin))
			ret = add_inlined(c, name);
		if (!ret && (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block))
			ret = collect_inlined(io, &d, c);
		if (!ret)
			r = dwarf_siblingof(&d, &d);
	}
	return ret ? ret : r < 0 ? unreadable(io, "its DWARF") : 0;
}

/*
 * Each DIE of func with code or lines: not its declarations. A clone's DIE has the
 * function's name through its origin, as lup_layout_compare finds it.
 */
static int find_cause(const struct inline_obj *io, const char *func,
		      struct lup_inline_cause *c)
{
	char *key = layout_fmt("func %.*s", (int)strcspn(func, "."), func);
	struct layout_die *d;
	void *it = NULL;
	Dwarf_Die die;
	int ret = 0;

	c->func = strdup(func);
	c->inlined = calloc(1, sizeof(*c->inlined));
	if (!key || !c->func || !c->inlined)
		ret = -ENOMEM;
	while (!ret && (d = layout_next(io->lo, key, &it))) {
		if (d->decl || !dwarf_offdie(io->lo->dw, d->off, &die))
			continue;
		c->touched = c->touched || is_touched(io, &die);
		ret = collect_inlined(io, &die, c);
	}
	free(key);
	return ret;
}

static int find_causes(struct inline_obj *io, char *const *funcs, size_t nr_funcs,
		       struct lup_inline_causes *out)
{
	int ret = collect_decls(io);

	if (!ret)
		ret = collect_file_ends(io);
	if (!ret && nr_funcs && !(out->v = calloc(nr_funcs, sizeof(*out->v))))
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < nr_funcs; i++) {
		out->nr++;
		ret = find_cause(io, funcs[i], &out->v[i]);
	}
	return ret;
}

int lup_inline_causes(const char *fixed_obj, char *const *funcs, size_t nr_funcs,
		      const struct lup_line_range *ranges, size_t nr_ranges,
		      struct lup_inline_causes *out)
{
	struct inline_obj io = { .ranges = ranges, .nr_ranges = nr_ranges };
	int ret;

	*out = (struct lup_inline_causes){ 0 };
	ret = layout_open(fixed_obj, &io.lo);
	if (ret)
		return ret;
	ret = find_causes(&io, funcs, nr_funcs, out);
	if (ret == -ENOMEM)
		pr_err("%s: cannot follow its inlines: %s", fixed_obj, lup_strerror(ret));
	if (ret)
		lup_inline_causes_free(out);
	free(io.decls);
	free(io.ends);
	layout_close(io.lo);
	return ret;
}

void lup_inline_causes_free(struct lup_inline_causes *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		for (size_t j = 0; j < c->v[i].nr_inlined; j++)
			free(c->v[i].inlined[j]);
		free(c->v[i].inlined);
		free(c->v[i].func);
	}
	free(c->v);
	c->v = NULL;
	c->nr = 0;
}
