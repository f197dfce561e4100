/*
 * The dump gate (CHECKPOINT_DEVICES): CRIU has seized and stopped the whole tree; for a
 * process that maps a configured patch's target, every thread's live stack is unwound
 * and the dump refused while one is inside (or returns into) a function to replace.
 * A refusal is also recorded in LUP_DUMP_REFUSED_FILE, for `lup patch`.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criu-exec.h"
#include "err.h"
#include "log.h"
#include "plugin.h"
#include "proc-maps.h"
#include "record-chain.h"

/* What the mapped files are, for every process of the dump. */
static struct lup_file_ids *file_ids;

/* The threads of the process, from /proc/PID/task (CRIU has seized every one). */
static int read_tids(int pid, pid_t **tids, size_t *nr)
{
	struct dirent *de;
	char path[64];
	int ret = 0;
	DIR *d;

	*tids = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && (de = readdir(d))) {
		pid_t *n;

		if (de->d_name[0] == '.')
			continue;
		n = realloc(*tids, (*nr + 1) * sizeof(*n));
		if (!n)
			ret = -ENOMEM;
		else
			(*tids = n)[(*nr)++] = atoi(de->d_name);
	}
	closedir(d);
	return ret;
}

/* Every thread of the process; what: "patch ID", "revert of ID". */
static int check_threads(int pid, const char *what, const struct lup_range *r, size_t nr)
{
	pid_t *tids;
	size_t nr_tids;
	int ret = read_tids(pid, &tids, &nr_tids);

	if (!ret)
		ret = lup_stack_check_ptrace(pid, tids, nr_tids, r, nr);
	free(tids);
	if (ret == -LUP_EBUSY) {
		/* lup_stack_check_ptrace's message names the thread and the function. */
		lup_plugin_record(LUP_DUMP_REFUSED_FILE, "%d busy: %s: %s\n", pid, what,
				  lup_plugin_last_error());
		pr_err("process %d: dump refused: %s cannot be done now (the process runs on)", pid,
		       what);
	}
	return ret;
}

/*
 * The ranges are the functions p replaces and those of the recorded patches it would go
 * on top of; their names point into the chain, which must outlive the check.
 */
static int gate_one(int pid, const struct lup_proc_maps *m, const LupPatch *p)
{
	struct lup_range *r = NULL;
	struct lup_chain *c = NULL;
	uint64_t bias;
	size_t nr;
	int ret;

	ret = lup_proc_maps_bias(m, file_ids, p->target_build_id.data, p->target_build_id.len,
				 &bias);
	if (ret == -ENOENT)
		return 0;
	if (!ret)
		ret = lup_chain_open_live(pid, &c);
	if (!ret)
		ret = lup_chain_patch_ranges(c, p, bias, &r, &nr);
	if (!ret) {
		char what[256];

		pr_info("process %d maps %s, the target of patch %s: checking its threads", pid,
			p->target_name, p->id);
		snprintf(what, sizeof(what), "patch %s", p->id);
		ret = check_threads(pid, what, r, nr);
	}
	free(r);
	lup_chain_free(c);
	return ret;
}

/*
 * A revert: no thread may be inside (or return into) the code of a patch to be taken
 * out. Only busy refuses the dump: what else the revert cannot do (not applied, another
 * patch expects it) is refused again from the images, with its reason, by lup.
 */
static int gate_revert(int pid)
{
	const char *id = lup_plugin_revert.id;
	struct lup_range *busy = NULL;
	struct lup_chain *c = NULL;
	size_t nr = 0;
	char what[256];
	int ret = lup_chain_open_live(pid, &c);

	if (!ret)
		ret = lup_chain_revert_ids(c, id, &busy, &nr);
	snprintf(what, sizeof(what), "revert of %s", id ? id : "every patch");
	if (!ret && nr)
		ret = check_threads(pid, what, busy, nr);
	free(busy);
	lup_chain_free(c);
	return ret == -LUP_EBUSY ? ret : 0;
}

int lup_plugin_dump_gate(int pid)
{
	struct lup_proc_maps m = { 0 };
	size_t i;
	int ret = file_ids ? 0 : lup_file_ids_new(&file_ids);

	if (!ret)
		ret = lup_proc_maps_read(pid, &m);
	if (ret == -ENOENT)
		pr_err("process %d: gone", pid);
	for (i = 0; !ret && lup_plugin_patches && i < lup_plugin_patches->nr; i++)
		ret = gate_one(pid, &m, lup_plugin_patches->patches[i]);
	if (!ret && lup_plugin_revert.active)
		ret = gate_revert(pid);
	lup_proc_maps_free(&m);
	return ret;
}

void lup_plugin_gate_free(void)
{
	lup_file_ids_free(file_ids);
	file_ids = NULL;
}
