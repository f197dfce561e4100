/* The layout check's own: one object's DWARF indexed by name, type printing and comparison. */
#ifndef LUP_DIFF_LAYOUT_PRIV_H
#define LUP_DIFF_LAYOUT_PRIV_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>

#include "mkpatch/diff/layout.h"

struct lup_hashmap;

/* A DIE that has a counterpart in the other object: a type, a static variable, a function. */
struct layout_die {
	Dwarf_Off off;
	int tag;
	bool decl;		/* DW_AT_declaration: a struct without members, an extern */
	bool reached;		/* fixed: used by a changed function */
	Dwarf_Off spec;		/* DW_AT_specification: the DIE it is named by; 0: none */
	char *key;		/* finds the counterpart: "tag ns::conn", "var t"; NULL: none */
	char *name;		/* "struct ns::conn", "conn_t", "ns::A::n"; NULL: anonymous */
	const char *fn;		/* the function of a local type or static, NULL: none */
};

struct layout_obj {
	const char *path;
	Dwfl *dwfl;
	Dwarf *dw;
	struct layout_die *dies;	/* by offset */
	size_t nr_dies;
	struct lup_hashmap *by_key;
};

/* Both objects and where refusals go. */
struct layout_cmp {
	const struct layout_obj *orig, *fixed;
	struct lup_layout_refusals *out;
};

/* layout-index.c: opens and indexes path (reported); layout_close(NULL) does nothing. */
int layout_open(const char *path, struct layout_obj **out);
void layout_close(struct layout_obj *o);
struct layout_die *layout_die_at(const struct layout_obj *o, Dwarf_Off off);
/* The one of that key that is a definition, else a declaration, else NULL. */
struct layout_die *layout_find(const struct layout_obj *o, const char *key);
/* Iterates the DIEs of that key: start with *it = NULL. */
struct layout_die *layout_next(const struct layout_obj *o, const char *key, void **it);
/* A string as printf makes it, NULL when out of memory. */
char *layout_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool layout_has_flag(Dwarf_Die *die, unsigned int name);
/* The symbol of a function DIE: its linkage name (C++, asm labels), else its name. */
const char *layout_symbol_of(Dwarf_Die *fn);

/* layout-print.c: "struct", "class", "union" or "enum". */
const char *layout_tag_word(int tag);
/* The DIE's DW_AT_type (through its origin or specification); false: void. */
bool layout_type_of(Dwarf_Die *die, Dwarf_Die *type);
/* Its size in bytes, -1 when it has none (void, a function, int[]). */
int64_t layout_type_size(Dwarf_Die *type);
/* type as C writes it: "int[16]", "struct conn *", "char *const"; NULL type: void. */
int layout_print_type(const struct layout_obj *o, Dwarf_Die *type, char **out);

/* layout-types.c: adds a refusal; -ENOMEM. */
int layout_refuse(struct layout_cmp *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Compares the struct, union, class or enum fixed with orig; label names it in refusals. */
int layout_compare_types(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			 Dwarf_Die *orig);
/*
 * Compares what fixed and orig point to or are arrays of when both are anonymous structs,
 * unions or enums: they have no name to be matched by, only the path to them.
 */
int layout_compare_anon(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			Dwarf_Die *orig);

#endif
