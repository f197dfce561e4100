/* Listing the patches applied to processes, from their records: text or JSON. */
#ifndef LUP_LIST_H
#define LUP_LIST_H

#include <stdio.h>
#include <sys/types.h>

enum lup_list_format {
	LUP_LIST_TEXT,
	LUP_LIST_JSON,
};

/* Every process of the checkpoint dir (file contents read under root, NULL: "/"). */
int lup_list_dump(const char *dir, const char *root, enum lup_list_format fmt, FILE *out);
/* The live process pid and its descendants. */
int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out);

#endif
