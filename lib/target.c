/* Finding a patch's target among the files a dumped process maps, and its load bias. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf-file.h"
#include "err.h"
#include "log.h"
#include "root-path.h"
#include "target.h"
#include "vma.h"

/* CRIU packs the build-id four bytes to an element, little-endian, zero-padded. */
static bool same_build_id(const RegFileEntry *f, const ProtobufCBinaryData *id)
{
	size_t i;

	if (!id->len || f->n_build_id != (id->len + 3) / 4)
		return false;
	for (i = 0; i < f->n_build_id * 4; i++) {
		uint8_t b = (f->build_id[i / 4] >> (8 * (i % 4))) & 0xff;

		if (b != (i < id->len ? id->data[i] : 0))
			return false;
	}
	return true;
}

/* The file under root must be the one the process maps (restore checks it too). */
static int open_target(const LupPatch *patch, const char *root, struct lup_target *t)
{
	const uint8_t *id;
	size_t len;
	int ret = lup_root_elf_open(root, t->file->name, &t->elf);

	if (ret)
		return ret;
	if (lup_elf_build_id(t->elf, &id, &len) || len != patch->target_build_id.len ||
	    memcmp(id, patch->target_build_id.data, len)) {
		pr_err("%s: build-id differs from the mapped file's", lup_elf_path(t->elf));
		return -LUP_EBADELF;
	}
	if (lup_elf_is_dyn(t->elf) != patch->target_dyn) {
		pr_err("%s: ELF type differs from the patch's target %s", lup_elf_path(t->elf),
		       patch->target_name);
		return -LUP_EBADELF;
	}
	t->bias = patch->target_dyn ? t->head->start - lup_elf_load_base(t->elf) : 0;
	return 0;
}

int lup_target_find(const struct lup_dump *d, const struct lup_proc *p, const LupPatch *patch,
		    const char *root, struct lup_target *t)
{
	size_t i;
	int ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < p->mm->n_vmas && !t->head; i++) {
		const VmaEntry *v = p->mm->vmas[i];
		const RegFileEntry *f;

		if (!lup_vma_is_file(v) || v->pgoff || v->shmid > UINT32_MAX)
			continue;
		f = lup_dump_reg_file(d, (uint32_t)v->shmid);
		if (f && same_build_id(f, &patch->target_build_id)) {
			t->head = v;
			t->file = f;
		}
	}
	if (!t->head)
		return 0;
	ret = open_target(patch, root, t);
	if (ret) {
		lup_target_release(t);
		return ret;
	}
	return 1;
}

void lup_target_release(struct lup_target *t)
{
	if (t->elf)
		lup_elf_close(t->elf);
	memset(t, 0, sizeof(*t));
}

int lup_patch_ranges(const LupPatch *patch, uint64_t bias, struct lup_range **out, size_t *nr)
{
	struct lup_range *r = calloc(patch->n_funcs ? patch->n_funcs : 1, sizeof(*r));
	size_t i;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < patch->n_funcs; i++) {
		const LupFunc *f = patch->funcs[i];

		r[i].start = bias + f->target_value;
		r[i].end = r[i].start + f->target_size;
		r[i].name = f->name;
	}
	*out = r;
	*nr = patch->n_funcs;
	return 0;
}
