/* Listing the patches applied to processes, from their records: text or JSON. */
#ifndef LUP_LIST_H
#define LUP_LIST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum lup_list_format {
	LUP_LIST_TEXT,
	LUP_LIST_JSON,
};

struct lup_view;

/* The "processes" array of JSON opens (nothing for text). */
void lup_list_begin(FILE *out, enum lup_list_format fmt);
/*
 * The records of v's process; first: no separator before it; skip_empty: nothing for a
 * process without patches. 1 when something was printed, 0, or a negative error.
 */
int lup_list_view(FILE *out, enum lup_list_format fmt, bool first, bool skip_empty,
		  struct lup_view *v);
/* Closes what lup_list_begin opened and flushes: ret, or -EIO when out failed. */
int lup_list_end(FILE *out, enum lup_list_format fmt, int ret);

#endif
