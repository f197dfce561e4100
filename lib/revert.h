/* Reverting applied patches in a checkpoint: IMG_DIR in, a parent-linked OUT_DIR out. */
#ifndef LUP_REVERT_H
#define LUP_REVERT_H

#include "record-chain.h"

struct lup_proc;

struct lup_revert_opts {
	const char *img_dir;		/* never modified */
	const char *out_dir;		/* created whole or not at all */
	const char *root;		/* where the paths of files.img resolve; NULL: "/" */
	const char *id;			/* the patch to revert; NULL: every patch, newest first */
};

/*
 * Reverts the patch in every process of the dump that has it applied (see
 * Documentation/lifecycle.md). -LUP_ENOTAPPLIC when no process has it (or, for all,
 * no process has any patch) or the revert-order rule refuses; -LUP_EBUSY when a thread
 * is inside the code being removed; -LUP_EBADIMG for records that do not match memory.
 */
int lup_revert(const struct lup_revert_opts *o);

/*
 * Removes the VMAs inside each unmap range from p's mm and their pages from p's pagemap.
 * A VMA that straddles a range boundary: -LUP_EBADIMG, reported.
 */
int lup_revert_unmap(struct lup_proc *p, const struct lup_chain_unmap *u, size_t nr);

#endif
