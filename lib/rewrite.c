/*
 * lup_rewrite: for each process of the dump that maps a patch's target, check the old
 * entries and the threads' stacks, place and bind the patch image, write the jumps;
 * then write a parent-linked output directory with only the changed pages in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bind.h"
#include "err.h"
#include "img-out.h"
#include "log.h"
#include "mem.h"
#include "overlay.h"
#include "place.h"
#include "record-chain.h"
#include "rewrite.h"
#include "stack-check.h"
#include "target.h"
#include "x86/jump.h"

#define PAGE_UP(x) (((x) + LUP_PAGE_SIZE - 1) & ~(LUP_PAGE_SIZE - 1))
#define NEW_VMA_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS)

/* One process being rewritten. */
struct proc_rw {
	const struct lup_dump *d;
	struct lup_proc *p;
	const char *root;
	char who[32];
	struct lup_mem *mem;
	struct lup_overlay ov;
	struct lup_bind bind;
	bool bind_open, changed;
	struct lup_space *space;	/* the patch records, for the stacking rule */
	struct lup_chain *chain;
};

/* What each old entry holds before the patch's jump goes there (lup_chain_check_func). */
struct entry_state {
	uint8_t saved[LUP_JMP_SIZE];
	const char *below;
};

/*
 * Old entries must hold what the patch was built against, or the jump of a recorded patch
 * it may go on top of (the stacking rule, Documentation/lifecycle.md).
 */
static int check_entries(struct proc_rw *rw, const LupPatch *patch, uint64_t bias,
			 struct entry_state *es)
{
	size_t i;
	int ret = lup_chain_check_patch(rw->chain, patch);

	for (i = 0; !ret && i < patch->n_funcs; i++)
		ret = lup_chain_check_func(rw->chain, patch, patch->funcs[i],
					   bias + patch->funcs[i]->target_value, es[i].saved, &es[i].below);
	return ret == -EFAULT || ret == -ENOENT ? -LUP_EBADIMG : ret;
}

static int check_stacks(struct proc_rw *rw, const LupPatch *patch, uint64_t bias)
{
	struct lup_range *r;
	size_t nr, i;
	int ret = lup_chain_patch_ranges(rw->chain, patch, bias, &r, &nr);

	if (ret)
		return ret;
	for (i = 0; !ret && i < rw->p->nr_threads; i++)
		ret = lup_stack_check_image(rw->d, rw->p, &rw->p->threads[i], rw->mem, r, nr);
	free(r);
	return ret;
}

static int place_patch(struct proc_rw *rw, const LupPatch *patch, uint64_t bias, uint64_t *base)
{
	const MmEntry *mm = rw->p->mm;
	struct lup_place_vma *v = calloc(mm->n_vmas + 1, sizeof(*v));
	uint64_t *from = calloc(patch->n_funcs + 1, sizeof(*from));
	uint64_t *to = calloc(patch->n_funcs + 1, sizeof(*to));
	/* the record's VMA goes right after the image: placed together */
	struct lup_place_req req = { .size = patch->image_size + lup_record_vma_size(patch),
				     .from = from, .to_off = to,
				     .nr_from = patch->n_funcs, .nr_to = patch->n_funcs,
				     .min_addr = lup_mmap_min_addr() };
	size_t i;
	int ret = -ENOMEM;

	if (v && from && to) {
		for (i = 0; i < mm->n_vmas; i++)
			v[i] = (struct lup_place_vma){ mm->vmas[i]->start, mm->vmas[i]->end,
						       mm->vmas[i]->flags & MAP_GROWSDOWN };
		for (i = 0; i < patch->n_funcs; i++) {
			from[i] = bias + patch->funcs[i]->target_value;
			to[i] = patch->funcs[i]->new_offset;
		}
		ret = lup_place(v, mm->n_vmas, &req, base);
		if (ret)
			pr_err("%s: no free %" PRIu64 " bytes within +-2 GiB of %s for patch %s", rw->who,
			       patch->image_size, patch->target_name, patch->id);
	}
	free(v);
	free(from);
	free(to);
	return ret;
}

