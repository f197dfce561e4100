/* The layout check's type names: a DWARF type written as C declares it ("char *const"). */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkpatch/diff/layout-priv.h"

/* Guards the printer against a type that refers to itself (broken DWARF). */
#define MAX_DEPTH 64

static int print_decl(const struct layout_obj *o, Dwarf_Die *type, const char *inner,
		      int depth, char **out);

const char *layout_tag_word(int tag)
{
	switch (tag) {
	case DW_TAG_class_type:
		return "class";
	case DW_TAG_union_type:
		return "union";
	case DW_TAG_enumeration_type:
		return "enum";
	default:
		return "struct";
	}
}

bool layout_type_of(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, type);
}

int64_t layout_type_size(Dwarf_Die *type)
{
	Dwarf_Word size;

	return dwarf_aggregate_size(type, &size) == 0 ? (int64_t)size : -1;
}

static bool is_cv(int tag)
{
	return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

/* The tag of type under its qualifiers, 0 for void. */
static int tag_under_cv(Dwarf_Die *type)
{
	Dwarf_Die t = *type;

	for (int i = 0; i < MAX_DEPTH && is_cv(dwarf_tag(&t)); i++)
		if (!layout_type_of(&t, &t))
			return 0;
	return dwarf_tag(&t);
}

/* base followed by the declarator: "int *p" style, but "int[4]" for arrays. */
static int join(const char *base, const char *inner, char **out)
{
	*out = layout_fmt("%s%s%s", base, *inner && *inner != '[' ? " " : "", inner);
	return *out ? 0 : -ENOMEM;
}

/* A typedef, struct, enum or base type: the index has the qualified names. */
static const char *name_of(const struct layout_obj *o, Dwarf_Die *type)
{
	const struct layout_die *d = layout_die_at(o, dwarf_dieoffset(type));
	const char *n = dwarf_diename(type);

	if (d && d->name)
		return d->name;
	switch (dwarf_tag(type)) {
	case DW_TAG_structure_type:
		return "struct {...}";
	case DW_TAG_class_type:
		return "class {...}";
	case DW_TAG_union_type:
		return "union {...}";
	case DW_TAG_enumeration_type:
		return "enum {...}";
	default:
		return n ? n : "?";
	}
}

/* What type points or refers to: op ("*", "&", "A::*") goes left of inner. */
static int print_indirect(const struct layout_obj *o, Dwarf_Die *type, const char *op,
			  const char *inner, int depth, char **out)
{
	Dwarf_Die to;
	bool has = layout_type_of(type, &to);
	int to_tag = has ? tag_under_cv(&to) : 0;
	char *s;
	int ret;

	/* int (*)[4], int (*)(int): the pointer binds before the array or the call. */
	if (to_tag == DW_TAG_array_type || to_tag == DW_TAG_subroutine_type)
		s = layout_fmt("(%s%s)", op, inner);
	else
		s = layout_fmt("%s%s", op, inner);
	if (!s)
		return -ENOMEM;
	ret = print_decl(o, has ? &to : NULL, s, depth + 1, out);
	free(s);
	return ret;
}

static int print_member_pointer(const struct layout_obj *o, Dwarf_Die *type,
				const char *inner, int depth, char **out)
{
	Dwarf_Attribute a;
	Dwarf_Die cls;
	const char *n = dwarf_attr(type, DW_AT_containing_type, &a) &&
			dwarf_formref_die(&a, &cls) ? dwarf_diename(&cls) : NULL;
	char *op = layout_fmt("%s::*", n ? n : "?");
	int ret;

	if (!op)
		return -ENOMEM;
	ret = print_indirect(o, type, op, inner, depth, out);
	free(op);
	return ret;
}

/* "const int", but "char *const": a qualified pointer has its word right of the star. */
static int apply_qualifier(const struct layout_obj *o, Dwarf_Die *to, const char *word,
			   const char *inner, int depth, char **out)
{
	int to_tag = to ? tag_under_cv(to) : 0;
	char *s = NULL;
	int ret;

	if (to_tag == DW_TAG_pointer_type || to_tag == DW_TAG_reference_type ||
	    to_tag == DW_TAG_rvalue_reference_type || to_tag == DW_TAG_ptr_to_member_type) {
		s = layout_fmt("%s%s%s", word, *inner && *inner != '[' ? " " : "", inner);
		ret = s ? print_decl(o, to, s, depth + 1, out) : -ENOMEM;
		free(s);
		return ret;
	}
	ret = print_decl(o, to, inner, depth + 1, &s);
	if (!ret && !(*out = layout_fmt("%s %s", word, s)))
		ret = -ENOMEM;
	free(s);
	return ret;
}

/* Whether type has the qualifier tag among those on top of it. */
static bool qualified_by(Dwarf_Die *type, int tag)
{
	Dwarf_Die t = *type;

	for (int i = 0; i < MAX_DEPTH && is_cv(dwarf_tag(&t)); i++) {
		if (dwarf_tag(&t) == tag)
			return true;
		if (!layout_type_of(&t, &t))
			return false;
	}
	return false;
}

static void print_bound(FILE *f, Dwarf_Die *sub)
{
	Dwarf_Attribute a;
	Dwarf_Word n, lower = 0;

	if (dwarf_attr(sub, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0) {
		fprintf(f, "[%" PRIu64 "]", n);
	} else if (dwarf_attr(sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &n) == 0) {
		if (dwarf_attr(sub, DW_AT_lower_bound, &a) && dwarf_formudata(&a, &lower) != 0)
			lower = 0;
		fprintf(f, "[%" PRIu64 "]", n - lower + 1);
	} else {
		fputs("[]", f);		/* unknown, or only known at run time */
	}
}

/* qual: the qualifier (tag and word) of the whole array, or 0 and NULL. */
static int print_array(const struct layout_obj *o, Dwarf_Die *type, int qual,
		       const char *word, const char *inner, int depth, char **out)
{
	Dwarf_Die sub, elem;
	bool has = layout_type_of(type, &elem);
	size_t len;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fputs(inner, f);
	for (r = dwarf_child(type, &sub); r == 0; r = dwarf_siblingof(&sub, &sub))
		if (dwarf_tag(&sub) == DW_TAG_subrange_type)
			print_bound(f, &sub);
	if (fclose(f)) {
		free(s);
		return -ENOMEM;
	}
	if (qual && !(has && qualified_by(&elem, qual)))
		r = apply_qualifier(o, has ? &elem : NULL, word, s, depth + 1, out);
	else
		r = print_decl(o, has ? &elem : NULL, s, depth + 1, out);
	free(s);
	return r;
}

/*
 * A qualified array is an array of qualified elements, which gcc mostly qualifies again
 * (not through a typedef of the array).
 */
static int print_qualified(const struct layout_obj *o, Dwarf_Die *type, const char *word,
			   const char *inner, int depth, char **out)
{
	Dwarf_Die to;
	bool has = layout_type_of(type, &to);

	if (has && dwarf_tag(&to) == DW_TAG_array_type)
		return print_array(o, &to, dwarf_tag(type), word, inner, depth, out);
	return apply_qualifier(o, has ? &to : NULL, word, inner, depth, out);
}

/* "(int, char *)" into f. */
static int print_params(const struct layout_obj *o, Dwarf_Die *type, int depth, FILE *f)
{
	const char *sep = "";
	Dwarf_Die p, t;
	char *s;
	int r, ret = 0;

	fputc('(', f);
	for (r = dwarf_child(type, &p); !ret && r == 0; r = dwarf_siblingof(&p, &p)) {
		if (dwarf_tag(&p) == DW_TAG_unspecified_parameters) {
			fprintf(f, "%s...", sep);
			sep = ", ";
		} else if (dwarf_tag(&p) == DW_TAG_formal_parameter) {
			s = NULL;
			ret = print_decl(o, layout_type_of(&p, &t) ? &t : NULL, "", depth + 1, &s);
			if (!ret)
				fprintf(f, "%s%s", sep, s);
			free(s);
			sep = ", ";
		}
	}
	if (!*sep && layout_has_flag(type, DW_AT_prototyped))
		fputs("void", f);
	fputc(')', f);
	return ret;
}

static int print_function(const struct layout_obj *o, Dwarf_Die *type, const char *inner,
			  int depth, char **out)
{
	Dwarf_Die ret_type;
	size_t len;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	fputs(inner, f);
	ret = print_params(o, type, depth, f);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (!ret)
		ret = print_decl(o, layout_type_of(type, &ret_type) ? &ret_type : NULL, s,
				 depth + 1, out);
	free(s);
	return ret;
}

/* type with the declarator inner ("*", "[4]", "(*)(int)") written on its right. */
static int print_decl(const struct layout_obj *o, Dwarf_Die *type, const char *inner,
		      int depth, char **out)
{
	if (!type)
		return join("void", inner, out);
	if (depth > MAX_DEPTH)
		return join("...", inner, out);
	switch (dwarf_tag(type)) {
	case DW_TAG_pointer_type:
		return print_indirect(o, type, "*", inner, depth, out);
	case DW_TAG_reference_type:
		return print_indirect(o, type, "&", inner, depth, out);
	case DW_TAG_rvalue_reference_type:
		return print_indirect(o, type, "&&", inner, depth, out);
	case DW_TAG_ptr_to_member_type:
		return print_member_pointer(o, type, inner, depth, out);
	case DW_TAG_const_type:
		return print_qualified(o, type, "const", inner, depth, out);
	case DW_TAG_volatile_type:
		return print_qualified(o, type, "volatile", inner, depth, out);
	case DW_TAG_restrict_type:
		return print_qualified(o, type, "restrict", inner, depth, out);
	case DW_TAG_atomic_type:
		return print_qualified(o, type, "_Atomic", inner, depth, out);
	case DW_TAG_array_type:
		return print_array(o, type, 0, NULL, inner, depth, out);
	case DW_TAG_subroutine_type:
		return print_function(o, type, inner, depth, out);
	default:
		return join(name_of(o, type), inner, out);
	}
}

int layout_print_type(const struct layout_obj *o, Dwarf_Die *type, char **out)
{
	return print_decl(o, type, "", 0, out);
}
