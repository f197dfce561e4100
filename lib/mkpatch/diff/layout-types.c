/* The layout check's comparison of one struct, union, class or enum in the two objects. */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "mkpatch/diff/layout-priv.h"

/* Room for a 64-bit number in decimal, its sign or "?". */
#define VALUE_LEN 24

/* One thing an aggregate is made of, as matched between the objects. */
struct field {
	int tag;		/* DW_TAG_member, _inheritance, _subprogram (a virtual one) */
	const char *key;	/* its name, base class or linkage name; NULL: anonymous member */
	const char *name;	/* as shown */
	unsigned anon;		/* an anonymous member: which one, from 1 */
	Dwarf_Die die;
};

struct fields {
	struct field *v;
	size_t nr;
};

/* Where a field is: offset and size in bits, or a virtual function's vtable slot. */
struct place {
	int64_t at;		/* -1: unknown */
	int64_t bits;		/* -1: unknown or none */
	bool bitfield;
	char *type;		/* NULL for a virtual function */
};

/* A refusal being written: "label: part; part". */
struct msg {
	FILE *f;
	char *text;
	size_t len;
	bool any;
};

static int push_refusal(struct layout_cmp *c, char *what)
{
	struct lup_layout_refusals *r = c->out;

	if (LUP_ARRAY_PUSH(r->v, r->nr, (struct lup_layout_refusal){ .what = what })) {
		free(what);
		return -ENOMEM;
	}
	return 0;
}

int layout_refuse(struct layout_cmp *c, const char *fmt, ...)
{
	va_list ap;
	char *what;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	return n < 0 ? -ENOMEM : push_refusal(c, what);
}

static int msg_open(struct msg *m, const char *label)
{
	*m = (struct msg){ 0 };
	m->f = open_memstream(&m->text, &m->len);
	if (!m->f)
		return -ENOMEM;
	fprintf(m->f, "%s: ", label);
	return 0;
}

/* Starts a part; the caller writes it to m->f. */
static FILE *msg_part(struct msg *m)
{
	if (m->any)
		fputs("; ", m->f);
	m->any = true;
	return m->f;
}

/* A refusal when a part was written, and ret unless it is 0. */
static int msg_close(struct layout_cmp *c, struct msg *m, int ret)
{
	if (fclose(m->f) && !ret)
		ret = -ENOMEM;
	if (ret || !m->any) {
		free(m->text);
		return ret;
	}
	return push_refusal(c, m->text);
}

/* Struct and class are one kind: only the default access of their members differs. */
static const char *kind_of(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return "struct";
	case DW_TAG_union_type:
		return "union";
	case DW_TAG_enumeration_type:
		return "enum";
	default:
		return NULL;
	}
}

/* Its value as written: gcc has DW_FORM_sdata for negative ones, data forms for the rest. */
static void enumerator_value(Dwarf_Die *e, char buf[VALUE_LEN])
{
	Dwarf_Attribute a;
	Dwarf_Sword s;
	Dwarf_Word u;
	unsigned int form = dwarf_attr(e, DW_AT_const_value, &a) ? dwarf_whatform(&a) : 0;

	if ((form == DW_FORM_sdata || form == DW_FORM_implicit_const) && !dwarf_formsdata(&a, &s))
		snprintf(buf, VALUE_LEN, "%" PRId64, s);
	else if (form && !dwarf_formudata(&a, &u))
		snprintf(buf, VALUE_LEN, "%" PRIu64, u);
	else
		snprintf(buf, VALUE_LEN, "?");
}

static bool find_enumerator(Dwarf_Die *en, const char *name, Dwarf_Die *out)
{
	const char *n;
	int r;

	for (r = dwarf_child(en, out); r == 0; r = dwarf_siblingof(out, out))
		if (dwarf_tag(out) == DW_TAG_enumerator && (n = dwarf_diename(out)) &&
		    strcmp(n, name) == 0)
			return true;
	return false;
}

