/* The patch's part of a fixed object: its functions kept, the rest bound to the target. */
#ifndef LUP_DIFF_EXTRACT_H
#define LUP_DIFF_EXTRACT_H

#include <stdbool.h>

#include "mkpatch/diff/compare.h"

/* What a symbol of the object becomes in the patch. */
struct lup_extract_keep {
	const char *name;	/* a function or variable of the object */
	const char *replaces;	/* the target's one it replaces (its name there), NULL: new */
};

/* The placeholders lup_diff_extract made: LUP_PC_PREFIX + the bound symbol's name. */
#define LUP_PC_PREFIX "__lup_pc."
struct lup_extract_pcs {
	char **names;
	size_t nr;
};

/*
 * Rewrites o (opened for writing) so that linked with others as a shared object it
 * defines only what keep names; every other function or variable of it becomes a
 * reference to the target's (a static by its name in names, LUP_FILE_SEP, its file).
 * Code that refers to one %rip-relatively refers to a placeholder instead, for
 * lup-mkpatch to make it a PC32 relocation; their names are added to pcs.
 * -LUP_EBADPATCH (reported) for what a patch cannot refer to (thread-local statics).
 */
int lup_diff_extract(struct lup_obj *o, const struct lup_diff_objs *names,
		     const struct lup_extract_keep *keep, size_t nr_keep,
		     struct lup_extract_pcs *pcs);
void lup_extract_pcs_free(struct lup_extract_pcs *pcs);

#endif
