/* The lines a unified diff changes, per file, on the side of the fixed tree. */
#ifndef LUP_DIFF_HUNKS_H
#define LUP_DIFF_HUNKS_H

#include <stdbool.h>

#include "mkpatch/diff/inline.h"

/* Where a hunk was in the original file, for the lines after it. */
struct lup_hunk_old {
	unsigned first, count;		/* its lines in the original */
	int shift;			/* lines it adds (negative: removes) */
};

struct lup_hunks {
	struct lup_line_range *v;	/* file: relative to the tree, after -pN */
	struct lup_hunk_old *old;	/* the same hunks, their original side */
	size_t nr;
	char **files;			/* the file names v points to */
	size_t nr_files;
};

/* Reads the "+++" names and "@@" hunk headers of fix; -LUP_EBADPATCH for none. */
int lup_hunks_read(const char *fix, int strip, struct lup_hunks *out);
void lup_hunks_free(struct lup_hunks *h);
/*
 * Whether line old_line of file, which no hunk touches, is new_line in the fixed file
 * (and they differ): the fix moved it.
 */
bool lup_hunks_moved(const struct lup_hunks *h, const char *file, unsigned old_line,
		     unsigned new_line);

#endif
