/* The patch's segments: the PT_LOADs of the linked shared object, page aligned; no load-time code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

#define PAGE 4096ul

static int seg_prot(struct lup_mkpatch *m, const GElf_Phdr *ph, LupProt *prot)
{
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X)) {
		pr_err("%s: segment at %#lx is writable and executable: refused", m->o->out,
		       (unsigned long)ph->p_vaddr);
		return -LUP_EBADPATCH;
	}
	if (ph->p_flags & PF_X)
		*prot = LUP_PROT__LUP_PROT_RX;
	else if (ph->p_flags & PF_W)
		*prot = LUP_PROT__LUP_PROT_RW;
	else
		*prot = LUP_PROT__LUP_PROT_R;
	return 0;
}

/* A segment from the page holding p_vaddr: the file bytes before it in that page come along. */
static int add_segment(struct lup_mkpatch *m, const GElf_Phdr *ph, const uint8_t *raw, size_t fsize)
{
	uint64_t skip = ph->p_vaddr % PAGE;
	LupSegment *s;
	int ret;

	if (ph->p_offset < skip || ph->p_offset % PAGE != skip || ph->p_filesz > ph->p_memsz ||
	    ph->p_filesz > fsize || ph->p_offset > fsize - ph->p_filesz ||
	    ph->p_memsz > LUP_PATCH_MAX_SIZE || ph->p_vaddr > LUP_PATCH_MAX_SIZE - ph->p_memsz) {
		pr_err("%s: linked segment at %#lx is malformed or too large", m->o->out,
		       (unsigned long)ph->p_vaddr);
		return -LUP_EBADPATCH;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	lup_segment__init(s);
	s->offset = ph->p_vaddr - skip;
	s->mem_size = ph->p_memsz + skip;
	s->data.len = ph->p_filesz + skip;
	s->data.data = malloc(s->data.len ? s->data.len : 1);
	ret = s->data.data ? seg_prot(m, ph, &s->prot) : -ENOMEM;
	if (!ret) {
		memcpy(s->data.data, raw + ph->p_offset - skip, s->data.len);
		ret = lup_mkpatch_push(&m->p->segments, &m->p->n_segments, s);
	}
	if (ret) {
		free(s->data.data);
		free(s);
	}
	return ret;
}

/*
 * Code the patch would have run at load time: nothing of a patch runs when it is
 * applied, so a constructor (or destructor) would silently never run. Refused.
 */
static int check_init(struct lup_mkpatch *m, Elf *elf)
{
	static const char *const names[] = { ".init_array", ".preinit_array", ".ctors", ".init",
					     ".fini_array", ".dtors", ".fini" };
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !sh.sh_size ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(name, names[i])) {
				pr_err("%s: the patch has a constructor or destructor (%s): nothing of "
				       "a patch runs when it is applied; do that work in a replaced "
				       "function", m->o->out, name);
				return -LUP_EBADPATCH;
			}
	}
	return 0;
}

int lup_mkpatch_segments(struct lup_mkpatch *m)
{
	Elf *elf = lup_elf_libelf(m->so);
	size_t n = 0, fsize = 0;
	const uint8_t *raw = (const uint8_t *)elf_rawfile(elf, &fsize);
	uint64_t end = 0;
	GElf_Phdr ph;
	int ret = 0;

	if (!raw || elf_getphdrnum(elf, &n) || lup_elf_load_base(m->so) != 0) {
		pr_err("%s: the linked patch has no usable program headers", m->o->out);
		return -LUP_EBADPATCH;
	}
	ret = check_init(m, elf);
	for (size_t i = 0; !ret && i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		ret = add_segment(m, &ph, raw, fsize);
		if (ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
	}
	m->p->image_size = (end + PAGE - 1) & ~(PAGE - 1);
	return ret;
}
