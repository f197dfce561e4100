/*
 * Applying a patch to one process, over its view: check the old entries and the
 * threads' stacks, place and bind the patch image, then plan its mappings, its record
 * and the jumps over the old entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86/jump.h"
#include "core/ops.h"
#include "core/place.h"
#include "core/stack-check.h"
#include "core/target.h"
#include "core/view.h"
#include "util/err.h"
#include "util/log.h"

#define PAGE_UP(x) (((x) + LUP_PAGE_SIZE - 1) & ~(LUP_PAGE_SIZE - 1))

/* What each old entry holds before the patch's jump goes there (lup_chain_check_func). */
struct entry_state {
	uint8_t saved[LUP_JMP_SIZE];
	const char *below;
};

int lup_op_open(struct lup_view *v, struct lup_op **out)
{
	struct lup_op *op = calloc(1, sizeof(*op));
	int ret = op ? lup_chain_open(v, &op->chain) : -ENOMEM;

	if (ret) {
		free(op);
		return ret;
	}
	op->v = v;
	*out = op;
	return 0;
}

void lup_op_free(struct lup_op *op)
{
	if (!op)
		return;
	if (op->bind_open)
		lup_bind_close(&op->bind);
	lup_chain_free(op->chain);
	lup_plan_free(&op->plan);
	free(op);
}

/* The process's memory as the plan so far leaves it (the binding reads it). */
static int read_planned(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct lup_op *op = arg;

	return lup_plan_read(&op->plan, op->v, addr, buf, len);
}

static int check_funcs(struct lup_op *op, const LupPatch *p, uint64_t bias, struct entry_state *es)
{
	int ret = lup_chain_check_patch(op->chain, p);

	for (size_t i = 0; !ret && i < p->n_funcs; i++)
		ret = lup_chain_check_func(op->chain, p, p->funcs[i], bias + p->funcs[i]->target_value,
					   es[i].saved, &es[i].below);
	return ret == -EFAULT || ret == -ENOENT ? -LUP_EBADIMG : ret;
}

int lup_op_check_entries(struct lup_op *op, const LupPatch *p, uint64_t bias)
{
	struct entry_state *es = calloc(p->n_funcs + 1, sizeof(*es));
	int ret = es ? check_funcs(op, p, bias, es) : -ENOMEM;

	free(es);
	return ret;
}

int lup_op_check_stacks(struct lup_op *op, const LupPatch *p, const struct lup_target *t)
{
	struct lup_range *r;
	size_t nr;
	int ret = lup_chain_patch_ranges(op->chain, p, t, &r, &nr);

	if (ret)
		return ret;
	ret = lup_stack_check(op->v, r, nr);
	free(r);
	return ret;
}

static int cmp_place_vma(const void *a, const void *b)
{
	const struct lup_place_vma *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The view's mappings and the ones planned so far, sorted. */
static struct lup_place_vma *place_vmas(const struct lup_op *op, size_t *nr)
{
	const struct lup_view *v = op->v;
	struct lup_place_vma *pv = calloc(v->nr_maps + op->plan.nr_maps + 1, sizeof(*pv));
	size_t i, k = 0;

	if (!pv)
		return NULL;
	for (i = 0; i < v->nr_maps; i++)
		pv[k++] = (struct lup_place_vma){ v->maps[i].start, v->maps[i].end, v->maps[i].grows_down };
	for (i = 0; i < op->plan.nr_maps; i++)
		pv[k++] = (struct lup_place_vma){ op->plan.maps[i].start, op->plan.maps[i].end, false };
	qsort(pv, k, sizeof(*pv), cmp_place_vma);
	*nr = k;
	return pv;
}

/* A PC32 relocation to a target symbol: the image must lie within 32-bit reach of it. */
static const LupSymbol *pc32_target(const LupPatch *p, const LupReloc *r)
{
	const LupSymbol *s = r->has_symbol && r->symbol < p->n_symbols ? p->symbols[r->symbol] : NULL;

	return r->kind == LUP_RELOC_KIND__LUP_RELOC_PC32 && s &&
	       s->scope == LUP_SYM_SCOPE__LUP_SYM_TARGET ? s : NULL;
}

/*
 * The places the image must reach (every new function from every old entry, every
 * PC32 slot to its target symbol: reach is checked pairwise, which asks a little more).
 */
static size_t reach_pairs(const LupPatch *p, uint64_t bias, uint64_t *from, uint64_t *to)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_funcs; i++, n++) {
		from[n] = bias + p->funcs[i]->target_value;
		to[n] = p->funcs[i]->new_offset;
	}
	for (size_t i = 0; i < p->n_relocs; i++) {
		const LupSymbol *s = pc32_target(p, p->relocs[i]);

		if (!s)
			continue;
		/* as a jump's: its end (from + LUP_JMP_SIZE) is what the slot is relative to */
		from[n] = bias + s->value - LUP_JMP_SIZE;
		to[n++] = p->relocs[i]->offset;
	}
	return n;
}

