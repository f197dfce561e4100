/* Relocations of a placed patch image: TARGET, PATCH and LIBRARY symbols, RELATIVE, ABS64, TPOFF64. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/bind.h"
#include "core/elf-file.h"
#include "util/err.h"
#include "util/log.h"
#include "core/tls.h"
#include "core/view.h"

/* The executable's mapping of offset 0. */
static int find_exe(const struct lup_view *v, const struct lup_view_map **head)
{
	for (size_t i = 0; v->exe >= 0 && i < v->nr_maps; i++) {
		if (v->maps[i].file == v->exe && !v->maps[i].pgoff) {
			*head = &v->maps[i];
			return 0;
		}
	}
	pr_err("%s: the executable's mapping is not in the process's view", v->who);
	return -LUP_EBADIMG;
}

int lup_bind_open(struct lup_view *v, lup_read_fn rd, void *arg, struct lup_bind *b)
{
	const struct lup_view_map *head;
	struct lup_remote_elf e;
	int ret;

	memset(b, 0, sizeof(*b));
	b->v = v;
	b->rd = rd;
	b->arg = arg;
	ret = find_exe(v, &head);
	if (!ret)
		ret = lup_linkmap_read(rd, arg, head->start, v->who, &b->lm);
	if (!ret && !b->lm.nr) {
		/* A static executable has no link map: it is the only module. */
		b->lm.m = calloc(1, sizeof(*b->lm.m));
		ret = b->lm.m ? lup_remote_elf_read(rd, arg, head->start, &e) : -ENOMEM;
		if (!ret) {
			b->lm.nr = 1;
			b->lm.m[0].addr = e.bias;
		}
	}
	b->exe_first = !ret && (!b->lm.m[0].name || !*b->lm.m[0].name);
	b->exe_name = ret ? NULL : v->files[v->exe].path;
	b->elfs = ret ? NULL : calloc(b->lm.nr, sizeof(*b->elfs));
	if (!ret && !b->elfs)
		ret = -ENOMEM;
	if (ret)
		lup_bind_close(b);
	return ret;
}

void lup_bind_close(struct lup_bind *b)
{
	free(b->elfs);
	lup_linkmap_free(&b->lm);
	memset(b, 0, sizeof(*b));
}

int lup_bind_module_elf(struct lup_bind *b, size_t i, struct lup_elf **out)
{
	const char *name = i == 0 && b->exe_first ? b->exe_name : b->lm.m[i].name;
	int ret;

	if (!b->elfs[i]) {
		if (!name || name[0] != '/')
			return -ENOENT;	/* the vDSO has no file */
		ret = b->v->ops->open_path(b->v, name, &b->elfs[i]);
		if (ret)
			return ret;
	}
	*out = b->elfs[i];
	return 0;
}

/* The module of the list whose load bias is bias, or -1. */
static long module_at(const struct lup_bind *b, uint64_t bias, bool exe)
{
	size_t i;

	if (exe && b->exe_first)
		return 0;
	for (i = b->exe_first; i < b->lm.nr; i++)
		if (b->lm.m[i].addr == bias)
			return (long)i;
	return -1;
}

/* A slot of the process holding an address inside module m (of ELF file e). */
static bool slot_into(struct lup_bind *b, size_t m, const struct lup_elf *e, uint64_t slot,
		      uint64_t *addr)
{
	uint64_t lo, hi, v;

	lup_elf_load_span(e, &lo, &hi);
	if (b->rd(b->arg, slot, &v, sizeof(v)) || v < b->lm.m[m].addr + lo ||
	    v >= b->lm.m[m].addr + hi)
		return false;
	*addr = v;
	return true;
}

/*
 * The value of an IFUNC is its resolver, not the function: bind to what the process's
 * own relocations hold, where the resolver was run for it: the slot of module m's
 * IRELATIVE whose addend is the resolver (applied at load, also with lazy binding),
 * else a GOT slot of any module for that name already resolved into m. A function
 * the process never resolved is refused: calling the resolver would run code in it.
 */