/* Enumerators of another value, and the size; new and removed ones change no layout. */
static int compare_enum(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			Dwarf_Die *orig)
{
	char vf[VALUE_LEN], vo[VALUE_LEN];
	Dwarf_Die e, oe;
	struct msg m;
	const char *n;
	int r, ret = msg_open(&m, label);

	if (ret)
		return ret;
	for (r = dwarf_child(fixed, &e); r == 0; r = dwarf_siblingof(&e, &e)) {
		if (dwarf_tag(&e) != DW_TAG_enumerator || !(n = dwarf_diename(&e)) ||
		    !find_enumerator(orig, n, &oe))
			continue;
		enumerator_value(&e, vf);
		enumerator_value(&oe, vo);
		if (strcmp(vf, vo))
			fprintf(msg_part(&m), "%s %s -> %s", n, vo, vf);
	}
	if (dwarf_bytesize(fixed) != dwarf_bytesize(orig))
		fprintf(msg_part(&m), "size %d -> %d", dwarf_bytesize(orig),
			dwarf_bytesize(fixed));
	return msg_close(c, &m, 0);
}

static bool is_virtual(Dwarf_Die *fn)
{
	Dwarf_Attribute a;
	Dwarf_Word v;

	return dwarf_attr(fn, DW_AT_virtuality, &a) && dwarf_formudata(&a, &v) == 0 &&
	       v != DW_VIRTUALITY_none;
}

static bool field_of(const struct layout_obj *o, Dwarf_Die *d, unsigned *anon,
		     struct field *f)
{
	const struct layout_die *base;
	Dwarf_Die t;

	*f = (struct field){ .tag = dwarf_tag(d), .die = *d };
	switch (f->tag) {
	case DW_TAG_member:
		if (layout_has_flag(d, DW_AT_declaration))
			return false;	/* a static data member: a variable */
		f->key = f->name = dwarf_diename(d);
		f->anon = f->key ? 0 : ++*anon;
		return true;
	case DW_TAG_inheritance:
		base = layout_type_of(d, &t) ? layout_die_at(o, dwarf_dieoffset(&t)) : NULL;
		f->key = f->name = base && base->name ? base->name : "?";
		return true;
	case DW_TAG_subprogram:
		f->key = layout_symbol_of(d);
		f->name = dwarf_diename(d);
		return f->key && f->name && is_virtual(d);
	default:
		return false;
	}
}

static int collect_fields(const struct layout_obj *o, Dwarf_Die *agg, struct fields *fs)
{
	unsigned anon = 0;
	struct field f;
	Dwarf_Die d;
	int r;

	for (r = dwarf_child(agg, &d); r == 0; r = dwarf_siblingof(&d, &d))
		if (field_of(o, &d, &anon, &f) && LUP_ARRAY_PUSH(fs->v, fs->nr, f))
			return -ENOMEM;
	return 0;
}

static const struct field *find_field(const struct fields *fs, const struct field *f)
{
	for (size_t i = 0; i < fs->nr; i++) {
		const struct field *g = &fs->v[i];

		if (g->tag == f->tag && (f->key ? g->key && strcmp(g->key, f->key) == 0 :
						  !g->key && g->anon == f->anon))
			return g;
	}
	return NULL;
}

/* The one operation of a DWARF expression when it is op, else -1. */
static int64_t only_op(Dwarf_Attribute *a, unsigned int op)
{
	Dwarf_Op *ops;
	size_t n;

	return dwarf_getlocation(a, &ops, &n) == 0 && n == 1 && ops[0].atom == op ?
	       (int64_t)ops[0].number : -1;
}

/* In bytes; 0 in a union; -1 for a virtual base (found at run time). */
static int64_t member_location(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	Dwarf_Word off;

	if (!dwarf_attr(d, DW_AT_data_member_location, &a))
		return 0;
	if (dwarf_formudata(&a, &off) == 0)
		return (int64_t)off;
	return only_op(&a, DW_OP_plus_uconst);	/* DWARF 2 wrote it as an expression */
}

static int64_t bit_offset(Dwarf_Die *d, int64_t bits)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	int64_t loc, unit;

	if (dwarf_attr(d, DW_AT_data_bit_offset, &a) && dwarf_formudata(&a, &v) == 0)
		return (int64_t)v;
	loc = member_location(d);
	if (loc < 0 || !dwarf_attr(d, DW_AT_bit_offset, &a) || dwarf_formudata(&a, &v) != 0)
		return loc < 0 ? -1 : loc * 8;
	/* DWARF 2-4: from the most significant bit of a storage unit of DW_AT_byte_size. */
	unit = dwarf_bytesize(d);
	return unit < 0 || bits < 0 ? -1 : loc * 8 + unit * 8 - (int64_t)v - bits;
}

