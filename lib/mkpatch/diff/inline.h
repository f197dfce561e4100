/* Why a changed function of lup-mkpatch --diff changed: its own lines, or those it inlines. */
#ifndef LUP_DIFF_INLINE_H
#define LUP_DIFF_INLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Lines of a file the fix changes (the new side of a unified diff hunk). */
struct lup_line_range {
	const char *file;	/* relative to the source directory */
	unsigned first, last;	/* 1-based, inclusive */
};

/* Why one changed function changed, from the fixed object's DWARF. */
struct lup_inline_cause {
	char *func;		/* as given */
	bool touched;		/* the fix changes its own lines */
	/* Functions inlined into it (at any depth) whose lines the fix changes; NULL ended. */
	char **inlined;
	size_t nr_inlined;
};

struct lup_inline_causes {
	struct lup_inline_cause *v;
	size_t nr;
};

/*
 * For each of funcs (symbol names of the fixed object, clones "f.constprop.0", "f.isra.0",
 * "f.part.0", "f.cold" standing for f; C++ by mangled name as the layout code does),
 * whether the ranges touch its own source lines, and which functions inlined into it
 * (DW_TAG_inlined_subroutine, nested ones too, through DW_AT_abstract_origin) have source
 * lines the ranges touch. Those are named by symbol as funcs are, each once, in the order
 * met; a function without DWARF is not touched and inlines nothing.
 *
 * A function's own lines: from its DW_AT_decl_line to the line before the next function
 * (DW_TAG_subprogram, any kind) declared later in the same file, or to the last line the
 * line table gives for that file when it is the last one. A file of the DWARF
 * (DW_AT_decl_file: absolute, or relative to DW_AT_comp_dir) matches a range's file when
 * its path ends with "/" + file (or equals it).
 *
 * Fills *out (one cause per function, in the order of funcs; empty on error). Returns 0,
 * -ENOMEM, -errno for a file that cannot be opened, -LUP_EBADELF for unreadable DWARF,
 * each reported once with pr_err naming the file.
 */
int lup_inline_causes(const char *fixed_obj, char *const *funcs, size_t nr_funcs,
		      const struct lup_line_range *ranges, size_t nr_ranges,
		      struct lup_inline_causes *out);
void lup_inline_causes_free(struct lup_inline_causes *c);

#endif
