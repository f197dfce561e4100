/* The rewriter's output: a parent-linked image directory built under a temporary name. */
#ifndef LUP_IMG_OUT_H
#define LUP_IMG_OUT_H

#include <stddef.h>

#include "images/dump.h"
#include "images/overlay.h"

/* A process whose images change: its new VMA list in p->mm, its changed pages in ov. */
struct lup_out_proc {
	const struct lup_proc *p;
	const struct lup_overlay *ov;
};

struct lup_out_set {
	size_t nr;
	struct lup_out_proc *procs;
};

/* Adds a process whose images change (the set points to p and ov). */
int lup_out_set_add(struct lup_out_set *set, const struct lup_proc *p, const struct lup_overlay *ov);
void lup_out_set_free(struct lup_out_set *set);

/*
 * Writes out_dir (refused when it exists) with a relative `parent` link to d's directory:
 * for each process of set, a new mm-PID.img, and a pagemap whose old ranges are PE_PARENT
 * only, split around the changed pages, which are PE_PRESENT in a new pages file; every
 * other image hard-linked (or copied). Every new pagemap is built and checked first (new
 * VMA list sorted and disjoint, changed pages in private VMAs, no lazy pages:
 * -LUP_EBADIMG, reported); the directory is built under a temporary name and renamed.
 */
int lup_out_write_dump(const struct lup_dump *d, const char *out_dir, const struct lup_out_set *set);

#endif
