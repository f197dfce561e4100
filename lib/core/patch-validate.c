/* Validation of every field of a lup patch: it comes from a file and is not trusted. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "core/patch.h"
#include "core/record.h"
#include "core/unwind.h"

#define PAGE 4096ul
#define MAX_BUILD_ID 64
#define MAX_ID 255

#define bad(path, fmt, ...) (pr_err("%s: " fmt, path, ##__VA_ARGS__), -LUP_EBADPATCH)

bool lup_patch_printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isprint((unsigned char)*s) || n >= max)
			return false;
	return n > 0;
}

static int check_header(const LupPatch *p, const char *path)
{
	if (p->version != LUP_PATCH_VERSION)
		return bad(path, "version %u, this lup reads version %d", p->version, LUP_PATCH_VERSION);
	if (!lup_patch_printable(p->id, MAX_ID))
		return bad(path, "id empty, too long or not printable");
	if (!lup_patch_printable(p->target_name, 4096))
		return bad(path, "target_name empty or not printable");
	if (p->target_build_id.len == 0 || p->target_build_id.len > MAX_BUILD_ID)
		return bad(path, "target_build_id of %zu bytes", p->target_build_id.len);
	if (!p->image_size || p->image_size % PAGE || p->image_size > LUP_PATCH_MAX_SIZE)
		return bad(path, "image_size %#lx not page aligned or not in 1 page..%#lx",
			   (unsigned long)p->image_size, LUP_PATCH_MAX_SIZE);
	for (size_t i = 0; i < p->n_expects; i++)
		if (!lup_patch_printable(p->expects[i], MAX_ID) || !strcmp(p->expects[i], p->id))
			return bad(path, "expects %zu: empty, too long, not printable or the patch itself", i);
	if (p->has_unwind && (p->unwind % 8 || p->unwind > p->image_size - LUP_UNWIND_SIZE))
		return bad(path, "unwind %#lx not aligned or outside the image", (unsigned long)p->unwind);
	return 0;
}

static bool valid_prot(LupProt prot)
{
	return prot == LUP_PROT__LUP_PROT_RX || prot == LUP_PROT__LUP_PROT_R ||
	       prot == LUP_PROT__LUP_PROT_RW;
}

/* Sorted, page aligned, inside image_size, and no two segments share a page. */
static int check_segments(const LupPatch *p, const char *path)
{
	uint64_t end = 0;

	if (!p->n_segments)
		return bad(path, "no segments");
	for (size_t i = 0; i < p->n_segments; i++) {
		const LupSegment *s = p->segments[i];

		if (s->offset % PAGE || s->offset < end)
			return bad(path, "segment %zu: offset %#lx unaligned, unsorted or overlapping",
				   i, (unsigned long)s->offset);
		if (!s->mem_size || s->offset > p->image_size || s->mem_size > p->image_size - s->offset)
			return bad(path, "segment %zu: %#lx+%#lx outside image_size %#lx", i,
				   (unsigned long)s->offset, (unsigned long)s->mem_size,
				   (unsigned long)p->image_size);
		if (s->data.len > s->mem_size)
			return bad(path, "segment %zu: %zu bytes of data, mem_size %#lx", i,
				   s->data.len, (unsigned long)s->mem_size);
		if (!valid_prot(s->prot))
			return bad(path, "segment %zu: prot %d is not r-x, r-- or rw-", i, s->prot);
		/* image_size is page aligned, so this cannot pass it. */
		end = (s->offset + s->mem_size + PAGE - 1) & ~(PAGE - 1);
	}
	return 0;
}