static int place_of(const struct layout_obj *o, const struct field *f, struct place *p)
{
	Dwarf_Die d = f->die, t;
	Dwarf_Attribute a;
	Dwarf_Word bits;
	bool typed = layout_type_of(&d, &t);
	int64_t size = typed ? layout_type_size(&t) : -1;

	*p = (struct place){ .at = -1, .bits = -1 };
	if (f->tag == DW_TAG_subprogram) {
		if (dwarf_attr(&d, DW_AT_vtable_elem_location, &a))
			p->at = only_op(&a, DW_OP_constu);
		return 0;
	}
	p->bitfield = dwarf_attr(&d, DW_AT_bit_size, &a) && dwarf_formudata(&a, &bits) == 0;
	p->bits = p->bitfield ? (int64_t)bits : size < 0 ? -1 : size * 8;
	p->at = bit_offset(&d, p->bits);
	return layout_print_type(o, typed ? &t : NULL, &p->type);
}

static const char *num(int64_t v, int64_t unit, char buf[VALUE_LEN])
{
	if (v < 0)
		return "?";
	snprintf(buf, VALUE_LEN, "%" PRId64, v / unit);
	return buf;
}

/* Bits counted in bytes when they make whole ones. */
static bool in_bytes(const struct place *p, int64_t bits)
{
	return !p->bitfield && (bits < 0 || bits % 8 == 0);
}

static void print_title(FILE *f, const struct field *fd)
{
	if (fd->tag == DW_TAG_inheritance)
		fprintf(f, "base class '%s'", fd->name);
	else if (fd->tag == DW_TAG_subprogram)
		fprintf(f, "virtual function '%s'", fd->name);
	else if (fd->key)
		fprintf(f, "member '%s'", fd->name);
	else
		fprintf(f, "member (anonymous #%u)", fd->anon);
}

/* " at offset 24", " from bit offset 3", " at slot 2" (where prep is "at" or "from"). */
static void print_at(FILE *f, const char *prep, const struct field *fd, const struct place *p)
{
	char b[VALUE_LEN];

	if (fd->tag == DW_TAG_subprogram && p->at >= 0)
		fprintf(f, " %s slot %s", prep, num(p->at, 1, b));
	else if (fd->tag != DW_TAG_subprogram && in_bytes(p, p->at))
		fprintf(f, " %s offset %s", prep, num(p->at, 8, b));
	else if (fd->tag != DW_TAG_subprogram)
		fprintf(f, " %s bit offset %s", prep, num(p->at, 1, b));
}

/* "offset 8 -> 16", or "bit size 3 -> 5" when either is no whole number of bytes. */
static void print_move(FILE *f, const char *what, int64_t from, int64_t to, bool bytes)
{
	char a[VALUE_LEN], b[VALUE_LEN];

	fprintf(f, "%s%s %s -> %s", bytes ? "" : "bit ", what, num(from, bytes ? 8 : 1, a),
		num(to, bytes ? 8 : 1, b));
}

static void compare_places(struct msg *m, const struct field *fd, const struct place *pf,
			   const struct place *po)
{
	bool moved = pf->at != po->at, resized = pf->bits != po->bits;
	bool retyped = pf->type && po->type && strcmp(pf->type, po->type);
	char a[VALUE_LEN], b[VALUE_LEN];
	FILE *f;

	if (!moved && !resized && !retyped)
		return;
	f = msg_part(m);
	print_title(f, fd);
	fputc(' ', f);
	if (moved && fd->tag == DW_TAG_subprogram)
		fprintf(f, "slot %s -> %s", num(po->at, 1, a), num(pf->at, 1, b));
	else if (moved)
		print_move(f, "offset", po->at, pf->at, in_bytes(po, po->at) &&
			   in_bytes(pf, pf->at));
	if (resized) {
		fputs(moved ? ", " : "", f);
		print_move(f, "size", po->bits, pf->bits, in_bytes(po, po->bits) &&
			   in_bytes(pf, pf->bits));
	}
	if (retyped)
		fprintf(f, "%stype %s -> %s", moved || resized ? ", " : "", po->type, pf->type);
}

