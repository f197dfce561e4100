/* The data layout check of lup-mkpatch --diff: a fix must not change types or static variables. */
#ifndef LUP_DIFF_LAYOUT_H
#define LUP_DIFF_LAYOUT_H

#include <stddef.h>

/* One refusal: a readable reason naming the type or variable and how it changed. */
struct lup_layout_refusal {
	char *what;
};

struct lup_layout_refusals {
	struct lup_layout_refusal *v;
	size_t nr;
};

/*
 * Compares the DWARF of orig and fixed, two relocatable objects of one source file.
 * funcs: the symbol names of the functions whose code changed, as fixed has them; a
 * compiler clone ("f.constprop.0", "f.cold") stands for its function ("f"), C++ ones go
 * by their mangled name.
 *
 * Appends to *out a refusal for each of:
 *  - a struct, union or class (named, typedef-named, or anonymous inside one of these)
 *    used by the changed functions (return and parameter types, locals, inlined code,
 *    through pointers, arrays, typedefs, qualifiers and members) or by a static variable
 *    of both objects, whose size, members (offset, size, type, added, removed), base
 *    classes or virtual functions (vtable slots) differ; an enum used so with an
 *    enumerator of another value or a new size; a typedef used so naming another type;
 *  - a variable of static storage (global, file or function static, static data member,
 *    thread-local) in both objects whose type or size differs.
 * Types match by qualified name (C++ scopes included, a function's own types by that
 * function too); types and variables only fixed has are new, not refusals.
 *
 * Returns 0 (refusals may have been added), -ENOMEM, -errno of a file that cannot be
 * opened, or -LUP_EBADELF for an object without readable DWARF; each reported once.
 */
int lup_layout_compare(const char *orig_obj, const char *fixed_obj, char *const *funcs,
		       size_t nr_funcs, struct lup_layout_refusals *out);
void lup_layout_refusals_free(struct lup_layout_refusals *r);

#endif
