/*
 * The revert-order rule (Documentation/lifecycle.md): a patch comes out when no applied
 * patch declared that it expects it; at each function it replaced, either its jump is on
 * top (the bytes it saved go back) or another patch sits on it (that patch's record is
 * spliced onto what was below). Every function is checked before anything changes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "core/record-chain.h"
#include "core/view.h"

/* What happens at one function of the patch being reverted. */
struct step {
	bool top;			/* the patch's jump is on top: restore the entry */
	LupRecordFunc *above;		/* else: the function of the patch sitting on it */
	size_t above_rec;		/* ... and the index of that patch's record */
};

static int find_index(const struct lup_records *rs, const LupRecord *r)
{
	for (size_t i = 0; i < rs->nr; i++)
		if (rs->r[i] == r)
			return (int)i;
	return -1;
}

static int check_expected_by(const struct lup_chain *c, const LupRecord *r)
{
	for (size_t i = 0; i < c->rs.nr; i++)
		for (size_t j = 0; j < c->rs.r[i]->n_expects; j++)
			if (!strcmp(c->rs.r[i]->expects[j], r->id)) {
				pr_err("%s: patch %s expects %s underneath: revert %s first",
				       c->v->who, c->rs.r[i]->id, r->id, c->rs.r[i]->id);
				return -LUP_ENOTAPPLIC;
			}
	return 0;
}

/* The function at addr of the patch whose `below` is id. */
static int find_above(const struct lup_chain *c, uint64_t addr, const char *id, struct step *st)
{
	for (size_t i = 0; i < c->rs.nr; i++) {
		LupRecordFunc *f = lup_record_func_at(c->rs.r[i], addr);

		if (f && f->below && !strcmp(f->below, id)) {
			st->above = f;
			st->above_rec = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int plan_func(struct lup_chain *c, const LupRecord *r, const LupRecordFunc *f, struct step *st)
{
	struct lup_chain_entry *e;
	int ret = lup_chain_entry(c, f->addr, &e);

	if (ret)
		return ret;
	st->top = lup_chain_is_jump(e->cur, f->addr, f->new_addr);
	if (st->top || !find_above(c, f->addr, r->id, st))
		return 0;
	pr_err("%s: %s at %#" PRIx64 " holds neither the jump of %s nor that of a patch on it",
	       c->v->who, f->name, f->addr, r->id);
	return -LUP_EBADIMG;
}

static int apply_step(struct lup_chain *c, const LupRecordFunc *f, const struct step *st)
{
	struct lup_chain_entry *e;
	char *below = NULL;
	int ret;

	if (st->top) {
		/* read by plan_func: found without reallocating (earlier pointers stay valid) */
		ret = lup_chain_entry(c, f->addr, &e);
		if (ret)
			return ret;
		memcpy(e->cur, f->saved.data, LUP_JMP_SIZE);
		e->dirty = true;
		return 0;
	}
	if (f->below && !(below = strdup(f->below)))
		return -ENOMEM;
	memcpy(st->above->saved.data, f->saved.data, LUP_JMP_SIZE);
	free(st->above->below);
	st->above->below = below;
	c->rec_dirty[st->above_rec] = true;
	return 0;
}

static int add_clear(struct lup_chain *c, uint64_t start, uint64_t size)
{
	struct lup_chain_clear *n = realloc(c->clear, (c->nr_clear + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->clear = n;
	c->clear[c->nr_clear++] = (struct lup_chain_clear){ start, start + size };
	return 0;
}

/* Moves record i from the applied ones to the reverted ones. */
static int retire(struct lup_chain *c, size_t i)
{
	LupRecord **n = realloc(c->gone.r, (c->gone.nr + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->gone.r = n;
	c->gone.r[c->gone.nr++] = c->rs.r[i];
	c->rs.nr--;
	memmove(&c->rs.r[i], &c->rs.r[i + 1], (c->rs.nr - i) * sizeof(*c->rs.r));
	memmove(&c->rec_dirty[i], &c->rec_dirty[i + 1], (c->rs.nr - i) * sizeof(*c->rec_dirty));
	return 0;
}

int lup_chain_revert(struct lup_chain *c, const char *id, struct lup_range *busy)
{
	LupRecord *r = lup_records_by_id(&c->rs, id);
	struct step *steps;
	size_t i;
	int ret;

	if (!r) {
		pr_err("%s: patch %s is not applied", c->v->who, id);
		return -LUP_ENOTAPPLIC;
	}
	ret = check_expected_by(c, r);
	if (ret)
		return ret;
	steps = calloc(r->n_funcs, sizeof(*steps));
	if (!steps)
		return -ENOMEM;
	for (i = 0; !ret && i < r->n_funcs; i++)
		ret = plan_func(c, r, r->funcs[i], &steps[i]);
	for (i = 0; !ret && i < r->n_funcs; i++)
		ret = apply_step(c, r->funcs[i], &steps[i]);
	free(steps);
	/*
	 * The record is cleared; the image stays mapped: the process may still hold pointers
	 * into it that no stack check sees (a string of the patch's .rodata in the arguments
	 * of a frozen printf, a callback or a buffer it stored), which an unmap made a
	 * SIGSEGV (seen in lifecycle). Clearing with a write, not an unmap: the kernel merges
	 * a record's VMA with its neighbours, which a checkpoint's VMA list cannot split.
	 */
	if (!ret)
		ret = add_clear(c, r->self, r->self_size);
	if (!ret)
		ret = retire(c, (size_t)find_index(&c->rs, r));
	*busy = (struct lup_range){ r->image_addr, r->image_addr + r->image_size, r->id };
	return ret;
}

static int revert_one(struct lup_chain *c, const char *id, struct lup_range **busy, size_t *nr)
{
	struct lup_range *b = realloc(*busy, (*nr + 1) * sizeof(*b));

	if (!b)
		return -ENOMEM;
	*busy = b;
	return lup_chain_revert(c, id, &b[(*nr)++]);
}

int lup_chain_revert_ids(struct lup_chain *c, const char *id, struct lup_range **busy, size_t *nr)
{
	int ret = 0;

	if (id)
		return lup_records_by_id(&c->rs, id) ? revert_one(c, id, busy, nr) : 0;
	while (!ret && c->rs.nr)
		ret = revert_one(c, c->rs.r[c->rs.nr - 1]->id, busy, nr);
	return ret;
}
