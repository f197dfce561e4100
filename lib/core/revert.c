/*
 * Reverting patches in one process, over its view: the revert-order rule on its records
 * (lib/core/revert-chain.c), the stack check over the code being removed, then the plan:
 * the restored entries, the spliced records, the patches' mappings taken away.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/stack-check.h"
#include "core/view.h"

static int plan_revert(struct lup_op *op)
{
	struct lup_chain *c = op->chain;
	int ret = 0;
	size_t i;

	for (i = 0; !ret && i < c->nr_entries; i++)
		if (c->entries[i].dirty)
			ret = lup_plan_add_write_copy(&op->plan, c->entries[i].addr, c->entries[i].cur,
						      LUP_JMP_SIZE);
	for (i = 0; !ret && i < c->rs.nr; i++) {
		uint8_t *buf;

		if (!c->rec_dirty[i])
			continue;
		ret = lup_record_pack(c->rs.r[i], &buf);
		if (!ret)
			ret = lup_plan_add_write(&op->plan, c->rs.r[i]->self, buf,
						 c->rs.r[i]->self_size);
	}
	for (i = 0; !ret && i < c->nr_unmap; i++)
		ret = lup_plan_add_unmap(&op->plan, c->unmap[i].start, c->unmap[i].end);
	return ret;
}

int lup_op_revert(struct lup_op *op, const char *id, size_t *nr)
{
	struct lup_range *busy = NULL;
	int ret;

	*nr = 0;
	ret = lup_chain_revert_ids(op->chain, id, &busy, nr);
	if (!ret && *nr)
		ret = lup_stack_check(op->v, busy, *nr);
	if (!ret && *nr)
		ret = plan_revert(op);
	free(busy);
	return ret;
}
