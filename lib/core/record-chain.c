/*
 * The stacking rule (apply) and the revert-order rule over the records of one process;
 * see Documentation/lifecycle.md. Nothing is written here: the edits accumulate in the
 * chain and the caller writes them into the images.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "core/record-chain.h"
#include "core/target.h"
#include "core/view.h"
#include "arch/x86/jump.h"

int lup_chain_open(struct lup_view *v, struct lup_chain **out)
{
	struct lup_chain *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->v = v;
	ret = lup_records_find(v, &c->rs);
	if (!ret) {
		c->rec_dirty = calloc(c->rs.nr + 1, sizeof(*c->rec_dirty));
		ret = c->rec_dirty ? 0 : -ENOMEM;
	}
	if (ret) {
		lup_chain_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void lup_chain_free(struct lup_chain *c)
{
	if (!c)
		return;
	lup_records_free(&c->rs);
	lup_records_free(&c->gone);
	free(c->rec_dirty);
	free(c->entries);
	free(c->clear);
	free(c);
}

int lup_chain_entry(struct lup_chain *c, uint64_t addr, struct lup_chain_entry **out)
{
	struct lup_chain_entry *n;
	size_t i;
	int ret;

	for (i = 0; i < c->nr_entries; i++)
		if (c->entries[i].addr == addr) {
			*out = &c->entries[i];
			return 0;
		}
	n = realloc(c->entries, (c->nr_entries + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->entries = n;
	n = &c->entries[c->nr_entries];
	*n = (struct lup_chain_entry){ .addr = addr };
	ret = lup_view_read(c->v, addr, n->cur, LUP_JMP_SIZE);
	if (ret) {
		pr_err("%s: cannot read the entry at %#" PRIx64 ": %s", c->v->who, addr,
		       lup_strerror(ret));
		return ret;
	}
	c->nr_entries++;
	*out = n;
	return 0;
}

bool lup_chain_is_jump(const uint8_t cur[LUP_JMP_SIZE], uint64_t from, uint64_t to)
{
	uint8_t jmp[LUP_JMP_SIZE];

	return !lup_jmp_encode(from, to, jmp) && !memcmp(jmp, cur, LUP_JMP_SIZE);
}

/* The record whose jump the entry at addr holds: the top of that function's stack. */
static LupRecord *top_at(const struct lup_chain *c, uint64_t addr, const uint8_t cur[LUP_JMP_SIZE])
{
	size_t i;

	for (i = 0; i < c->rs.nr; i++) {
		const LupRecordFunc *f = lup_record_func_at(c->rs.r[i], addr);

		if (f && lup_chain_is_jump(cur, addr, f->new_addr))
			return c->rs.r[i];
	}
	return NULL;
}

/* The bytes under the whole stack at addr (the original code), following `below`. */
static const LupRecordFunc *bottom_at(const struct lup_chain *c, LupRecord *top, uint64_t addr)
{
	const LupRecordFunc *f = lup_record_func_at(top, addr);
	size_t steps;

	/* at most one step per record: a scribbled `below` cycle ends here */
	for (steps = 0; f && f->below && steps < c->rs.nr; steps++) {
		LupRecord *r = lup_records_by_id(&c->rs, f->below);

		f = r ? lup_record_func_at(r, addr) : NULL;
	}
	return f && !f->below ? f : NULL;
}

/* The code of f, a function of r: up to r's next function or the end of r's image. */
static struct lup_range func_range(const LupRecord *r, const LupRecordFunc *f)
{
	uint64_t end = r->image_addr + r->image_size;

	for (size_t i = 0; i < r->n_funcs; i++)
		if (r->funcs[i]->new_addr > f->new_addr && r->funcs[i]->new_addr < end)
			end = r->funcs[i]->new_addr;
	return (struct lup_range){ f->new_addr, end, r->id };
}

int lup_chain_patch_ranges(struct lup_chain *c, const LupPatch *p, const struct lup_target *t,
			   struct lup_range **out, size_t *nr)
{
	uint64_t bias = t->bias;
	struct lup_range *r;
	int ret;

