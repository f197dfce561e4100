/*
 * The images transport: applying or reverting patches in a checkpoint, IMG_DIR in, a
 * parent-linked OUT_DIR out (IMG_DIR never modified; OUT_DIR created whole or not at all).
 */
#ifndef LUP_REWRITE_H
#define LUP_REWRITE_H

#include <stddef.h>

#include "core/patch.h"

struct lup_rewrite_opts {
	const char *img_dir;		/* never modified */
	const char *out_dir;		/* created whole (temporary name + rename) or not at all */
	const char *root;		/* where the paths of files.img resolve; NULL: "/" */
	LupPatch *const *patches;
	size_t nr_patches;
};

/*
 * Patches every process of the dump that maps a patch's target (matched by build-id).
 * 0 on success; -LUP_ENOTAPPLIC when no process maps a target or the old entry bytes
 * differ (other build, already applied); -LUP_EBUSY when a thread is inside (or will
 * return into) a function being replaced; -LUP_ENOSPACE; -LUP_EBADIMG; -LUP_EBADPARENT.
 */
int lup_rewrite(const struct lup_rewrite_opts *opts);

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

#endif
