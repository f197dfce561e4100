/* lup-mkpatch --diff: the patch's shared object built from a fix to the target's sources. */
#ifndef LUP_DIFF_DIFF_H
#define LUP_DIFF_DIFF_H

#include "mkpatch/mkpatch-priv.h"
#include "mkpatch/diff/build.h"
#include "mkpatch/diff/compare.h"
#include "mkpatch/diff/hunks.h"
#include "mkpatch/diff/extract.h"
#include "mkpatch/diff/report.h"

/* One source the fix changes: its two objects as built, and as compiled for the patch. */
struct lup_diff_unit {
	struct lup_cc_record *rec;	/* the fixed tree's compilation */
	char *orig_path, *fixed_path;	/* objects as the program's flags made them */
	struct lup_obj *orig, *fixed;	/* orig NULL: a source the fix adds */
	struct lup_diff_objs d;
	struct lup_obj *pic_orig, *pic_fixed;	/* compiled again for the patch */
	struct lup_diff_objs pd;
	struct lup_inline_causes causes;	/* why each of d.funcs changed, in its order */
};

struct lup_diff {
	struct lup_mkpatch *m;
	struct lup_diff_build b;
	struct lup_cc_records recs[2];
	struct lup_diff_unit *units;
	size_t nr_units;
	LupPatch **ons;			/* the --on patches */
	struct lup_hunks hunks;		/* the lines the fix changes */
	struct lup_diff_report r;
};

/*
 * diff.c: builds both trees, compares them, checks what the patch would replace, and
 * links the patch's part of the changed objects into *so_path (in a new directory *dir).
 */
int lup_mkpatch_diff_so(struct lup_mkpatch *m, char **dir, char **so_path);
/* The ids of the --on patches added to what the patch expects. */
int lup_mkpatch_diff_expects(struct lup_mkpatch *m);
/* After the patch is written (ret: how it went): the summary, text and JSON. */
void lup_mkpatch_diff_done(struct lup_mkpatch *m, int ret);

/* lines.c: why each function of u's comparison changed (u->causes, from the DWARF). */
int lup_diff_find_causes(struct lup_diff *x, struct lup_diff_unit *u);
/* Drops from u's comparison the functions whose changes are only moved line numbers. */
int lup_diff_drop_line_only(struct lup_diff *x, struct lup_diff_unit *u);

/* keep.c: what the patch keeps of a unit (names of the compiled-for-the-patch object). */
struct lup_diff_keep {
	struct lup_extract_keep *v;
	size_t nr;
};

/* Fills k; reports each function; 1 when something is refused (reported), or -errno. */
int lup_diff_keep_list(struct lup_diff *x, struct lup_diff_unit *u, struct lup_diff_keep *k);

/* link.c: the units' patch parts extracted and linked into *so (in a new *dir). */
int lup_diff_link(struct lup_diff *x, char **dir, char **so);

/* check.c: the refusals before anything is built into a patch. */
#define LUP_DIFF_WHY_SIZE 512
/* Whether function o of u's original object is what runs; why (WHY_SIZE) says how not. */
bool lup_diff_matches(struct lup_diff *x, struct lup_diff_unit *u, const struct lup_obj_sym *o,
		      char *why);
/* How many replaced functions differ from what runs; report: each a refusal. */
int lup_diff_check_target(struct lup_diff *x, struct lup_diff_unit *u, bool report);
int lup_diff_check_data(struct lup_diff *x, struct lup_diff_unit *u);

#endif
