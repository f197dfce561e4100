/*
 * Why each changed function changed (the fix's own lines, or an inlined change) and the
 * functions whose changes are only line numbers the fix moved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/diff.h"

/*
 * Which functions inlined into each changed one the fix changes: for the summary, and
 * to know the functions whose own source is as it was (an object without debug info
 * for them, assembly, has none: no cause is known).
 */
int lup_diff_find_causes(struct lup_diff *x, struct lup_diff_unit *u)
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
int lup_diff_drop_line_only(struct lup_diff *x, struct lup_diff_unit *u)
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
