/* The layout check's index of one object's DWARF: its types, static variables and functions. */
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/array.h"
#include "util/err.h"
#include "util/hashmap.h"
#include "util/log.h"
#include "mkpatch/diff/layout-priv.h"

/* Where a DIE is: the C++ scope of its name, and the function it is local to. */
struct scope {
	const char *prefix;	/* "ns::A::", "" at file scope */
	const char *fn_key;	/* the enclosing function's symbol, NULL outside functions */
	const char *fn_name;	/* and its name as shown */
	size_t fn_first;	/* its first DIE in o->dies, for numbering its statics */
};

/*
 * libdw alone reads an ET_REL's .debug_info unrelocated, where every DW_FORM_strp name
 * is offset 0 of .debug_str; libdwfl's offline reporting applies .rela.debug_*.
 */
static const Dwfl_Callbacks offline = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static int index_children(struct layout_obj *o, Dwarf_Die *parent, const struct scope *sc);

char *layout_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

bool layout_has_flag(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute a;
	bool flag = false;

	return dwarf_attr(die, name, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

const char *layout_symbol_of(Dwarf_Die *fn)
{
	Dwarf_Attribute a;

	if (dwarf_attr_integrate(fn, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(fn, DW_AT_MIPS_linkage_name, &a) ||
	    dwarf_attr_integrate(fn, DW_AT_name, &a))
		return dwarf_formstring(&a);
	return NULL;
}

static int bad_dwarf(const struct layout_obj *o)
{
	pr_err("%s: cannot read DWARF: %s", o->path, dwarf_errmsg(-1));
	return -LUP_EBADELF;
}

/* Takes key and name. */
static int add_die(struct layout_obj *o, Dwarf_Die *die, char *key, char *name, const char *fn)
{
	struct layout_die d = {
		.off = dwarf_dieoffset(die), .tag = dwarf_tag(die),
		.decl = layout_has_flag(die, DW_AT_declaration),
		.key = key, .name = name, .fn = fn,
	};

	if (LUP_ARRAY_PUSH(o->dies, o->nr_dies, d)) {
		free(key);
		free(name);
		return -ENOMEM;
	}
	return 0;
}

/* A definition made of a declaration (struct A::B {...}, int A::count;): named by it later. */
static int add_by_spec(struct layout_obj *o, Dwarf_Die *die, Dwarf_Attribute *spec)
{
	Dwarf_Die decl;
	int ret;

	if (!dwarf_formref_die(spec, &decl))
		return 0;
	ret = add_die(o, die, NULL, NULL, NULL);
	if (!ret)
		o->dies[o->nr_dies - 1].spec = dwarf_dieoffset(&decl);
	return ret;
}

/* "tag ns::conn", "typedef conn_t in f": struct, class and union are one kind of tag. */
static int add_type(struct layout_obj *o, Dwarf_Die *die, const struct scope *sc)
{
	const char *n = dwarf_diename(die);
	bool is_typedef = dwarf_tag(die) == DW_TAG_typedef;
	char *key, *name;
	Dwarf_Attribute spec;

	if (dwarf_attr(die, DW_AT_specification, &spec))
		return add_by_spec(o, die, &spec);
	if (!n)
		return add_die(o, die, NULL, NULL, sc->fn_name);
	name = layout_fmt("%s%s%s%s", is_typedef ? "" : layout_tag_word(dwarf_tag(die)),
			  is_typedef ? "" : " ", sc->prefix, n);
	key = layout_fmt("%s %s%s%s%s", is_typedef ? "typedef" : "tag", sc->prefix, n,
			 sc->fn_key ? " in " : "", sc->fn_key ? sc->fn_key : "");
	if (!name || !key) {
		free(name);
		free(key);
		return -ENOMEM;
	}
	return add_die(o, die, key, name, sc->fn_name);
}

/* "var x", or "var x in f" and "var x in f#2" for a second static x in f. */
static char *var_key(const struct layout_obj *o, const struct scope *sc, const char *name)
{
	char *key = layout_fmt("var %s%s%s", name, sc->fn_key ? " in " : "",
			       sc->fn_key ? sc->fn_key : "");
	size_t len = key ? strlen(key) : 0, same = 0;
	char *numbered;

	for (size_t i = sc->fn_first; key && sc->fn_key && i < o->nr_dies; i++) {
		const char *k = o->dies[i].key;

		same += k && strncmp(k, key, len) == 0 && (k[len] == '\0' || k[len] == '#');
	}
	if (!same)
		return key;
	numbered = layout_fmt("%s#%zu", key, same + 1);
	free(key);
	return numbered;
}

static int add_var(struct layout_obj *o, Dwarf_Die *die, const struct scope *sc)
{
	const char *n = dwarf_diename(die);
	Dwarf_Attribute spec;
	char *key, *name;

	if (dwarf_attr(die, DW_AT_specification, &spec))
		return add_by_spec(o, die, &spec);
	if (!n)
		return 0;
	name = layout_fmt("%s%s", sc->prefix, n);
	key = name ? var_key(o, sc, name) : NULL;
	if (!key) {
		free(name);
		return -ENOMEM;
	}
	return add_die(o, die, key, name, sc->fn_name);
}

/*
 * A function's variable has static storage when it lives at an address (DW_OP_addr, or
 * in the thread's block); its concrete and inlined copies refer to it as their origin.
 */
static bool is_static_local(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;

	if (dwarf_hasattr(die, DW_AT_abstract_origin) || !dwarf_attr(die, DW_AT_location, &a) ||
	    dwarf_getlocation(&a, &ops, &n) != 0 || n == 0)
		return false;
	return ops[0].atom == DW_OP_addr || ops[0].atom == DW_OP_addrx ||
	       ops[n - 1].atom == DW_OP_form_tls_address ||
	       ops[n - 1].atom == DW_OP_GNU_push_tls_address;
}

static int add_func(struct layout_obj *o, Dwarf_Die *die, const struct scope *sc)
{
	const char *sym = layout_symbol_of(die), *name = dwarf_diename(die);
	Dwarf_Attribute a;
	struct scope in = { .prefix = sc->prefix, .fn_key = sym };
	char *key;
	int ret;

	if (!sym)
		return 0;
	key = layout_fmt("func %s", sym);
	if (!key)
		return -ENOMEM;
	if (!name && dwarf_attr_integrate(die, DW_AT_name, &a))
		name = dwarf_formstring(&a);
	in.fn_name = name ? name : sym;
	ret = add_die(o, die, key, NULL, NULL);
	in.fn_first = o->nr_dies;
	return ret ? ret : index_children(o, die, &in);
}

/* The children of a namespace or an aggregate, their names inside its own. */
static int index_scope(struct layout_obj *o, Dwarf_Die *die, const struct scope *sc,
		       const char *name)
{
	struct scope in = *sc;
	char *prefix;
	int ret;

	if (!name)
		return index_children(o, die, sc);
	prefix = layout_fmt("%s%s::", sc->prefix, name);
	if (!prefix)
		return -ENOMEM;
	in.prefix = prefix;
	ret = index_children(o, die, &in);
	free(prefix);
	return ret;
}

static int index_die(struct layout_obj *o, Dwarf_Die *die, const struct scope *sc)
{
	const char *name = dwarf_diename(die);
	int ret;

	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		ret = add_type(o, die, sc);
		return ret ? ret : index_scope(o, die, sc, name);
	case DW_TAG_namespace:
		return index_scope(o, die, sc, name ? name : "(anonymous namespace)");
	case DW_TAG_enumeration_type:
	case DW_TAG_typedef:
		return add_type(o, die, sc);
	case DW_TAG_variable:
		return sc->fn_key && !is_static_local(die) ? 0 : add_var(o, die, sc);
	case DW_TAG_member:	/* DWARF 4 wrote static data members so */
		return layout_has_flag(die, DW_AT_declaration) ? add_var(o, die, sc) : 0;
	case DW_TAG_subprogram:
		return add_func(o, die, sc);
	case DW_TAG_lexical_block:
		return index_children(o, die, sc);
	default:
		return 0;
	}
}

static int index_children(struct layout_obj *o, Dwarf_Die *parent, const struct scope *sc)
{
	Dwarf_Die child;
	int r = dwarf_child(parent, &child), ret = 0;

	while (!ret && r == 0) {
		ret = index_die(o, &child, sc);
		if (!ret)
			r = dwarf_siblingof(&child, &child);
	}
	return ret ? ret : r < 0 ? bad_dwarf(o) : 0;
}

static int index_units(struct layout_obj *o)
{
	const struct scope file = { .prefix = "" };
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	int r = 0, ret = 0;

	while (!ret && (r = dwarf_get_units(o->dw, cu, &cu, NULL, NULL, &cudie, NULL)) == 0)
		ret = index_children(o, &cudie, &file);
	return ret ? ret : r < 0 ? bad_dwarf(o) : 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct layout_die *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The declaration may come after its definition: named once all are indexed. */
static int name_definitions(struct layout_obj *o)
{
	for (size_t i = 0; i < o->nr_dies; i++) {
		struct layout_die *d = &o->dies[i];
		const struct layout_die *decl = d->spec ? layout_die_at(o, d->spec) : NULL;

		if (!decl || !decl->key)
			continue;
		d->key = strdup(decl->key);
		d->name = decl->name ? strdup(decl->name) : NULL;
		d->fn = decl->fn;
		if (!d->key || (decl->name && !d->name))
			return -ENOMEM;
	}
	return 0;
}

static int index_by_key(struct layout_obj *o)
{
	int ret = lup_hashmap_new(o->nr_dies, &o->by_key);

	for (size_t i = 0; !ret && i < o->nr_dies; i++)
		if (o->dies[i].key)
			ret = lup_hashmap_add(o->by_key, o->dies[i].key, &o->dies[i]);
	return ret;
}

static int open_dwarf(struct layout_obj *o)
{
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	int fd = open(o->path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		pr_err("%s: %s", o->path, lup_strerror(err));
		return err;
	}
	/* The module owns fd once reported. */
	mod = dwfl_report_offline(o->dwfl, o->path, o->path, fd);
	if (!mod) {
		close(fd);
		pr_err("%s: cannot read it: %s", o->path, dwfl_errmsg(-1));
		return -LUP_EBADELF;
	}
	dwfl_report_end(o->dwfl, NULL, NULL);
	o->dw = dwfl_module_getdwarf(mod, &bias);
	if (!o->dw) {
		err = dwfl_errno();
		pr_err("%s: no DWARF: %s", o->path,
		       err ? dwfl_errmsg(err) : "compiled without -g?");
		return -LUP_EBADELF;
	}
	return 0;
}

int layout_open(const char *path, struct layout_obj **out)
{
	struct layout_obj *o = calloc(1, sizeof(*o));
	int ret = -ENOMEM;

	if (o && (o->dwfl = dwfl_begin(&offline))) {
		o->path = path;
		ret = open_dwarf(o);
		if (!ret)
			ret = index_units(o);
		if (!ret)
			qsort(o->dies, o->nr_dies, sizeof(*o->dies), by_offset);
		if (!ret)
			ret = name_definitions(o);
		if (!ret)
			ret = index_by_key(o);
	}
	if (ret == -ENOMEM)
		pr_err("%s: cannot index its DWARF: %s", path, lup_strerror(ret));
	if (ret) {
		layout_close(o);
		return ret;
	}
	*out = o;
	return 0;
}

void layout_close(struct layout_obj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nr_dies; i++) {
		free(o->dies[i].key);
		free(o->dies[i].name);
	}
	free(o->dies);
	lup_hashmap_free(o->by_key);
	if (o->dwfl)
		dwfl_end(o->dwfl);
	free(o);
}

struct layout_die *layout_die_at(const struct layout_obj *o, Dwarf_Off off)
{
	const struct layout_die k = { .off = off };

	return bsearch(&k, o->dies, o->nr_dies, sizeof(*o->dies), by_offset);
}

struct layout_die *layout_next(const struct layout_obj *o, const char *key, void **it)
{
	return lup_hashmap_next(o->by_key, key, it);
}

struct layout_die *layout_find(const struct layout_obj *o, const char *key)
{
	struct layout_die *d, *decl = NULL;
	void *it = NULL;

	while ((d = layout_next(o, key, &it))) {
		if (!d->decl)
			return d;
		decl = decl ? decl : d;
	}
	return decl;
}