/* Parts for the fields added, changed and removed. */
static int diff_fields(struct layout_cmp *c, struct msg *m, const struct fields *ff,
		       const struct fields *of)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < ff->nr; i++) {
		const struct field *f = &ff->v[i], *o = find_field(of, f);
		struct place pf = { 0 }, po = { 0 };

		ret = place_of(c->fixed, f, &pf);
		if (!ret && o)
			ret = place_of(c->orig, o, &po);
		if (!ret && o)
			compare_places(m, f, &pf, &po);
		if (!ret && !o) {
			print_title(msg_part(m), f);
			fputs(" added", m->f);
			print_at(m->f, "at", f, &pf);
		}
		free(pf.type);
		free(po.type);
	}
	for (size_t i = 0; !ret && i < of->nr; i++) {
		struct place po = { 0 };

		if (find_field(ff, &of->v[i]) || (ret = place_of(c->orig, &of->v[i], &po)))
			continue;
		print_title(msg_part(m), &of->v[i]);
		fputs(" removed", m->f);
		print_at(m->f, "from", &of->v[i], &po);
		free(po.type);
	}
	return ret;
}

/* The anonymous struct, union or enum that type points to, is an array of or qualifies. */
static bool anon_under(Dwarf_Die *type, Dwarf_Die *out)
{
	*out = *type;
	for (;;) {
		switch (dwarf_tag(out)) {
		case DW_TAG_pointer_type:
		case DW_TAG_reference_type:
		case DW_TAG_rvalue_reference_type:
		case DW_TAG_array_type:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!layout_type_of(out, out))
				return false;
			break;
		default:
			/* A definition made of a declaration has the declaration's name. */
			return kind_of(dwarf_tag(out)) &&
			       !dwarf_hasattr_integrate(out, DW_AT_name);
		}
	}
}

int layout_compare_anon(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			Dwarf_Die *orig)
{
	Dwarf_Die f, o;

	if (!anon_under(fixed, &f) || !anon_under(orig, &o))
		return 0;
	return layout_compare_types(c, label, &f, &o);
}

/* "struct conn.u": each anonymous type inside a member is compared on its own. */
static int compare_anon_members(struct layout_cmp *c, const char *label,
				const struct fields *ff, const struct fields *of)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < ff->nr; i++) {
		const struct field *f = &ff->v[i], *o = find_field(of, f);
		Dwarf_Die df = f->die, dor, tf, to, anon;
		char *path;

		if (f->tag != DW_TAG_member || !o)
			continue;
		dor = o->die;
		if (!layout_type_of(&df, &tf) || !layout_type_of(&dor, &to) ||
		    !anon_under(&tf, &anon))
			continue;
		path = f->key ? layout_fmt("%s.%s", label, f->key) :
				layout_fmt("%s.(anonymous #%u)", label, f->anon);
		ret = path ? layout_compare_anon(c, path, &tf, &to) : -ENOMEM;
		free(path);
	}
	return ret;
}

static int compare_aggregate(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			     Dwarf_Die *orig)
{
	struct fields ff = { 0 }, of = { 0 };
	struct msg m;
	int ret = collect_fields(c->fixed, fixed, &ff);

	if (!ret)
		ret = collect_fields(c->orig, orig, &of);
	if (!ret)
		ret = msg_open(&m, label);
	if (!ret) {
		ret = diff_fields(c, &m, &ff, &of);
		if (!ret && dwarf_bytesize(fixed) != dwarf_bytesize(orig))
			fprintf(msg_part(&m), "size %d -> %d", dwarf_bytesize(orig),
				dwarf_bytesize(fixed));
		ret = msg_close(c, &m, ret);
	}
	if (!ret)
		ret = compare_anon_members(c, label, &ff, &of);
	free(ff.v);
	free(of.v);
	return ret;
}

int layout_compare_types(struct layout_cmp *c, const char *label, Dwarf_Die *fixed,
			 Dwarf_Die *orig)
{
	const char *kf = kind_of(dwarf_tag(fixed)), *ko = kind_of(dwarf_tag(orig));

	if (!kf || !ko)
		return 0;
	if (strcmp(kf, ko))
		return layout_refuse(c, "%s: %s -> %s", label, layout_tag_word(dwarf_tag(orig)),
				     layout_tag_word(dwarf_tag(fixed)));
	if (strcmp(kf, "enum") == 0)
		return compare_enum(c, label, fixed, orig);
	return compare_aggregate(c, label, fixed, orig);
}
