/* Finding a patch's target among the files a process maps (by build-id), and its load bias. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf-file.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "core/target.h"
#include "core/view.h"

/* The file the process maps must be the one the patch was built for. */
static int open_target(struct lup_view *v, const LupPatch *patch, struct lup_target *t)
{
	const uint8_t *id;
	size_t len;
	int ret = v->ops->open_file(v, t->file, &t->elf);

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

int lup_target_find(struct lup_view *v, const LupPatch *patch, struct lup_target *t)
{
	const ProtobufCBinaryData *id = &patch->target_build_id;
	int ret;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < v->nr_maps && !t->head; i++) {
		const struct lup_view_map *m = &v->maps[i];

		if (m->file >= 0 && !m->pgoff &&
		    lup_view_file_has_build_id(v, (size_t)m->file, id->data, id->len)) {
			t->head = m;
			t->file = (size_t)m->file;
		}
	}
	if (!t->head)
		return 0;
	ret = open_target(v, patch, t);
	return ret ? ret : 1;
}

int lup_patch_ranges(const LupPatch *patch, const struct lup_target *t, struct lup_range **out,
		     size_t *nr)
{
	struct lup_range *r = NULL;
	int ret = 0;

	*nr = 0;
	for (size_t i = 0; !ret && i < patch->n_funcs; i++) {
		const LupFunc *f = patch->funcs[i];
		uint64_t start = t->bias + f->target_value;

		ret = LUP_ARRAY_PUSH(r, *nr, (struct lup_range){ start, start + f->target_size,
								 f->name });
		/* its unlikely parts (f.cold): a thread there is inside f */
		for (size_t k = 0; !ret && k < f->n_parts; k++)
			ret = LUP_ARRAY_PUSH(r, *nr, (struct lup_range){
				t->bias + f->parts[k]->value,
				t->bias + f->parts[k]->value + f->parts[k]->size, f->name });
	}
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}
