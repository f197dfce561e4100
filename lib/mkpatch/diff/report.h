/* What lup-mkpatch --diff found and did: the summary, as text and as JSON. */
#ifndef LUP_DIFF_REPORT_H
#define LUP_DIFF_REPORT_H

#include <stddef.h>
#include <stdio.h>

enum lup_diff_role {
	LUP_DIFF_REPLACED,	/* a function of the target the patch replaces */
	LUP_DIFF_NEW_FUNC,	/* a function the fix adds */
	LUP_DIFF_NEW_DATA,	/* a variable the fix adds */
	LUP_DIFF_FOLLOWED,	/* a clone, a part, or a function an inlined change reached */
	LUP_DIFF_IGNORED,	/* a function whose code differs only in moved line numbers */
	LUP_DIFF_REFUSED,	/* why the fix cannot be a live patch */
};

struct lup_diff_entry {
	enum lup_diff_role role;
	char *name;
	char *file;		/* its source, relative to the source directory */
	char *why;		/* how it changed, or why it is refused */
};

struct lup_diff_report {
	struct lup_diff_entry *v;
	size_t nr;
	double seconds[3];	/* the two builds, then the whole run */
};

__attribute__((format(printf, 5, 6)))
int lup_diff_report_add(struct lup_diff_report *r, enum lup_diff_role role, const char *name,
			const char *file, const char *fmt, ...);
size_t lup_diff_report_count(const struct lup_diff_report *r, enum lup_diff_role role);
/* The readable summary; every refusal also as an error line. */
void lup_diff_report_print(const struct lup_diff_report *r, const char *out, int result);
/*
 * The same as one JSON object to path ("-": stdout); result: lup_mkpatch's; funcs: the
 * functions of the target the written patch replaces (replaced and followed alike).
 */
int lup_diff_report_json(const struct lup_diff_report *r, const char *path, const char *out,
			 int result, char *const *funcs, size_t nr_funcs);
void lup_diff_report_free(struct lup_diff_report *r);

#endif
