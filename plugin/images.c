/*
 * What the images say about a patch in one dumped process: whether the process maps the
 * patch's target (lup_target_find over its view) and, per replaced function, whether its entry holds
 * the original bytes or already a jump into a patch VMA.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/record.h"
#include "core/target.h"
#include "core/view.h"
#include "images/dump.h"
#include "images/view-images.h"
#include "plugin.h"
#include "util/err.h"
#include "util/log.h"

/* A jmp rel32 at addr whose destination is in a private anonymous r-x mapping. */
static int is_patch_jump(const struct lup_view *v, uint64_t addr, const uint8_t *b)
{
	const struct lup_view_map *m;
	int32_t rel;

	if (b[0] != 0xe9)
		return 0;
	memcpy(&rel, b + 1, 4);
	m = lup_view_find(v, addr + LUP_JMP_SIZE + (int64_t)rel);
	return m && m->anon && m->prot == (PROT_READ | PROT_EXEC);
}

static int read_entries(struct lup_view *v, const LupPatch *patch, struct lup_img_state *st)
{
	size_t i;
	int ret;

	st->original = st->jumped = 0;
	for (i = 0; i < patch->n_funcs && i < LUP_PLUGIN_MAX_FUNCS; i++) {
		const LupFunc *f = patch->funcs[i];

		st->entry[i] = st->bias + f->target_value;
		ret = lup_view_read(v, st->entry[i], st->bytes[i], LUP_JMP_SIZE);
		if (ret < 0) {
			pr_err("%s: cannot read the entry of %s at 0x%lx: %s", v->who, f->name,
			       (unsigned long)st->entry[i], lup_strerror(ret));
			return ret;
		}
		if (f->orig_bytes.len >= LUP_JMP_SIZE &&
		    !memcmp(st->bytes[i], f->orig_bytes.data, LUP_JMP_SIZE))
			st->original++;
		else if (is_patch_jump(v, st->entry[i], st->bytes[i]))
			st->jumped++;
	}
	return 0;
}

/* Whether the process's records name this patch: applied (a jump may be another's). */
static int is_recorded(struct lup_view *v, const LupPatch *patch, int *yes)
{
	struct lup_records rs;
	int ret = lup_records_find(v, &rs);

	if (ret)
		return ret;
	*yes = lup_records_by_id(&rs, patch->id) != NULL;
	lup_records_free(&rs);
	return 0;
}

static int view_state(struct lup_view *v, const LupPatch *patch, struct lup_img_state *st)
{
	struct lup_target t;
	int ret = lup_target_find(v, patch, &t);

	if (ret <= 0)
		return ret;
	st->bias = t.bias;
	ret = read_entries(v, patch, st);
	st->mapped = !ret;
	if (!ret)
		ret = is_recorded(v, patch, &st->recorded);
	return ret;
}

int lup_plugin_img_state(const struct lup_dump *d, const struct lup_proc *p, const char *root,
			 const LupPatch *patch, struct lup_img_state *st)
{
	struct lup_view v;
	int ret;

	st->mapped = 0;
	if (patch->n_funcs > LUP_PLUGIN_MAX_FUNCS) {
		pr_err("patch %s: more than %d functions", patch->id, LUP_PLUGIN_MAX_FUNCS);
		return -LUP_EBADPATCH;
	}
	ret = lup_view_images(d, p, root, &v);
	if (ret)
		return ret;
	ret = view_state(&v, patch, st);
	lup_view_free(&v);
	return ret;
}
