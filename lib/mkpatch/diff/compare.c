/*
 * Function-by-function comparison of two objects of one source: bytes and relocations,
 * the relocations' targets compared by what they are (a name, a string's text, a
 * constant's bytes, an anonymous table's contents), not by section names or offsets
 * that only reflect where the compiler put them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/hashmap.h"
#include "mkpatch/diff/compare.h"

#define MAX_DEPTH 8	/* anonymous tables referring to anonymous tables */

struct side {
	struct lup_obj *o;
	const struct lup_diff_objs *d;
};

static bool same_range(const struct side *a, size_t asec, uint64_t aoff, const struct side *b,
		       size_t bsec, uint64_t boff, uint64_t len, int depth);

static const char *text_at(const struct lup_obj *o, size_t sec, int64_t off)
{
	const struct lup_obj_sec *s = &o->secs[sec];

	if (off < 0 || !s->data || (uint64_t)off >= s->data->d_size ||
	    !memchr((const char *)s->data->d_buf + off, 0, s->data->d_size - (uint64_t)off))
		return NULL;
	return (const char *)s->data->d_buf + off;
}

/*
 * Where a reference at off lands in a mergeable section: the first entry start within
 * the bytes an immediate after the field puts it short (lup_obj_sym_near), else the
 * first place at or after off (a label may point inside an entry: the high half of a
 * 16-byte constant).
 */
static int64_t entry_offset(int64_t off, uint64_t entsize)
{
	static const int64_t imm[] = { 0, 1, 2, 4 };

	for (size_t i = 0; i < sizeof(imm) / sizeof(imm[0]); i++)
		if (off + imm[i] >= 0 && (!entsize || (uint64_t)(off + imm[i]) % entsize == 0))
			return off + imm[i];
	return off >= 0 ? off : off + 4;
}

/* Two references into mergeable sections: the same string, or the same constant bytes. */
static bool same_merged(const struct side *a, size_t asec, int64_t aoff, const struct side *b,
			size_t bsec, int64_t boff)
{
	const struct lup_obj_sec *sa = &a->o->secs[asec], *sb = &b->o->secs[bsec];
	uint64_t size = sa->sh.sh_entsize ? sa->sh.sh_entsize : 1, len;
	const uint8_t *x, *y;

	if ((sa->sh.sh_flags & SHF_STRINGS) != (sb->sh.sh_flags & SHF_STRINGS) ||
	    sa->sh.sh_entsize != sb->sh.sh_entsize)
		return false;
	aoff = entry_offset(aoff, size);
	boff = entry_offset(boff, size);
	if (sa->sh.sh_flags & SHF_STRINGS) {
		const char *s = text_at(a->o, asec, aoff), *t = text_at(b->o, bsec, boff);

		return s && t && strcmp(s, t) == 0;
	}
	/* from the reference to the end of its entry */
	len = size - (uint64_t)(aoff < 0 ? 0 : aoff) % size;
	if (aoff < 0 || boff < 0 || (uint64_t)boff % size != (uint64_t)aoff % size)
		return false;
	x = lup_obj_bytes(a->o, asec, (uint64_t)aoff, len);
	y = lup_obj_bytes(b->o, bsec, (uint64_t)boff, len);
	return x && y && memcmp(x, y, len) == 0;
}

bool lup_diff_is_cold(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && strcmp(dot, ".cold") == 0;
}

/* A part of the function itself (f.cold): compared with it, not by name. */
static bool is_part(const struct lup_obj_sym *s)
{
	return GELF_ST_BIND(s->s.st_info) == STB_LOCAL && lup_diff_is_cold(s->name);
}

bool lup_diff_own_copy(const struct lup_obj *o, const struct lup_obj_sym *s)
{
	return GELF_ST_BIND(s->s.st_info) == STB_LOCAL && GELF_ST_TYPE(s->s.st_info) == STT_OBJECT &&
	       lup_obj_is_def(s) && !(o->secs[s->s.st_shndx].sh.sh_flags & SHF_WRITE);
}

/* What a symbol is called in the original object (numbered locals renumbered). */
static const char *orig_name(const struct side *x, const struct lup_obj_sym *s)
{
	return x->d ? lup_diff_orig_name(x->d, s) : s->name;
}

static bool same_symbol(const struct side *a, const struct lup_obj_sym *sa, int64_t aoff,
			const struct side *b, const struct lup_obj_sym *sb, int64_t boff, int depth)
{
	bool by_content = lup_diff_own_copy(a->o, sa) && lup_diff_own_copy(b->o, sb);

	if (aoff != boff || (!by_content && strcmp(orig_name(a, sa), orig_name(b, sb))))
		return false;
	if (!by_content && (!is_part(sa) || !is_part(sb)))
		return true;
	return sa->s.st_size == sb->s.st_size &&
	       same_range(a, sa->s.st_shndx, sa->s.st_value, b, sb->s.st_shndx, sb->s.st_value,
			  sa->s.st_size, depth + 1);
}