/* The segment holding [off, off + len) with that prot (0: any), or NULL. */
static const LupSegment *segment_at(const LupPatch *p, uint64_t off, uint64_t len, LupProt prot)
{
	for (size_t i = 0; i < p->n_segments; i++) {
		const LupSegment *s = p->segments[i];

		if ((!prot || s->prot == prot) && off >= s->offset && len <= s->mem_size &&
		    off - s->offset <= s->mem_size - len)
			return s;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Two jumps must not overlap: the entries are distinct and LUP_JMP_SIZE apart. */
static int check_jumps_apart(const LupPatch *p, const char *path)
{
	uint64_t *v = malloc(p->n_funcs * sizeof(*v));
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_funcs; i++)
		v[i] = p->funcs[i]->target_value;
	qsort(v, p->n_funcs, sizeof(*v), cmp_u64);
	for (size_t i = 1; i < p->n_funcs && !ret; i++)
		if (v[i] - v[i - 1] < LUP_JMP_SIZE)
			ret = bad(path, "replaced functions at %#lx and %#lx overlap",
				  (unsigned long)v[i - 1], (unsigned long)v[i]);
	free(v);
	return ret;
}

static int check_funcs(const LupPatch *p, const char *path)
{
	/* its record would have no function: every later look at the process would refuse it */
	if (!p->n_funcs)
		return bad(path, "replaces no function");
	for (size_t i = 0; i < p->n_funcs; i++) {
		const LupFunc *f = p->funcs[i];

		if (!lup_patch_printable(f->name, 4096))
			return bad(path, "func %zu: name empty or not printable", i);
		if (f->target_size < LUP_JMP_SIZE)
			return bad(path, "func %s: %lu bytes, smaller than the %d-byte jump", f->name,
				   (unsigned long)f->target_size, LUP_JMP_SIZE);
		if (f->orig_bytes.len != LUP_JMP_SIZE)
			return bad(path, "func %s: %zu original bytes, not %d", f->name,
				   f->orig_bytes.len, LUP_JMP_SIZE);
		if (!segment_at(p, f->new_offset, 1, LUP_PROT__LUP_PROT_RX))
			return bad(path, "func %s: new_offset %#lx not in an executable segment",
				   f->name, (unsigned long)f->new_offset);
		if (f->n_parts > LUP_PATCH_MAX_PARTS)
			return bad(path, "func %s: %zu parts, more than %d", f->name, f->n_parts,
				   LUP_PATCH_MAX_PARTS);
		for (size_t k = 0; k < f->n_parts; k++)
			if (!f->parts[k]->size || f->parts[k]->size > LUP_PATCH_MAX_SIZE ||
			    f->parts[k]->value > UINT64_MAX - f->parts[k]->size)
				return bad(path, "func %s: part %zu of %#lx bytes at %#lx", f->name, k,
					   (unsigned long)f->parts[k]->size,
					   (unsigned long)f->parts[k]->value);
	}
	return check_jumps_apart(p, path);
}

static int check_symbols(const LupPatch *p, const char *path)
{
	for (size_t i = 0; i < p->n_symbols; i++) {
		const LupSymbol *s = p->symbols[i];

		if (!lup_patch_printable(s->name, 4096))
			return bad(path, "symbol %zu: name empty or not printable", i);
		if (s->scope != LUP_SYM_SCOPE__LUP_SYM_TARGET && s->scope != LUP_SYM_SCOPE__LUP_SYM_LIBRARY &&
		    s->scope != LUP_SYM_SCOPE__LUP_SYM_PATCH)
			return bad(path, "symbol %s: bad scope %d", s->name, s->scope);
		if (s->scope != LUP_SYM_SCOPE__LUP_SYM_LIBRARY && !s->has_value)
			return bad(path, "symbol %s: no value", s->name);
		if (s->scope == LUP_SYM_SCOPE__LUP_SYM_PATCH && s->value >= p->image_size)
			return bad(path, "symbol %s: offset %#lx outside the patch", s->name,
				   (unsigned long)s->value);
		if (s->has_tls && s->tls && s->scope == LUP_SYM_SCOPE__LUP_SYM_PATCH)
			return bad(path, "symbol %s: a patch has no TLS of its own", s->name);
		if (s->version && (s->scope != LUP_SYM_SCOPE__LUP_SYM_LIBRARY ||
				   !lup_patch_printable(s->version, 255)))
			return bad(path, "symbol %s: bad version", s->name);
	}
	return 0;
}

static int check_reloc_symbol(const LupPatch *p, const LupReloc *r, const char *path)
{
	bool want_tls = r->kind != LUP_RELOC_KIND__LUP_RELOC_ABS64 &&
			r->kind != LUP_RELOC_KIND__LUP_RELOC_PC32;
	const LupSymbol *s;

	if (!r->has_symbol || r->symbol >= p->n_symbols)
		return bad(path, "reloc at %#lx: symbol index missing or out of range",
			   (unsigned long)r->offset);
	s = p->symbols[r->symbol];
	if ((s->has_tls && s->tls) != want_tls)
		return bad(path, "reloc at %#lx: symbol %s %s thread-local", (unsigned long)r->offset,
			   s->name, want_tls ? "is not" : "is");
	return 0;
}

/*
 * A 64-bit slot lies in a writable segment; PC32's 32 bits are code's %rip-relative
 * reference to a target variable (lup-mkpatch --diff), in any segment.
 */
static int check_reloc_slot(const LupPatch *p, const LupReloc *r, size_t i, const char *path)
{
	if (r->kind == LUP_RELOC_KIND__LUP_RELOC_PC32) {
		if (!segment_at(p, r->offset, 4, 0))
			return bad(path, "reloc %zu: slot at %#lx not inside a segment", i,
				   (unsigned long)r->offset);
		return 0;
	}
	if (!segment_at(p, r->offset, 8, LUP_PROT__LUP_PROT_RW))
		return bad(path, "reloc %zu: slot at %#lx not inside a writable segment", i,
			   (unsigned long)r->offset);
	return 0;
}

static int check_relocs(const LupPatch *p, const char *path)
{
	for (size_t i = 0; i < p->n_relocs; i++) {
		const LupReloc *r = p->relocs[i];
		int ret;

		ret = check_reloc_slot(p, r, i, path);
		if (ret)
			return ret;
		switch (r->kind) {
		case LUP_RELOC_KIND__LUP_RELOC_RELATIVE:
			if (r->addend < 0 || (uint64_t)r->addend > p->image_size)
				return bad(path, "reloc %zu: relative addend %#lx outside the patch", i,
					   (unsigned long)r->addend);
			break;
		case LUP_RELOC_KIND__LUP_RELOC_ABS64:
		case LUP_RELOC_KIND__LUP_RELOC_PC32:
		case LUP_RELOC_KIND__LUP_RELOC_TPOFF64:
		case LUP_RELOC_KIND__LUP_RELOC_DTPMOD64:
		case LUP_RELOC_KIND__LUP_RELOC_DTPOFF64:
			ret = check_reloc_symbol(p, r, path);
			if (ret)
				return ret;
			break;
		default:
			return bad(path, "reloc %zu: bad kind %d", i, r->kind);
		}
	}
	return 0;
}

int lup_patch_validate(const LupPatch *p, const char *path)
{
	int ret = check_header(p, path);

	if (!ret)
		ret = check_segments(p, path);
	if (!ret)
		ret = check_funcs(p, path);
	if (!ret)
		ret = check_symbols(p, path);
	if (!ret)
		ret = check_relocs(p, path);
	/* the record the patch leaves in the process must fit what record readers accept */
	if (!ret && lup_record_vma_size(p) > LUP_RECORD_MAX_SIZE)
		ret = bad(path, "%zu functions with names too long: its record would pass %u bytes",
			  p->n_funcs, LUP_RECORD_MAX_SIZE);
	return ret;
}
