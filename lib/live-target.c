/*
 * The check made before freezing anything: some process of the tree maps each patch's
 * target (matched by build-id, lib/proc-maps.c) and holds, in its live memory, the
 * original bytes at each entry to replace, or the jumps of recorded patches it may go on
 * top of (the stacking rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "err.h"
#include "live-priv.h"
#include "log.h"
#include "proc-maps.h"
#include "record-chain.h"

/* Per patch: what the processes showed. */
struct patch_seen {
	bool mapped;
	bool refused;			/* by the stacking rule in some process (reported) */
};

/* Entries that differ: p may still go on top of recorded patches (the stacking rule). */
static bool stacks(pid_t pid, const LupPatch *p, uint64_t bias)
{
	uint8_t saved[LUP_JMP_SIZE];
	struct lup_chain *c = NULL;
	const char *below;
	int ret = lup_chain_open_live(pid, &c);

	if (!ret)
		ret = lup_chain_check_patch(c, p);
	for (size_t i = 0; !ret && i < p->n_funcs; i++)
		ret = lup_chain_check_func(c, p, p->funcs[i], bias + p->funcs[i]->target_value,
					   saved, &below);
	lup_chain_free(c);
	return !ret;
}

/*
 * Whether each replaced entry still holds the bytes the patch was built against, or else
 * the patch may go on top of recorded ones (whose refusal is reported).
 */
static bool applies(int mem, pid_t pid, const LupPatch *p, uint64_t bias)
{
	uint8_t buf[64];

	for (size_t i = 0; i < p->n_funcs; i++) {
		const LupFunc *fn = p->funcs[i];
		size_t len = fn->orig_bytes.len;

		if (len > sizeof(buf) ||
		    pread(mem, buf, len, (off_t)(bias + fn->target_value)) != (ssize_t)len ||
		    memcmp(buf, fn->orig_bytes.data, len))
			return stacks(pid, p, bias);
	}
	return true;
}

/* Opens /proc/PID/mem; a process of the tree other than its root may just have ended. */
static int open_mem(pid_t pid, bool root, int *fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd >= 0 || (errno == ENOENT && !root))
		return 0;
	pr_err("process %d: cannot read %s: %s", (int)pid, path, strerror(errno));
	return -errno;
}

static int check_proc(pid_t pid, bool root, struct lup_file_ids *ids, LupPatch *const *patches,
		      size_t nr, struct patch_seen *seen)
{
	struct lup_proc_maps m;
	uint64_t bias;
	int mem = -1, ret = lup_proc_maps_read(pid, &m);

	if (ret == -ENOENT && !root)
		return 0;
	if (ret == -ENOENT)
		pr_err("process %d: no such process", (int)pid);
	if (!ret)
		ret = open_mem(pid, root, &mem);
	for (size_t k = 0; !ret && mem >= 0 && k < nr; k++) {
		ret = lup_proc_maps_bias(&m, ids, patches[k]->target_build_id.data,
					 patches[k]->target_build_id.len, &bias);
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		seen[k].mapped |= !ret;
		seen[k].refused |= !ret && !applies(mem, pid, patches[k], bias);
	}
	if (mem >= 0)
		close(mem);
	lup_proc_maps_free(&m);
	return ret;
}

static int report(const struct lup_live_tree *t, LupPatch *const *patches, size_t nr,
		  const struct patch_seen *seen)
{
	int ret = 0;

	for (size_t k = 0; k < nr; k++) {
		const LupPatch *p = patches[k];

		if (!seen[k].mapped)
			pr_err("patch %s: no process of tree %d maps its target %s (this build-id)",
			       p->id, (int)t->pids[0], p->target_name);
		else if (!seen[k].refused)
			continue;
		ret = -LUP_ENOTAPPLIC;
	}
	return ret;
}

int lup_live_check_targets(const struct lup_live_tree *t, LupPatch *const *patches, size_t nr)
{
	struct patch_seen *seen = calloc(nr ? nr : 1, sizeof(*seen));
	struct lup_file_ids *ids = NULL;
	int ret = seen ? lup_file_ids_new(&ids) : -ENOMEM;

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = check_proc(t->pids[i], i == 0, ids, patches, nr, seen);
	if (!ret)
		ret = report(t, patches, nr, seen);
	lup_file_ids_free(ids);
	free(seen);
	return ret;
}
