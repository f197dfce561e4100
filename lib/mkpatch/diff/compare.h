/* Comparing the original and the fixed object of one source, function by function. */
#ifndef LUP_DIFF_COMPARE_H
#define LUP_DIFF_COMPARE_H

#include "mkpatch/diff/hunks.h"
#include "mkpatch/diff/object.h"

enum lup_diff_kind {
	LUP_DIFF_CHANGED,	/* code, data or relocations differ */
	LUP_DIFF_NEW,		/* only in the fixed object */
};

struct lup_diff_item {
	const struct lup_obj_sym *fixed;
	const struct lup_obj_sym *orig;		/* its counterpart; NULL when new */
	enum lup_diff_kind kind;
};

/* What differs between two objects of one source; orig NULL: a source the fix adds. */
struct lup_diff_objs {
	struct lup_obj *orig, *fixed;
	struct lup_diff_item *funcs;		/* functions, their .cold parts included */
	size_t nr_funcs;
	struct lup_diff_item *vars;		/* variables */
	size_t nr_vars;
	struct lup_hashmap *corr;		/* numbered local of fixed -> orig's name */
	/* set by lup_diff_only_lines: 32-bit immediates that are lines the fix moved */
	const struct lup_hunks *moved;
	const char *source;
};

int lup_diff_compare(struct lup_obj *orig, struct lup_obj *fixed, struct lup_diff_objs *out);
void lup_diff_objs_free(struct lup_diff_objs *d);
/* The name in the original object of a symbol of the fixed one (numbered locals differ). */
const char *lup_diff_orig_name(const struct lup_diff_objs *d, const struct lup_obj_sym *s);
/* The same by name: name of a symbol of the fixed object. */
const char *lup_diff_orig_name_of(const struct lup_diff_objs *d, const char *name);
/*
 * Whether a changed function differs only in line numbers (__LINE__ of assert() and the
 * like) that the fix moved in source (a file of h).
 */
bool lup_diff_only_lines(struct lup_diff_objs *d, const struct lup_diff_item *it,
			 const struct lup_hunks *h, const char *source);
/* The changed item of the fixed object's symbol, or NULL when unchanged. */
const struct lup_diff_item *lup_diff_find(const struct lup_diff_objs *d, const char *fixed_name);

/*
 * A static of read-only data (a const table, __func__, a string a compiler named): the
 * patch carries its own copy, and code that refers to it is compared by its contents, so
 * that a fix changing one changes the functions using it, and a renumbering does not.
 */
bool lup_diff_own_copy(const struct lup_obj *o, const struct lup_obj_sym *s);

/* f.cold: the part of f gcc moved away, reached only from f. */
bool lup_diff_is_cold(const char *name);

/*
 * Whether code (len bytes, as loaded) equals the function s of o modulo o's relocations
 * there, and the instruction bytes a linker rewrites when it relaxes one (GOT and TLS).
 */
bool lup_diff_same_as_loaded(const struct lup_obj *o, const struct lup_obj_sym *s,
			     const uint8_t *code, size_t len);

#endif
