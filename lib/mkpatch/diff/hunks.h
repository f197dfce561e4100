/* The lines a unified diff changes, per file, on the side of the fixed tree. */
#ifndef LUP_DIFF_HUNKS_H
#define LUP_DIFF_HUNKS_H

#include "mkpatch/diff/inline.h"

struct lup_hunks {
	struct lup_line_range *v;	/* file: relative to the tree, after -pN */
	size_t nr;
	char **files;			/* the file names v points to */
	size_t nr_files;
};

/* Reads the "+++" names and "@@" hunk headers of fix; -LUP_EBADPATCH for none. */
int lup_hunks_read(const char *fix, int strip, struct lup_hunks *out);
void lup_hunks_free(struct lup_hunks *h);

#endif