static int place_patch(struct lup_op *op, const LupPatch *p, uint64_t bias, uint64_t *base)
{
	size_t nr_vmas, n = p->n_funcs + p->n_relocs + 1;
	struct lup_place_vma *v = place_vmas(op, &nr_vmas);
	uint64_t *from = calloc(n, sizeof(*from));
	uint64_t *to = calloc(n, sizeof(*to));
	/* the record's VMA goes right after the image: placed together */
	struct lup_place_req req = { .size = p->image_size + lup_record_vma_size(p),
				     .from = from, .to_off = to,
				     .min_addr = lup_mmap_min_addr() };
	int ret = -ENOMEM;

	if (v && from && to) {
		req.nr_from = req.nr_to = reach_pairs(p, bias, from, to);
		ret = lup_place(v, nr_vmas, &req, base);
		if (ret)
			pr_err("%s: no free %" PRIu64 " bytes within +-2 GiB of %s for patch %s",
			       op->v->who, p->image_size, p->target_name, p->id);
	}
	free(v);
	free(from);
	free(to);
	return ret;
}

/* The patch image as laid out at base: segment contents, zero-filled, then bound. */
static int build_image(struct lup_op *op, const LupPatch *p, const struct lup_target *t,
		       uint64_t base, uint8_t **out)
{
	uint8_t *img = calloc(1, p->image_size);
	int ret = 0;

	if (!img)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_segments; i++)
		memcpy(img + p->segments[i]->offset, p->segments[i]->data.data,
		       p->segments[i]->data.len);
	if (!op->bind_open) {
		ret = lup_bind_open(op->v, read_planned, op, &op->bind);
		op->bind_open = !ret;
	}
	if (!ret)
		ret = lup_bind_patch(&op->bind, p, t, base, img);
	if (ret)
		free(img);
	else
		*out = img;
	return ret;
}

static int plan_segments(struct lup_op *op, const LupPatch *p, uint64_t base, const uint8_t *img)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < p->n_segments; i++) {
		const LupSegment *s = p->segments[i];
		uint64_t start = base + s->offset, len = PAGE_UP(s->mem_size);
		uint8_t *data = malloc(len);

		if (!data)
			return -ENOMEM;
		memcpy(data, img + s->offset, len);
		ret = lup_plan_add_map(&op->plan, start, start + len, s->prot, data, len);
	}
	return ret;
}

static int plan_jumps(struct lup_op *op, const LupPatch *p, uint64_t bias, uint64_t base)
{
	uint8_t jmp[LUP_JMP_SIZE];
	int ret = 0;

	for (size_t i = 0; !ret && i < p->n_funcs; i++) {
		uint64_t at = bias + p->funcs[i]->target_value;

		ret = lup_jmp_encode(at, base + p->funcs[i]->new_offset, jmp);
		if (!ret)
			ret = lup_plan_add_write_copy(&op->plan, at, jmp, sizeof(jmp));
	}
	return ret;
}

/* The patch's record in a read-only mapping after its image; the chain keeps it. */
static int plan_record(struct lup_op *op, const LupPatch *p, uint64_t bias, uint64_t base,
		       const struct entry_state *es)
{
	uint64_t self = base + p->image_size;
	uint8_t *buf = NULL;
	LupRecord *r;
	int ret = lup_record_new(p, lup_records_next_seq(&op->chain->rs), self, base, &r);

	for (size_t i = 0; !ret && i < p->n_funcs; i++) {
		const LupFunc *f = p->funcs[i];

		ret = lup_record_add_func(r, f->name, bias + f->target_value, f->target_size,
					  es[i].saved, base + f->new_offset, es[i].below);
	}
	if (!ret)
		ret = lup_record_pack(r, &buf);
	if (!ret)
		ret = lup_plan_add_map(&op->plan, self, self + r->self_size, PROT_READ, buf,
				       r->self_size);
	if (ret == -E2BIG)
		pr_err("%s: the record of patch %s is too large", op->v->who, p->id);
	if (ret)
		lup_record_free(r);
	return ret ? ret : lup_chain_add(op->chain, r);
}

static int plan_patch(struct lup_op *op, const LupPatch *p, const struct lup_target *t,
		      uint64_t *at)
{
	struct entry_state *es = calloc(p->n_funcs + 1, sizeof(*es));
	uint8_t *img = NULL;
	uint64_t base;
	int ret = es ? check_funcs(op, p, t->bias, es) : -ENOMEM;

	if (!ret)
		ret = lup_op_check_stacks(op, p, t);
	if (!ret)
		ret = place_patch(op, p, t->bias, &base);
	if (!ret)
		ret = build_image(op, p, t, base, &img);
	if (!ret)
		ret = plan_segments(op, p, base, img);
	if (!ret)
		ret = plan_record(op, p, t->bias, base, es);
	if (!ret)
		ret = plan_jumps(op, p, t->bias, base);
	free(img);
	free(es);
	if (!ret)
		*at = base;
	return ret;
}

int lup_op_apply(struct lup_op *op, const LupPatch *p, uint64_t *base)
{
	struct lup_target t;
	int ret = lup_target_find(op->v, p, &t);

	if (ret <= 0)
		return ret;
	ret = plan_patch(op, p, &t, base);
	return ret ? ret : 1;
}
