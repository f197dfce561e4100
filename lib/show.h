/* A readable summary of a checkpoint (processes, threads, VMAs, pages), as text or JSON. */
#ifndef LUP_SHOW_H
#define LUP_SHOW_H

#include <stdio.h>

#include "dump.h"

enum lup_show_format {
	LUP_SHOW_TEXT,
	LUP_SHOW_JSON,
};

/* Prints every process of d to out; -EIO when out fails. */
int lup_show(const struct lup_dump *d, enum lup_show_format fmt, FILE *out);

#endif
