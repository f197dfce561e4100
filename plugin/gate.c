/*
 * The dump gate (CHECKPOINT_DEVICES): CRIU has seized and stopped the whole tree; for a
 * process that maps a configured patch's target, the core's stack check runs over the
 * live view of the stopped process and the dump is refused while a thread is inside (or
 * returns into) a function to replace.
 * A refusal is also recorded in LUP_DUMP_REFUSED_FILE, for `lup patch`.
 * Every process dumped is locked as lup locks it (live/lock.h) until criu ends, so that
 * no lup run acts on a tree that criu, run without lup, is dumping; a dump of a process
 * that another lup run holds is refused. A lup run's own dumps find its locks held by
 * criu's parent, the run itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ops.h"
#include "core/target.h"
#include "core/view.h"
#include "live/criu-exec.h"
#include "live/file-ids.h"
#include "live/lock.h"
#include "live/view-live.h"
#include "plugin.h"
#include "util/err.h"
#include "util/log.h"

/* What the mapped files are, for every process of the dump. */
static struct lup_file_ids *file_ids;
/* The locks of the processes dumped, one set per process, held until criu ends. */
static struct lup_locks *locks;
static size_t nr_locks;

int lup_plugin_dump_lock(int pid)
{
	struct lup_locks *l = realloc(locks, (nr_locks + 1) * sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	locks = l;
	ret = lup_locks_take((pid_t[]){ pid }, 1, 0, getppid(), &locks[nr_locks]);
	nr_locks += !ret;
	return ret;
}

/* A busy refusal is recorded for `lup patch`; what: "patch ID", "revert of ID". */
static int refuse(int pid, const char *what)
{
	/* the stack check's message names the thread and the function */
	lup_plugin_record(LUP_DUMP_REFUSED_FILE, "%d busy: %s: %s\n", pid, what,
			  lup_plugin_last_error());
	pr_err("process %d: dump refused: %s cannot be done now (the process runs on)", pid, what);
	return -LUP_EBUSY;
}

/*
 * The stack check of p: the functions it replaces and those of the recorded patches it
 * would go on top of.
 */
static int gate_one(struct lup_view *v, struct lup_op **op, const LupPatch *p)
{
	struct lup_target t;
	char what[256];
	int ret = lup_target_find(v, p, &t);

	if (ret <= 0)
		return ret;
	pr_info("process %d maps %s, the target of patch %s: checking its threads", v->pid,
		p->target_name, p->id);
	ret = *op ? 0 : lup_op_open(v, op);
	if (!ret)
		ret = lup_op_check_stacks(*op, p, &t);
	snprintf(what, sizeof(what), "patch %s", p->id);
	return ret == -LUP_EBUSY ? refuse(v->pid, what) : ret;
}

/*
 * A revert: no thread may be inside (or return into) the code of a patch to be taken
 * out. Only busy refuses the dump: what else the revert cannot do (not applied, another
 * patch expects it) is refused again from the images, with its reason, by lup.
 */
static int gate_revert(struct lup_view *v, struct lup_op **op)
{
	const char *id = lup_plugin_revert.id;
	char what[256];
	size_t nr;
	int ret = *op ? 0 : lup_op_open(v, op);

	if (!ret)
		ret = lup_op_revert(*op, id, &nr);
	snprintf(what, sizeof(what), "revert of %s", id ? id : "every patch");
	return ret == -LUP_EBUSY ? refuse(v->pid, what) : 0;
}

int lup_plugin_dump_gate(int pid)
{
	struct lup_op *op = NULL;
	struct lup_view v = { 0 };
	size_t i;
	int ret = file_ids ? 0 : lup_file_ids_new(&file_ids);

	if (!ret)
		ret = lup_view_live(pid, file_ids, LUP_VIEW_LIVE_STOPPED, &v);
	if (ret == -ENOENT)
		pr_err("process %d: gone", pid);
	for (i = 0; !ret && lup_plugin_patches && i < lup_plugin_patches->nr; i++)
		ret = gate_one(&v, &op, lup_plugin_patches->patches[i]);
	if (!ret && lup_plugin_revert.active)
		ret = gate_revert(&v, &op);
	lup_op_free(op);
	if (v.ops)
		lup_view_free(&v);
	return ret;
}

void lup_plugin_gate_free(void)
{
	for (size_t i = 0; i < nr_locks; i++)
		lup_locks_release(&locks[i]);
	free(locks);
	locks = NULL;
	nr_locks = 0;
	lup_file_ids_free(file_ids);
	file_ids = NULL;
}