/* A reference to a section: to a named thing there, or to an anonymous table. */
static bool same_in_section(const struct side *a, size_t asec, int64_t aoff,
			    const struct side *b, size_t bsec, int64_t boff, int depth)
{
	const struct lup_obj_sec *sa = &a->o->secs[asec], *sb = &b->o->secs[bsec];
	const struct lup_obj_sym *na, *nb;
	uint64_t len;

	if ((sa->sh.sh_flags & SHF_MERGE) || (sb->sh.sh_flags & SHF_MERGE))
		return (sa->sh.sh_flags & SHF_MERGE) && (sb->sh.sh_flags & SHF_MERGE) &&
		       same_merged(a, asec, aoff, b, bsec, boff);
	na = lup_obj_sym_near(a->o, asec, aoff);
	nb = lup_obj_sym_near(b->o, bsec, boff);
	if (na || nb)
		return na && nb && same_symbol(a, na, aoff - (int64_t)na->s.st_value, b, nb,
					       boff - (int64_t)nb->s.st_value, depth);
	/* a jump table or a compound literal: up to the next thing there, the same contents */
	if (aoff < 0 || boff < 0 || sa->sh.sh_type != sb->sh.sh_type)
		return false;
	len = lup_obj_item_end(a->o, asec, (uint64_t)aoff) - (uint64_t)aoff;
	return len == lup_obj_item_end(b->o, bsec, (uint64_t)boff) - (uint64_t)boff &&
	       same_range(a, asec, (uint64_t)aoff, b, bsec, (uint64_t)boff, len, depth + 1);
}

/* A section, or a local label in one (.LC0 of a string): compared by what is there. */
static bool by_place(const struct lup_obj_sym *s)
{
	unsigned char type = GELF_ST_TYPE(s->s.st_info);

	return type == STT_SECTION || (type == STT_NOTYPE && GELF_ST_BIND(s->s.st_info) == STB_LOCAL &&
				       s->s.st_shndx != SHN_UNDEF && s->s.st_shndx < SHN_LORESERVE);
}

static bool same_target(const struct side *a, const GElf_Rela *ra, const struct side *b,
			const GElf_Rela *rb, int depth)
{
	const struct lup_obj_sym *sa = &a->o->syms[GELF_R_SYM(ra->r_info)];
	const struct lup_obj_sym *sb = &b->o->syms[GELF_R_SYM(rb->r_info)];
	bool seca = by_place(sa), secb = by_place(sb);

	if (GELF_R_TYPE(ra->r_info) != GELF_R_TYPE(rb->r_info))
		return false;
	if (seca || secb)
		return same_in_section(a, sa->s.st_shndx,
				       (int64_t)sa->s.st_value + lup_obj_target_offset(ra), b,
				       sb->s.st_shndx,
				       (int64_t)sb->s.st_value + lup_obj_target_offset(rb), depth);
	/* two defined symbols, or two undefined ones (names of other files or libraries) */
	return (sa->s.st_shndx == SHN_UNDEF) == (sb->s.st_shndx == SHN_UNDEF) &&
	       same_symbol(a, sa, ra->r_addend, b, sb, rb->r_addend, depth);
}

