/* A directory of patch files (*.lup), loaded in name order: the plugin's configuration. */
#ifndef LUP_PATCH_DIR_H
#define LUP_PATCH_DIR_H

#include <stddef.h>

#include "core/patch.h"

#define LUP_PATCH_SUFFIX ".lup"

struct lup_patch_set {
	char *dir;
	size_t nr;
	LupPatch **patches;
	char **paths;		/* dir/name of each patch, for messages */
};

/*
 * Reads and validates every regular file DIR/ *.lup (other names are ignored). -ENOENT,
 * quietly, when DIR does not exist (the caller decides whether that is an error); an empty
 * set when it holds no patch; -LUP_EBADPATCH, reported naming the file, for a broken patch
 * or two patches with the same id.
 */
int lup_patch_dir_load(const char *dir, struct lup_patch_set **out);
void lup_patch_set_free(struct lup_patch_set *s);

#endif
