/* Checkpoint archives of container runtimes (podman's export, CRI-O's), patched whole. */
#ifndef LUP_IMAGES_ARCHIVE_H
#define LUP_IMAGES_ARCHIVE_H

#include <stddef.h>

#include "core/patch.h"

struct lup_archive_opts {
	const char *in;			/* IN.tar[.gz|.zst]: never modified */
	const char *out;		/* OUT.tar[.gz|.zst], compressed as its name says; new */
	const char *root;		/* the container image's root; NULL: podman's mount of it */
	LupPatch *const *patches;
	size_t nr_patches;
};

/*
 * Unpacks in, patches its checkpoint/ in place (originals in checkpoint/lup-orig/), packs
 * the whole into out. Errors of lup_rewrite, -LUP_EBADIMG for what is not a checkpoint
 * archive or a tool that failed (reported), -EEXIST when out exists.
 */
int lup_rewrite_archive(const struct lup_archive_opts *o);

#endif