/* The relocations of sec in [off, off + len): *first and the count. */
static size_t relocs_in(const struct lup_obj *o, size_t sec, uint64_t off, uint64_t len,
			const GElf_Rela **first)
{
	const struct lup_obj_sec *s = &o->secs[sec];
	size_t i = 0, n = 0;

	while (i < s->nr_rela && s->rela[i].r_offset < off)
		i++;
	*first = s->rela + i;
	while (i + n < s->nr_rela && s->rela[i + n].r_offset < off + len)
		n++;
	return n;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where x and y differ, a 32-bit immediate that is a line the fix moved, or not. */
static bool only_moved_lines(const uint8_t *x, const uint8_t *y, uint64_t len,
			     const struct lup_diff_objs *d)
{
	for (uint64_t i = 0; i < len; i++) {
		uint64_t s = i >= 3 ? i - 3 : 0;

		if (x[i] == y[i])
			continue;
		while (s <= i && (s + 4 > len ||
				  !lup_hunks_moved(d->moved, d->source, le32(x + s), le32(y + s))))
			s++;
		if (s > i)
			return false;
		i = s + 3;
	}
	return true;
}

static bool same_run(const uint8_t *x, const uint8_t *y, uint64_t len,
		     const struct lup_diff_objs *d)
{
	return !memcmp(x, y, len) || (d && d->moved && only_moved_lines(x, y, len, d));
}

/* Bytes equal where no relocation applies (what is there is the assembler's addend). */
static bool same_bytes(const uint8_t *x, const uint8_t *y, uint64_t len, const GElf_Rela *rel,
		       size_t nr, uint64_t base, const struct lup_diff_objs *d)
{
	uint64_t at = 0;

	for (size_t i = 0; i <= nr; i++) {
		uint64_t end = i < nr ? rel[i].r_offset - base : len;

		if (end > len || (end > at && !same_run(x + at, y + at, end - at, d)))
			return false;
		if (i < nr)
			at = end + (GELF_R_TYPE(rel[i].r_info) == R_X86_64_64 ||
				    GELF_R_TYPE(rel[i].r_info) == R_X86_64_PC64 ? 8 : 4);
	}
	return true;
}

static bool same_range(const struct side *a, size_t asec, uint64_t aoff, const struct side *b,
		       size_t bsec, uint64_t boff, uint64_t len, int depth)
{
	const uint8_t *x = lup_obj_bytes(a->o, asec, aoff, len), *y = lup_obj_bytes(b->o, bsec, boff, len);
	const GElf_Rela *ra, *rb;
	size_t na = relocs_in(a->o, asec, aoff, len, &ra), nb = relocs_in(b->o, bsec, boff, len, &rb);

	if (depth > MAX_DEPTH || na != nb || !x != !y)
		return false;
	if (x && !same_bytes(x, y, len, ra, na, aoff, b->d))
		return false;
	for (size_t i = 0; i < na; i++)
		if (ra[i].r_offset - aoff != rb[i].r_offset - boff ||
		    !same_target(a, &ra[i], b, &rb[i], depth))
			return false;
	return true;
}

static bool same_def(const struct lup_diff_objs *d, const struct lup_obj_sym *o,
		     const struct lup_obj_sym *f)
{
	struct side a = { d->orig, NULL }, b = { d->fixed, d };

	return o->s.st_size == f->s.st_size && GELF_ST_TYPE(o->s.st_info) == GELF_ST_TYPE(f->s.st_info) &&
	       (d->orig->secs[o->s.st_shndx].sh.sh_flags & SHF_WRITE) ==
	       (d->fixed->secs[f->s.st_shndx].sh.sh_flags & SHF_WRITE) &&
	       same_range(&a, o->s.st_shndx, o->s.st_value, &b, f->s.st_shndx, f->s.st_value,
			  o->s.st_size, 0);
}

/* "x.3" (a function's static), "f.constprop.1": the length before the final number. */
static size_t numbered_prefix(const char *name)
{
	size_t n = strlen(name), i = n;

	while (i && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < n && i > 1 && name[i - 1] == '.' ? i - 1 : 0;
}

static bool same_numbered(const struct lup_obj_sym *s, const char *name, size_t len)
{
	return lup_obj_is_def(s) && GELF_ST_BIND(s->s.st_info) == STB_LOCAL &&
	       numbered_prefix(s->name) == len && strncmp(s->name, name, len) == 0;
}

/* The k-th local "x.N" of a prefix in one object is the k-th of the other. */
static const struct lup_obj_sym *kth_numbered(const struct lup_obj *o, const char *name,
					      size_t len, size_t k)
{
	for (size_t i = 1; i < o->nr_syms; i++)
		if (same_numbered(&o->syms[i], name, len) && !k--)
			return &o->syms[i];
	return NULL;
}

/* How many locals of s's prefix come before symbol index i (s) in o. */
static size_t rank_numbered(const struct lup_obj *o, size_t i, size_t len)
{
	size_t k = 0;

	for (size_t j = 1; j < i; j++)
		k += same_numbered(&o->syms[j], o->syms[i].name, len);
	return k;
}

static int correlate(struct lup_diff_objs *d)
{
	int ret = lup_hashmap_new(64, &d->corr);

	for (size_t i = 1; !ret && i < d->fixed->nr_syms; i++) {
		const struct lup_obj_sym *s = &d->fixed->syms[i], *o;
		size_t len = numbered_prefix(s->name);

		if (!len || !same_numbered(s, s->name, len))
			continue;
		o = d->orig ? kth_numbered(d->orig, s->name, len, rank_numbered(d->fixed, i, len)) :
			      NULL;
		if (o && strcmp(o->name, s->name))
			ret = lup_hashmap_add(d->corr, s->name, (void *)o->name);
	}
	return ret;
}

const char *lup_diff_orig_name_of(const struct lup_diff_objs *d, const char *name)
{
	void *it = NULL;
	const char *orig = d->corr ? lup_hashmap_next(d->corr, name, &it) : NULL;

	return orig ? orig : name;
}

const char *lup_diff_orig_name(const struct lup_diff_objs *d, const struct lup_obj_sym *s)
{
	return lup_diff_orig_name_of(d, s->name);
}

/* f.localalias: another name of a global at the same place, compared as that global. */
static bool is_alias(const struct lup_obj *o, const struct lup_obj_sym *s)
{
	return GELF_ST_BIND(s->s.st_info) == STB_LOCAL &&
	       lup_obj_sym_at(o, s->s.st_shndx, s->s.st_value) != s;
}

static int add_item(struct lup_diff_objs *d, const struct lup_obj_sym *f,
		    const struct lup_obj_sym *o)
{
	struct lup_diff_item it = { f, o, o ? LUP_DIFF_CHANGED : LUP_DIFF_NEW };

	if (GELF_ST_TYPE(f->s.st_info) == STT_FUNC)
		return LUP_ARRAY_PUSH(d->funcs, d->nr_funcs, it);
	return LUP_ARRAY_PUSH(d->vars, d->nr_vars, it);
}

int lup_diff_compare(struct lup_obj *orig, struct lup_obj *fixed, struct lup_diff_objs *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->orig = orig;
	out->fixed = fixed;
	ret = correlate(out);
	for (size_t i = 1; !ret && i < fixed->nr_syms; i++) {
		const struct lup_obj_sym *f = &fixed->syms[i], *o;

		if (!lup_obj_is_def(f) || !*f->name || is_alias(fixed, f))
			continue;
		o = orig ? lup_obj_find(orig, lup_diff_orig_name(out, f)) : NULL;
		if (!o || !same_def(out, o, f))
			ret = add_item(out, f, o);
	}
	return ret;
}

void lup_diff_objs_free(struct lup_diff_objs *d)
{
	free(d->funcs);
	free(d->vars);
	lup_hashmap_free(d->corr);
	memset(d, 0, sizeof(*d));
}

bool lup_diff_only_lines(struct lup_diff_objs *d, const struct lup_diff_item *it,
			 const struct lup_hunks *h, const char *source)
{
	bool same;

	if (!it->orig || !h->nr)
		return false;
	d->moved = h;
	d->source = source;
	same = same_def(d, it->orig, it->fixed);
	d->moved = NULL;
	return same;
}

const struct lup_diff_item *lup_diff_find(const struct lup_diff_objs *d, const char *fixed_name)
{
	for (size_t i = 0; i < d->nr_funcs; i++)
		if (strcmp(d->funcs[i].fixed->name, fixed_name) == 0)
			return &d->funcs[i];
	for (size_t i = 0; i < d->nr_vars; i++)
		if (strcmp(d->vars[i].fixed->name, fixed_name) == 0)
			return &d->vars[i];
	return NULL;
}

/*
 * The bytes a relocation and the linker's relaxation of it may change, from the
 * relocated field: GOT loads become lea or mov $imm (opcode and ModRM before it), TLS
 * sequences become others of the same length (general dynamic: 16 bytes, local
 * dynamic: 12).
 */
static void masked(uint32_t type, int64_t *before, int64_t *after)
{
	*before = 0;
	*after = type == R_X86_64_64 || type == R_X86_64_PC64 ? 8 : 4;
	switch (type) {
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX: case R_X86_64_GOTTPOFF:
	case R_X86_64_GOTPCREL:
		*before = 3;
		break;
	case R_X86_64_TLSGD:
		*before = 4;
		*after = 12;
		break;
	case R_X86_64_TLSLD:
		*before = 3;
		*after = 9;
		break;
	default:
		break;
	}
}

bool lup_diff_same_as_loaded(const struct lup_obj *o, const struct lup_obj_sym *s,
			     const uint8_t *code, size_t len)
{
	const uint8_t *own = lup_obj_bytes(o, s->s.st_shndx, s->s.st_value, s->s.st_size);
	const GElf_Rela *r;
	size_t nr = relocs_in(o, s->s.st_shndx, s->s.st_value, s->s.st_size, &r);
	uint8_t *mask = own && len == s->s.st_size ? calloc(1, len) : NULL;
	bool same = mask != NULL;

	for (size_t i = 0; mask && i < nr; i++) {
		int64_t at = (int64_t)(r[i].r_offset - s->s.st_value), before, after;

		masked((uint32_t)GELF_R_TYPE(r[i].r_info), &before, &after);
		for (int64_t k = at - before; k < at + after; k++)
			if (k >= 0 && (uint64_t)k < len)
				mask[k] = 1;
	}
	for (size_t k = 0; same && k < len; k++)
		same = mask[k] || own[k] == code[k];
	free(mask);
	return same;
}
