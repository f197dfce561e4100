/*
 * What a checkpoint holds, as text or JSON: its processes, threads, VMAs and pages
 * (--show); the patches applied to its processes (--list).
 */
#ifndef LUP_SHOW_H
#define LUP_SHOW_H

#include <stdio.h>

#include "core/list.h"
#include "images/dump.h"

enum lup_show_format {
	LUP_SHOW_TEXT,
	LUP_SHOW_JSON,
};

/* Prints every process of d to out; -EIO when out fails. */
int lup_show(const struct lup_dump *d, enum lup_show_format fmt, FILE *out);

/* The patches applied to every process of the checkpoint dir (files read under root). */
int lup_list_dump(const char *dir, const char *root, enum lup_list_format fmt, FILE *out);

#endif
