/*
 * Reverting patches in one process, over its view: the revert-order rule on its records
 * (lib/core/revert-chain.c), the stack check over the code being removed, then the plan:
 * the restored entries, the spliced records, what the patch registered with the
 * process's unwinders emptied, the patches' mappings taken away.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/ops.h"
#include "core/stack-check.h"
#include "core/unwind.h"
#include "core/view.h"
#include "util/err.h"
#include "util/log.h"

static int write_word(struct lup_op *op, uint64_t addr, uint64_t val)
{
	return lup_plan_add_write_copy(&op->plan, addr, &val, sizeof(val));
}

/*
 * The page the patch's runtime registered it in looks like what it wrote there: a private
 * writable page, libunwind's entry covering the patch's code (or none), libgcc's object
 * still pointing at the patch's .eh_frame unless sorted (or emptied). The address comes
 * from the process's memory: nothing is written to a page that fails this.
 */
static bool is_registration(struct lup_op *op, const LupRecord *r, uint64_t page)
{
	const struct lup_view_map *m = lup_view_find(op->v, page);
	uint64_t slots[LUP_UNWIND_SIZE / 8], obj[5], dyn[2];

	if (page % LUP_UNWIND_PAGE_SIZE || !m || m->file >= 0 || !(m->prot & PROT_WRITE) ||
	    m->end - page < LUP_UNWIND_PAGE_SIZE ||
	    lup_view_read(op->v, r->unwind, slots, sizeof(slots)) ||
	    lup_view_read(op->v, page + LUP_UNWIND_OBJECT, obj, sizeof(obj)) ||
	    lup_view_read(op->v, page + LUP_UNWIND_DYN_INFO + LUP_UNWIND_DYN_START, dyn, sizeof(dyn)))
		return false;
	if ((dyn[0] || dyn[1]) && (dyn[0] != slots[LUP_UNWIND_CODE_START / 8] ||
				   dyn[1] != slots[LUP_UNWIND_CODE_END / 8]))
		return false;
	return (obj[LUP_UNWIND_OBJ_FLAGS / 8] & 1) ||
	       obj[LUP_UNWIND_OBJ_SINGLE / 8] == slots[LUP_UNWIND_EH_FRAME / 8] ||
	       obj[LUP_UNWIND_OBJ_SINGLE / 8] == page + LUP_UNWIND_ZERO || !obj[0];
}

/*
 * The page in which the patch's runtime registered it (lib/mkpatch/runtime/begin.S)
 * stays, since libgcc and libunwind keep pointers into it, and is made empty: libgcc's
 * object gets no address (pc_begin all ones, so no pc falls in it) and, not yet sorted,
 * an empty FDE list (the zero word); libunwind's entry covers no address. No code of the
 * process runs for it, so the images of a checkpoint are reverted the same way.
 */
static int empty_registration(struct lup_op *op, const LupRecord *r)
{
	uint64_t page = 0, flags = 0, base;
	int ret;

	if (!r->has_unwind || lup_view_read(op->v, r->unwind + LUP_UNWIND_PAGE, &page, sizeof(page)))
		return 0;
	if (!page)
		return 0;	/* never entered: nothing registered */
	if (!is_registration(op, r, page) ||
	    lup_view_read(op->v, page + LUP_UNWIND_OBJ_FLAGS, &flags, sizeof(flags))) {
		/*
		 * A running process (the dry run's view has no threads) may have mapped the
		 * page after its mappings were read: only the plan over the stopped threads,
		 * which is the one committed, decides.
		 */
		if (!op->v->nr_threads)
			return 0;
		pr_err("%s: patch %s: its unwinder registration page %#" PRIx64 " does not hold "
		       "what the patch's runtime wrote there: not reverted", op->v->who, r->id, page);
		return -LUP_ENOTAPPLIC;
	}
	base = page + LUP_UNWIND_OBJECT;
	ret = write_word(op, base + LUP_UNWIND_OBJ_PC_BEGIN, UINT64_MAX);
	if (!ret && !(flags & 1))
		ret = write_word(op, base + LUP_UNWIND_OBJ_SINGLE, page + LUP_UNWIND_ZERO);
	if (!ret)
		ret = write_word(op, page + LUP_UNWIND_DYN_INFO + LUP_UNWIND_DYN_START, 0);
	if (!ret)
		ret = write_word(op, page + LUP_UNWIND_DYN_INFO + LUP_UNWIND_DYN_END, 0);
	return ret;
}

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
	for (i = 0; !ret && i < c->gone.nr; i++)
		ret = empty_registration(op, c->gone.r[i]);
	/* after the entries: a record is cleared once its jumps are gone */
	for (i = 0; !ret && i < c->nr_clear; i++) {
		size_t len = (size_t)(c->clear[i].end - c->clear[i].start);
		uint8_t *zeros = calloc(1, len ? len : 1);

		ret = zeros ? lup_plan_add_write(&op->plan, c->clear[i].start, zeros, len) : -ENOMEM;
	}
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