static int ifunc_addr(struct lup_bind *b, size_t m, const struct lup_elf *e, const char *name,
		      uint64_t resolver, uint64_t *addr)
{
	struct lup_elf *ek;
	uint64_t off;

	if (!lup_elf_irelative_slot(e, resolver, &off) &&
	    slot_into(b, m, e, b->lm.m[m].addr + off, addr)) {
		pr_debug("%s: IFUNC %s: %#" PRIx64 " (IRELATIVE of %s)", b->v->who, name, *addr,
			 lup_elf_path(e));
		return 0;
	}
	for (size_t k = 0; k < b->lm.nr; k++)
		if (!lup_bind_module_elf(b, k, &ek) && !lup_elf_got_slot(ek, name, &off) &&
		    slot_into(b, m, e, b->lm.m[k].addr + off, addr)) {
			pr_debug("%s: IFUNC %s: %#" PRIx64 " (GOT of %s)", b->v->who, name, *addr,
				 lup_elf_path(ek));
			return 0;
		}
	pr_err("%s: %s is chosen at run time (an IFUNC) and the process has not resolved it "
	       "yet: it cannot be bound", b->v->who, name);
	return -LUP_ENOTAPPLIC;
}

/*
 * First definition in link-map order, as the dynamic linker binds: of the version the
 * patch was linked against (NULL: the default version); a weak reference that nothing
 * defines is 0, as the dynamic linker makes it.
 */
static int library_sym(struct lup_bind *b, const char *name, const char *version, bool weak,
		       uint64_t *addr)
{
	const struct lup_sym *s;
	struct lup_elf *e;
	size_t i;

	for (i = 0; i < b->lm.nr; i++) {
		if (lup_bind_module_elf(b, i, &e) ||
		    lup_elf_find_dynsym_version(e, name, version, &s) || s->type == STT_TLS)
			continue;
		if (s->type == STT_GNU_IFUNC)
			return ifunc_addr(b, i, e, name, s->value, addr);
		*addr = b->lm.m[i].addr + s->value;
		return 0;
	}
	if (weak) {
		pr_debug("%s: weak symbol %s: in none of the loaded libraries: 0", b->v->who, name);
		*addr = 0;
		return 0;
	}
	pr_err("%s: symbol %s%s%s is defined by none of the loaded libraries", b->v->who, name,
	       version ? "@" : "", version ? version : "");
	return -LUP_ENOTAPPLIC;
}

/* The target's module in the list, or -1. */
static long target_module(const struct lup_bind *b, const struct lup_target *t)
{
	return module_at(b, t->bias, b->exe_first && b->lm.m[0].addr == t->bias);
}

/*
 * A symbol the target exports binds as the dynamic linker bound the target's own
 * references to it: first definition in search order. That is how a shared-library
 * target's variable copied into the executable (R_X86_64_COPY) or an interposed
 * function is reached; for the executable itself, the search finds the same address.
 * Symbols that are not exported live at the target's bias.
 */
static int target_sym(struct lup_bind *b, const LupSymbol *s, const struct lup_target *t,
		      uint64_t *addr)
{
	const struct lup_sym *ds;
	long mod;

	if (!lup_elf_find_dynsym(t->elf, s->name, &ds) && ds->value == s->value &&
	    ds->type != STT_TLS)
		return library_sym(b, s->name, NULL, false, addr);
	if (!lup_elf_find_sym(t->elf, s->name, NULL, &ds) && ds->value == s->value &&
	    ds->type == STT_GNU_IFUNC) {
		/* the target's own IFUNC (a static executable's memcpy) */
		mod = target_module(b, t);
		return mod < 0 ? -LUP_ENOTAPPLIC :
				 ifunc_addr(b, (size_t)mod, t->elf, s->name, s->value, addr);
	}
	*addr = t->bias + s->value;
	return 0;
}

static int sym_addr(struct lup_bind *b, const LupSymbol *s, const struct lup_target *t,
		    uint64_t base, uint64_t *addr)
{
	switch (s->scope) {
	case LUP_SYM_SCOPE__LUP_SYM_TARGET:
		return target_sym(b, s, t, addr);
	case LUP_SYM_SCOPE__LUP_SYM_PATCH:
		*addr = base + s->value;
		return 0;
	default:
		return library_sym(b, s->name, s->version, s->weak, addr);
	}
}

/*
 * The module that defines thread-local s and its offset in that module's block: a
 * library's variable is its first definition in link-map order.
 */