/* Inserts a private anonymous VMA for seg, keeping the list sorted. */
static int add_vma(MmEntry *mm, uint64_t start, uint64_t end, uint32_t prot)
{
	VmaEntry *v = malloc(sizeof(*v)), **vmas = realloc(mm->vmas, (mm->n_vmas + 1) * sizeof(*vmas));
	size_t i;

	if (vmas)
		mm->vmas = vmas;
	if (!v || !vmas) {
		free(v);
		return -ENOMEM;
	}
	vma_entry__init(v);
	v->start = start;
	v->end = end;
	v->prot = prot;
	v->flags = NEW_VMA_FLAGS;
	v->status = LUP_VMA_AREA_REGULAR | LUP_VMA_ANON_PRIVATE;
	v->fd = -1;
	for (i = mm->n_vmas; i > 0 && mm->vmas[i - 1]->start > start; i--)
		mm->vmas[i] = mm->vmas[i - 1];
	mm->vmas[i] = v;
	mm->n_vmas++;
	return 0;
}

/* The patch image as laid out at base: segment contents, zero-filled, then bound. */
static int build_image(struct proc_rw *rw, const LupPatch *patch, const struct lup_target *t,
		       uint64_t base, uint8_t **out)
{
	uint8_t *img = calloc(1, patch->image_size);
	size_t i;
	int ret;

	if (!img)
		return -ENOMEM;
	for (i = 0; i < patch->n_segments; i++)
		memcpy(img + patch->segments[i]->offset, patch->segments[i]->data.data,
		       patch->segments[i]->data.len);
	if (!rw->bind_open) {
		ret = lup_bind_open(rw->d, rw->p, rw->who, rw->root, lup_overlay_read, &rw->ov,
				    &rw->bind);
		if (ret) {
			free(img);
			return ret;
		}
		rw->bind_open = true;
	}
	ret = lup_bind_patch(&rw->bind, patch, t, base, img);
	if (ret)
		free(img);
	else
		*out = img;
	return ret;
}

static int map_segments(struct proc_rw *rw, const LupPatch *patch, uint64_t base, const uint8_t *img)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < patch->n_segments; i++) {
		const LupSegment *s = patch->segments[i];
		uint64_t start = base + s->offset, len = PAGE_UP(s->mem_size);

		ret = add_vma(rw->p->mm, start, start + len, s->prot);
		if (!ret)
			ret = lup_overlay_write(&rw->ov, start, img + s->offset, len, true);
	}
	return ret;
}

static int write_jumps(struct proc_rw *rw, const LupPatch *patch, uint64_t bias, uint64_t base)
{
	uint8_t jmp[LUP_JMP_SIZE];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < patch->n_funcs; i++) {
		uint64_t at = bias + patch->funcs[i]->target_value;

		ret = lup_jmp_encode(at, base + patch->funcs[i]->new_offset, jmp);
		if (!ret)
			ret = lup_overlay_write(&rw->ov, at, jmp, sizeof(jmp), false);
	}
	return ret;
}

/* The patch's record in a read-only VMA after its image; the chain keeps it. */
static int write_record(struct proc_rw *rw, const LupPatch *patch, uint64_t bias, uint64_t base,
			const struct entry_state *es)
{
	uint64_t self = base + patch->image_size;
	uint8_t *buf = NULL;
	LupRecord *r;
	size_t i;
	int ret = lup_record_new(patch, lup_records_next_seq(&rw->chain->rs), self, base, &r);

	for (i = 0; !ret && i < patch->n_funcs; i++) {
		const LupFunc *f = patch->funcs[i];

		ret = lup_record_add_func(r, f->name, bias + f->target_value, f->target_size,
					  es[i].saved, base + f->new_offset, es[i].below);
	}
	if (!ret)
		ret = lup_record_pack(r, &buf);
	if (!ret)
		ret = add_vma(rw->p->mm, self, self + r->self_size, PROT_READ);
	if (!ret)
		ret = lup_overlay_write(&rw->ov, self, buf, r->self_size, true);
	free(buf);
	if (ret == -E2BIG)
		pr_err("%s: the record of patch %s is too large", rw->who, patch->id);
	if (ret)
		lup_record_free(r);
	return ret ? ret : lup_chain_add(rw->chain, r);
}

