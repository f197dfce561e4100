/*
 * What the images say about a patch in one dumped process: whether the process maps the
 * patch's target (lup_target_find) and, per replaced function, whether its entry holds
 * the original bytes or already a jump into a patch VMA.
 */
#include <errno.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "target.h"
#include "vma.h"

/* A jmp rel32 at addr whose destination is in a private anonymous r-x VMA. */
static int is_patch_jump(const MmEntry *mm, uint64_t addr, const uint8_t *b)
{
	int32_t rel;
	const VmaEntry *v;

	if (b[0] != 0xe9)
		return 0;
	memcpy(&rel, b + 1, 4);
	v = lup_vma_find(mm, addr + LUP_JMP_SIZE + (int64_t)rel);
	return v && (v->status & LUP_VMA_ANON_PRIVATE) && v->prot == 5;
}

static int read_entries(const struct lup_proc *p, struct lup_mem *m, const LupPatch *patch,
			struct lup_img_state *st)
{
	size_t i;
	int ret;

	st->original = st->jumped = 0;
	for (i = 0; i < patch->n_funcs && i < LUP_PLUGIN_MAX_FUNCS; i++) {
		const LupFunc *f = patch->funcs[i];

		st->entry[i] = st->bias + f->target_value;
		ret = lup_mem_read(m, st->entry[i], st->bytes[i], LUP_JMP_SIZE);
		if (ret < 0) {
			pr_err("process %d: cannot read the entry of %s at 0x%lx: %s", p->pid, f->name,
			       (unsigned long)st->entry[i], lup_strerror(ret));
			return ret;
		}
		if (f->orig_bytes.len >= LUP_JMP_SIZE &&
		    !memcmp(st->bytes[i], f->orig_bytes.data, LUP_JMP_SIZE))
			st->original++;
		else if (is_patch_jump(p->mm, st->entry[i], st->bytes[i]))
			st->jumped++;
	}
	return 0;
}

int lup_plugin_img_state(const struct lup_dump *d, const struct lup_proc *p, const char *root,
			 const LupPatch *patch, struct lup_img_state *st)
{
	struct lup_target t;
	struct lup_mem *m;
	int ret;

	st->mapped = 0;
	if (patch->n_funcs > LUP_PLUGIN_MAX_FUNCS) {
		pr_err("patch %s: more than %d functions", patch->id, LUP_PLUGIN_MAX_FUNCS);
		return -LUP_EBADPATCH;
	}
	ret = lup_target_find(d, p, patch, root, &t);
	if (ret <= 0)
		return ret;
	st->bias = t.bias;
	lup_target_release(&t);
	ret = lup_mem_open(d, p, root, &m);
	if (ret < 0)
		return ret;
	ret = read_entries(p, m, patch, st);
	lup_mem_close(m);
	st->mapped = !ret;
	return ret;
}
