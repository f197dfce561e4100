/* The patch's target in a process: its mapping, its file, its load bias. */
#ifndef LUP_TARGET_H
#define LUP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "core/patch.h"
#include "core/stack-check.h"

struct lup_elf;
struct lup_view;

struct lup_target {
	const struct lup_view_map *head;	/* the mapping of the file's offset 0 */
	size_t file;				/* its index in the view */
	struct lup_elf *elf;			/* the view's */
	uint64_t bias;				/* 0 for a non-dyn target */
};

/*
 * 1 and *t filled when v maps the file whose build-id is patch's target_build_id; 0 when
 * it does not; a negative error (reported) when that file cannot be used.
 */
int lup_target_find(struct lup_view *v, const LupPatch *patch, struct lup_target *t);
/*
 * The functions patch replaces, at their addresses in the process of t, with their
 * unlikely parts (f.cold, recorded in the patch): the stack check's ranges (names
 * point into patch). Free *out.
 */
int lup_patch_ranges(const LupPatch *patch, const struct lup_target *t, struct lup_range **out,
		     size_t *nr);

#endif