	*out = NULL;
	ret = lup_patch_ranges(p, t, out, nr);
	r = ret ? NULL : realloc(*out, (*nr + p->n_funcs + 1) * sizeof(*r));
	if (!ret && !r)
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < p->n_funcs; i++) {
		uint64_t addr = bias + p->funcs[i]->target_value;
		struct lup_chain_entry *e;
		const LupRecord *top;

		ret = lup_chain_entry(c, addr, &e);
		top = ret ? NULL : top_at(c, addr, e->cur);
		if (top)
			r[(*nr)++] = func_range(top, lup_record_func_at(top, addr));
	}
	if (r)
		*out = r;
	if (ret) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

static bool expects(const LupPatch *p, const char *id)
{
	for (size_t i = 0; i < p->n_expects; i++)
		if (!strcmp(p->expects[i], id))
			return true;
	return false;
}

int lup_chain_check_patch(struct lup_chain *c, const LupPatch *p)
{
	const LupRecord *r = lup_records_by_id(&c->rs, p->id);

	if (r) {
		pr_err("%s: patch %s is already applied (seq %" PRIu64 ")", c->v->who, p->id, r->seq);
		return -LUP_ENOTAPPLIC;
	}
	for (size_t i = 0; i < p->n_expects; i++)
		if (!lup_records_by_id(&c->rs, p->expects[i])) {
			pr_err("%s: patch %s expects %s underneath, which is not applied", c->v->who,
			       p->id, p->expects[i]);
			return -LUP_ENOTAPPLIC;
		}
	return 0;
}

int lup_chain_check_func(struct lup_chain *c, const LupPatch *p, const LupFunc *f, uint64_t addr,
			 uint8_t saved[LUP_JMP_SIZE], const char **below)
{
	struct lup_chain_entry *e;
	const LupRecordFunc *bottom;
	LupRecord *top;
	int ret = lup_chain_entry(c, addr, &e);

	if (ret)
		return ret;
	memcpy(saved, e->cur, LUP_JMP_SIZE);
	*below = NULL;
	if (!memcmp(e->cur, f->orig_bytes.data, LUP_JMP_SIZE))
		return 0;
	top = top_at(c, addr, e->cur);
	if (!top) {
		pr_err("%s: %s at %#" PRIx64 " holds other bytes than %s was built against "
		       "(another build?)", c->v->who, f->name, addr, p->id);
		return -LUP_ENOTAPPLIC;
	}
	bottom = bottom_at(c, top, addr);
	if (!bottom || memcmp(bottom->saved.data, f->orig_bytes.data, LUP_JMP_SIZE)) {
		pr_err("%s: %s at %#" PRIx64 " was replaced by %s over other bytes than %s was "
		       "built against", c->v->who, f->name, addr, top->id, p->id);
		return -LUP_ENOTAPPLIC;
	}
	if (p->n_expects && !expects(p, top->id)) {
		pr_err("%s: %s at %#" PRIx64 " is replaced by %s, which %s does not expect",
		       c->v->who, f->name, addr, top->id, p->id);
		return -LUP_ENOTAPPLIC;
	}
	*below = top->id;
	return 0;
}

static int add_record(struct lup_records *rs, LupRecord *r)
{
	LupRecord **n = realloc(rs->r, (rs->nr + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	rs->r = n;
	rs->r[rs->nr++] = r;
	return 0;
}

int lup_chain_add(struct lup_chain *c, LupRecord *r)
{
	bool *d = realloc(c->rec_dirty, (c->rs.nr + 1) * sizeof(*d));
	int ret = d ? 0 : -ENOMEM;

	if (d)
		c->rec_dirty = d;
	for (size_t i = 0; !ret && i < r->n_funcs; i++) {
		struct lup_chain_entry *e;

		ret = lup_chain_entry(c, r->funcs[i]->addr, &e);
		if (!ret)
			ret = lup_jmp_encode(e->addr, r->funcs[i]->new_addr, e->cur);
		if (!ret)
			e->dirty = true;
	}
	if (!ret)
		ret = add_record(&c->rs, r);
	if (ret) {
		lup_record_free(r);
		return ret;
	}
	c->rec_dirty[c->rs.nr - 1] = false;	/* written whole by the caller with its VMA */
	return 0;
}