static int tls_symbol(struct lup_bind *b, const LupSymbol *s, const struct lup_target *t,
		      size_t *mod, uint64_t *value)
{
	const struct lup_sym *ds;
	struct lup_elf *e;
	long m;

	if (s->scope == LUP_SYM_SCOPE__LUP_SYM_LIBRARY) {
		for (size_t i = 0; i < b->lm.nr; i++)
			if (!lup_bind_module_elf(b, i, &e) &&
			    !lup_elf_find_dynsym_version(e, s->name, s->version, &ds) &&
			    ds->type == STT_TLS) {
				*mod = i;
				*value = ds->value;
				return 0;
			}
		pr_err("%s: thread-local symbol %s is defined by none of the loaded libraries",
		       b->v->who, s->name);
		return -LUP_ENOTAPPLIC;
	}
	m = target_module(b, t);
	if (s->scope != LUP_SYM_SCOPE__LUP_SYM_TARGET || !s->tls || m < 0) {
		pr_err("%s: thread-local symbol %s: neither the target's nor a library's", b->v->who,
		       s->name);
		return -LUP_ENOTAPPLIC;
	}
	*mod = (size_t)m;
	*value = s->value;
	return 0;
}

/* TPOFF64, DTPMOD64, DTPOFF64: what a relocation of thread-local s is filled with. */
static int tls_value(struct lup_bind *b, const LupReloc *r, const LupSymbol *s,
		     const struct lup_target *t, uint64_t *val)
{
	uint64_t value;
	int64_t tpoff;
	size_t mod;
	int ret = tls_symbol(b, s, t, &mod, &value);

	if (ret)
		return ret;
	switch (r->kind) {
	case LUP_RELOC_KIND__LUP_RELOC_TPOFF64:
		ret = lup_tls_tpoff(b, mod, value, &tpoff);
		*val = (uint64_t)(tpoff + r->addend);
		return ret;
	case LUP_RELOC_KIND__LUP_RELOC_DTPMOD64:
		return lup_tls_modid(b, mod, val);
	default:
		*val = value + (uint64_t)r->addend;
		return 0;
	}
}

static int reloc_value(struct lup_bind *b, const LupPatch *p, const LupReloc *r,
		       const struct lup_target *t, uint64_t base, uint64_t *val)
{
	const LupSymbol *s = r->has_symbol && r->symbol < p->n_symbols ? p->symbols[r->symbol] : NULL;
	int ret;

	if (r->kind == LUP_RELOC_KIND__LUP_RELOC_RELATIVE) {
		*val = base + (uint64_t)r->addend;
		return 0;
	}
	if (!s)
		return -LUP_EBADPATCH;	/* lup_patch_validate rejects it first */
	if (r->kind != LUP_RELOC_KIND__LUP_RELOC_ABS64 && r->kind != LUP_RELOC_KIND__LUP_RELOC_PC32)
		return tls_value(b, r, s, t, val);
	ret = sym_addr(b, s, t, base, val);
	*val += (uint64_t)r->addend;
	return ret;
}

/* PC32: *val (symbol + addend) made relative to the slot at where; it must fit 32 bits. */
static int pc32_value(struct lup_bind *b, const LupSymbol *s, uint64_t where, uint64_t *val)
{
	int64_t rel = (int64_t)(*val - where);

	if (rel < INT32_MIN || rel > INT32_MAX) {
		pr_err("%s: %s is %#lx bytes from the patch's code that refers to it, out of "
		       "32-bit reach", b->v->who, s->name, (unsigned long)(rel < 0 ? -rel : rel));
		return -LUP_ENOSPACE;
	}
	*val = (uint64_t)(uint32_t)(int32_t)rel;
	return 0;
}

int lup_bind_patch(struct lup_bind *b, const LupPatch *p, const struct lup_target *t,
		   uint64_t base, uint8_t *image)
{
	uint64_t val;
	size_t i;
	int ret;

	for (i = 0; i < p->n_relocs; i++) {
		const LupReloc *r = p->relocs[i];

		size_t len = r->kind == LUP_RELOC_KIND__LUP_RELOC_PC32 ? 4 : sizeof(val);

		if (r->offset > p->image_size || p->image_size - r->offset < len)
			return -LUP_EBADPATCH;	/* lup_patch_validate rejects it first */
		ret = reloc_value(b, p, r, t, base, &val);
		if (!ret && len == 4)
			ret = pc32_value(b, p->symbols[r->symbol], base + r->offset, &val);
		if (ret)
			return ret;
		memcpy(image + r->offset, &val, len);
	}
	return 0;
}
