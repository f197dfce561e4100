/* A readable listing of a lup patch (lup-mkpatch --dump), one line per item. */
#include <inttypes.h>

#include "mkpatch/mkpatch.h"

static const char *prot_name(LupProt prot)
{
	return prot == LUP_PROT__LUP_PROT_RX ? "r-x" : prot == LUP_PROT__LUP_PROT_RW ? "rw-" : "r--";
}

static const char *scope_name(LupSymScope scope)
{
	return scope == LUP_SYM_SCOPE__LUP_SYM_TARGET ? "target" :
	       scope == LUP_SYM_SCOPE__LUP_SYM_LIBRARY ? "library" : "patch";
}

static const char *kind_name(LupRelocKind kind)
{
	switch (kind) {
	case LUP_RELOC_KIND__LUP_RELOC_RELATIVE:
		return "relative";
	case LUP_RELOC_KIND__LUP_RELOC_ABS64:
		return "abs64";
	case LUP_RELOC_KIND__LUP_RELOC_TPOFF64:
		return "tpoff64";
	case LUP_RELOC_KIND__LUP_RELOC_DTPMOD64:
		return "dtpmod64";
	case LUP_RELOC_KIND__LUP_RELOC_PC32:
		return "pc32";
	default:
		return "dtpoff64";
	}
}

static void print_hex(FILE *f, const uint8_t *b, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%02x", i ? sep : "", b[i]);
}

static void dump_header(const LupPatch *p, FILE *f)
{
	fprintf(f, "id %s\nversion %u\ntarget %s %s\nbuild-id ", p->id, p->version, p->target_name,
		p->target_dyn ? "dyn" : "exec");
	print_hex(f, p->target_build_id.data, p->target_build_id.len, "");
	fprintf(f, "\nimage_size 0x%" PRIx64 "\n", p->image_size);
	if (p->has_created)
		fprintf(f, "created %" PRIu64 "\n", p->created);
	for (size_t i = 0; i < p->n_expects; i++)
		fprintf(f, "expects %s\n", p->expects[i]);
}

void lup_patch_dump(const LupPatch *p, FILE *f)
{
	dump_header(p, f);
	for (size_t i = 0; i < p->n_segments; i++)
		fprintf(f, "segment 0x%" PRIx64 " mem 0x%" PRIx64 " data 0x%zx %s\n",
			p->segments[i]->offset, p->segments[i]->mem_size, p->segments[i]->data.len,
			prot_name(p->segments[i]->prot));
	for (size_t i = 0; i < p->n_funcs; i++) {
		const LupFunc *fn = p->funcs[i];

		fprintf(f, "func %s target 0x%" PRIx64 " size %" PRIu64 " new 0x%" PRIx64 " orig ",
			fn->name, fn->target_value, fn->target_size, fn->new_offset);
		print_hex(f, fn->orig_bytes.data, fn->orig_bytes.len, " ");
		fputc('\n', f);
		for (size_t k = 0; k < fn->n_parts; k++)
			fprintf(f, "part %s 0x%" PRIx64 " size %" PRIu64 "\n", fn->name,
				fn->parts[k]->value, fn->parts[k]->size);
	}
	for (size_t i = 0; i < p->n_symbols; i++) {
		const LupSymbol *s = p->symbols[i];

		fprintf(f, "symbol %zu %s %s", i, s->name, scope_name(s->scope));
		if (s->has_value)
			fprintf(f, " 0x%" PRIx64, s->value);
		if (s->version)
			fprintf(f, " version %s", s->version);
		fprintf(f, "%s%s\n", s->has_tls && s->tls ? " tls" : "", s->has_weak && s->weak ? " weak" : "");
	}
	for (size_t i = 0; i < p->n_relocs; i++) {
		const LupReloc *r = p->relocs[i];

		fprintf(f, "reloc 0x%" PRIx64 " %s", r->offset, kind_name(r->kind));
		if (r->has_symbol)
			fprintf(f, " %s", p->symbols[r->symbol]->name);
		fprintf(f, " %+" PRId64 "\n", r->addend);
	}
}