static int apply_patch(struct proc_rw *rw, const LupPatch *patch, const struct lup_target *t)
{
	struct entry_state *es = calloc(patch->n_funcs + 1, sizeof(*es));
	uint8_t *img = NULL;
	uint64_t base;
	int ret = es ? check_entries(rw, patch, t->bias, es) : -ENOMEM;

	if (!ret)
		ret = check_stacks(rw, patch, t->bias);
	if (!ret)
		ret = place_patch(rw, patch, t->bias, &base);
	if (!ret)
		ret = build_image(rw, patch, t, base, &img);
	if (!ret)
		ret = map_segments(rw, patch, base, img);
	if (!ret)
		ret = write_jumps(rw, patch, t->bias, base);
	if (!ret)
		ret = write_record(rw, patch, t->bias, base, es);
	free(img);
	free(es);
	if (!ret) {
		pr_info("%s: patch %s placed at 0x%" PRIx64, rw->who, patch->id, base);
		rw->changed = true;
	}
	return ret;
}

/* Applies every patch whose target p maps, in order. *hits counts processes per patch. */
static int rewrite_proc(struct proc_rw *rw, const struct lup_rewrite_opts *o, size_t *hits)
{
	struct lup_target t;
	size_t i;
	int ret = lup_mem_open(rw->d, rw->p, rw->root, &rw->mem);

	rw->ov.mem = rw->mem;
	if (!ret)
		ret = lup_space_dump(rw->d, rw->p, rw->mem, &rw->space);
	if (!ret)
		ret = lup_chain_open(rw->space, &rw->chain);
	for (i = 0; !ret && i < o->nr_patches; i++) {
		ret = lup_target_find(rw->d, rw->p, o->patches[i], rw->root, &t);
		if (ret <= 0)
			continue;
		hits[i]++;
		ret = apply_patch(rw, o->patches[i], &t);
		lup_target_release(&t);
	}
	return ret;
}

static void release_proc(struct proc_rw *rw)
{
	if (rw->bind_open)
		lup_bind_close(&rw->bind);
	lup_overlay_free(&rw->ov);
	lup_chain_free(rw->chain);
	lup_space_free(rw->space);
	if (rw->mem)
		lup_mem_close(rw->mem);
}

static int check_hits(const struct lup_rewrite_opts *o, const size_t *hits)
{
	size_t i;

	for (i = 0; i < o->nr_patches; i++) {
		if (!hits[i]) {
			pr_err("%s: no process maps %s, the target of patch %s", o->img_dir,
			       o->patches[i]->target_name, o->patches[i]->id);
			return -LUP_ENOTAPPLIC;
		}
	}
	return 0;
}

int lup_rewrite(const struct lup_rewrite_opts *o)
{
	struct lup_out_set set = { 0 };
	struct proc_rw *rws = NULL;
	struct lup_dump *d;
	size_t i, *hits = calloc(o->nr_patches + 1, sizeof(*hits));
	int ret = hits ? lup_dump_open(o->img_dir, &d) : -ENOMEM;

	if (ret) {
		free(hits);
		return ret;
	}
	rws = calloc(d->nr_procs + 1, sizeof(*rws));
	ret = rws ? 0 : -ENOMEM;
	for (i = 0; !ret && i < d->nr_procs; i++) {
		rws[i] = (struct proc_rw){ .d = d, .p = &d->procs[i], .root = o->root };
		snprintf(rws[i].who, sizeof(rws[i].who), "process %d", d->procs[i].pid);
		ret = rewrite_proc(&rws[i], o, hits);
		if (!ret && rws[i].changed)
			ret = lup_out_set_add(&set, rws[i].p, &rws[i].ov);
	}
	if (!ret)
		ret = check_hits(o, hits);
	if (!ret)
		ret = lup_out_write_dump(d, o->out_dir, &set);
	for (i = 0; rws && i < d->nr_procs; i++)
		release_proc(&rws[i]);
	lup_out_set_free(&set);
	free(rws);
	free(hits);
	lup_dump_close(d);
	return ret;
}
