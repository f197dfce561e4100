/*
 * The runtime's registration data (runtime/begin.S, lib/core/unwind.h): the addresses
 * only the link knows, filled as relocations from the patch base (the .eh_frame_hdr
 * table, the code's bounds), and the offset of the data in the patch (lup_patch.unwind).
 */
#include <errno.h>
#include <stdlib.h>

#include "core/unwind.h"
#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

static int add_relative(struct lup_mkpatch *m, uint64_t offset, uint64_t value)
{
	LupReloc *r = malloc(sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	lup_reloc__init(r);
	r->offset = offset;
	r->kind = LUP_RELOC_KIND__LUP_RELOC_RELATIVE;
	r->addend = (int64_t)value;
	ret = lup_mkpatch_push(&m->p->relocs, &m->p->n_relocs, r);
	if (ret)
		free(r);
	return ret;
}

/* The .eh_frame_hdr and the executable segment of the linked patch. */
static int find_phdrs(struct lup_mkpatch *m, GElf_Phdr *hdr, GElf_Phdr *code)
{
	Elf *elf = lup_elf_libelf(m->so);
	bool has_hdr = false, has_code = false;
	size_t n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph))
			continue;
		if (ph.p_type == PT_GNU_EH_FRAME && !has_hdr)
			*hdr = ph, has_hdr = true;
		else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && !has_code)
			*code = ph, has_code = true;
	}
	if (has_hdr && has_code)
		return 0;
	pr_err("%s: the linked patch has no %s", m->o->out,
	       has_hdr ? "executable segment" : ".eh_frame_hdr (link it with --eh-frame-hdr)");
	return -LUP_EBADPATCH;
}

int lup_mkpatch_unwind(struct lup_mkpatch *m)
{
	const struct lup_sym *s;
	GElf_Phdr hdr = { 0 }, code = { 0 };
	int ret;

	if (lup_elf_find_sym(m->so, LUP_UNWIND_SYMBOL, NULL, &s)) {
		pr_err("%s: the linked patch lacks lup's runtime (%s)", m->o->out, LUP_UNWIND_SYMBOL);
		return -LUP_EBADPATCH;
	}
	ret = find_phdrs(m, &hdr, &code);
	if (!ret)
		ret = add_relative(m, s->value + LUP_UNWIND_EH_HDR, hdr.p_vaddr);
	if (!ret)
		ret = add_relative(m, s->value + LUP_UNWIND_CODE_START, code.p_vaddr);
	if (!ret)
		ret = add_relative(m, s->value + LUP_UNWIND_CODE_END, code.p_vaddr + code.p_memsz);
	m->p->has_unwind = true;
	m->p->unwind = s->value;
	return ret;
}
