/*
 * The operations of the core on one process, written once over its view: apply a patch
 * (target by build-id, entry check, stack check, placement, binding, jumps, record) and
 * revert patches (the revert-order rule, stack check, restored entries). Each adds its
 * changes to the process's plan, which a transport commits.
 */
#ifndef LUP_CORE_OPS_H
#define LUP_CORE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bind.h"
#include "core/patch.h"
#include "core/plan.h"
#include "core/record-chain.h"
#include "core/target.h"

struct lup_view;

/* One process being patched: its view, what is planned so far, its records. */
struct lup_op {
	struct lup_view *v;
	struct lup_plan plan;
	struct lup_chain *chain;
	struct lup_bind bind;
	bool bind_open;
};

/* Reads the records of v's process (v must outlive the op). */
int lup_op_open(struct lup_view *v, struct lup_op **out);
void lup_op_free(struct lup_op *op);

/*
 * Plans patch p: 1 when planned (its image at *base), 0 when v does not map p's target.
 * -LUP_ENOTAPPLIC (other build, already applied, the stacking rule), -LUP_EBUSY (a
 * thread inside a function to replace), -LUP_ENOSPACE, -LUP_EBADIMG, each reported.
 */
int lup_op_apply(struct lup_op *op, const LupPatch *p, uint64_t *base);
/*
 * The entry check of p at bias: each old entry holds the bytes p was built against, or
 * the jump of a recorded patch p may go on top of (the stacking rule). 0 or
 * -LUP_ENOTAPPLIC, reported.
 */
int lup_op_check_entries(struct lup_op *op, const LupPatch *p, uint64_t bias);
/*
 * The stack check of applying p to target t over the view's threads (a view of a
 * running process has none: nothing to check). 0 or -LUP_EBUSY, reported.
 */
int lup_op_check_stacks(struct lup_op *op, const LupPatch *p, const struct lup_target *t);

/*
 * Plans the revert of patch id (NULL: of every patch, newest first) when this process
 * has it: *nr counts the patches taken out (0: nothing to do here). -LUP_ENOTAPPLIC
 * (the revert-order rule), -LUP_EBUSY (a thread of the view inside their code),
 * -LUP_EBADIMG.
 */
int lup_op_revert(struct lup_op *op, const char *id, size_t *nr);

#endif
