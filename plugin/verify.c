/*
 * After the restore (RESUME_DEVICES_LATE, every thread still stopped): the bytes at each
 * replaced entry and the patch VMA they jump to must be in the live process as the images
 * have them. The outcome goes to CRIU's log and, one line per process and patch, to
 * LUP_RESULT_FILE in the images directory:
 *   PID PATCH-ID patched|unpatched|FAILED DETAIL
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "core/view.h"
#include "images/dump.h"
#include "live/proc.h"
#include "live/view-live.h"
#include "plugin.h"
#include "util/err.h"
#include "util/log.h"

/* What one restored process must show for one patch. */
struct expect {
	pid_t pid;
	const LupPatch *patch;
	struct lup_img_state st;
	struct expect *next;
};

static struct expect *expects;

void lup_plugin_verify_free(void)
{
	while (expects) {
		struct expect *e = expects;

		expects = e->next;
		free(e);
	}
}

static int collect_proc(const struct lup_dump *d, const struct lup_proc *p, const char *root)
{
	size_t i;

	for (i = 0; i < lup_plugin_patches->nr; i++) {
		struct expect *e = calloc(1, sizeof(*e));

		if (!e)
			return -ENOMEM;
		e->pid = p->pid;
		e->patch = lup_plugin_patches->patches[i];
		if (lup_plugin_img_state(d, p, root, e->patch, &e->st) < 0 || !e->st.mapped) {
			free(e);
			continue;
		}
		e->next = expects;
		expects = e;
	}
	return 0;
}

/* Reads the (rewritten) images once, before the restore starts. Never fails the restore. */
int lup_plugin_verify_collect(const char *dir, const char *root)
{
	struct lup_dump *d;
	size_t k;

	if (lup_dump_open(dir, &d) < 0)
		return 0;
	for (k = 0; k < d->nr_procs; k++)
		if (collect_proc(d, &d->procs[k], root) < 0)
			break;
	lup_dump_close(d);
	return 0;
}

/* Patch code: an r-x private anonymous mapping. */
static bool in_patch_vma(const struct lup_view *v, uint64_t addr)
{
	const struct lup_view_map *m = lup_view_find(v, addr);

	return m && m->anon && m->prot == (PROT_READ | PROT_EXEC);
}

/* 0 when every entry and jump destination is as in the images; else names the function. */
static int check_live(const struct expect *e, struct lup_view *v, const char **bad)
{
	uint8_t buf[LUP_JMP_SIZE];
	size_t i;

	for (i = 0; i < e->patch->n_funcs; i++) {
		uint64_t addr = e->st.entry[i];
		int32_t rel;

		*bad = e->patch->funcs[i]->name;
		if (lup_view_read(v, addr, buf, sizeof(buf)) || memcmp(buf, e->st.bytes[i], sizeof(buf)))
			return -1;
		memcpy(&rel, buf + 1, 4);
		if (e->st.jumped && !in_patch_vma(v, addr + LUP_JMP_SIZE + (int64_t)rel))
			return -1;
	}
	return 0;
}

static void verify_one(const struct expect *e, struct lup_view *v)
{
	const char *bad = NULL, *state;

	if (check_live(e, v, &bad) < 0) {
		pr_err("process %d: patch %s: %s differs from the images after the restore",
		       e->pid, e->patch->id, bad);
		lup_plugin_record(LUP_RESULT_FILE, "%d %s FAILED %s differs from the images\n", e->pid, e->patch->id, bad);
		return;
	}
	state = e->st.jumped == e->patch->n_funcs ? "patched" : "unpatched";
	pr_info("process %d: patch %s: %s, checked in the live process", e->pid, e->patch->id,
		state);
	lup_plugin_record(LUP_RESULT_FILE, "%d %s %s %zu functions\n", e->pid, e->patch->id, state, e->patch->n_funcs);
}

int lup_plugin_verify(int pid)
{
	const struct expect *e;
	pid_t vpid = lup_proc_ns_pid(pid);	/* the images' pids: CRIU passes the host's */
	struct lup_view v;
	int ret = lup_view_live(pid, NULL, 0, &v);

	if (ret == -ENOENT)
		pr_err("process %d: gone", pid);
	if (ret)
		return ret;
	for (e = expects; e; e = e->next)
		if (e->pid == vpid)
			verify_one(e, &v);
	lup_view_free(&v);
	return 0;
}
