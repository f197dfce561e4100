/*
 * The process view of a live process: mappings from /proc/PID/maps, files by (device,
 * inode) opened through /proc/PID/map_files (the very file mapped) and build-ids from a
 * cache shared by a tree, memory through /proc/PID/mem behind a page cache, paths under
 * /proc/PID/root (the process's own root: a container's files), and, when the caller
 * has stopped them with ptrace, the threads' registers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/user.h>
#include <unistd.h>

#include "arch/x86/regs.h"
#include "core/page-cache.h"
#include "core/view.h"
#include "live/file-ids.h"
#include "live/view-live.h"
#include "util/err.h"
#include "util/log.h"

struct live_view {
	struct lup_proc_maps maps;	/* the view's maps, one for one */
	struct lup_file_ids *ids;
	bool own_ids;			/* made for this view alone */
	size_t *file_map;		/* per file: the index of its first mapping */
	int mem_fd;			/* /proc/PID/mem */
	struct lup_page_cache *cache;
	char root[32];			/* /proc/PID/root */
};

static int fill_page(void *arg, uint64_t vaddr, uint8_t *page)
{
	const struct live_view *lv = arg;
	ssize_t n = pread(lv->mem_fd, page, LUP_PAGE_SIZE, (off_t)vaddr);

	return n == (ssize_t)LUP_PAGE_SIZE ? 0 : -EFAULT;
}

static int read_mem(struct lup_view *v, uint64_t addr, void *buf, size_t len)
{
	struct live_view *lv = v->priv;

	return lup_page_cache_read(lv->cache, addr, buf, len);
}

static int build_id(struct lup_view *v, size_t file, const uint8_t **id, size_t *len)
{
	struct live_view *lv = v->priv;

	return lup_file_ids_build_id(lv->ids, v->pid, &lv->maps.m[lv->file_map[file]], id, len);
}

static int open_file(struct lup_view *v, size_t file, struct lup_elf **out)
{
	struct live_view *lv = v->priv;

	return lup_file_ids_elf(lv->ids, v->pid, &lv->maps.m[lv->file_map[file]], out);
}

static int open_path(struct lup_view *v, const char *path, struct lup_elf **out)
{
	struct live_view *lv = v->priv;

	return lup_file_ids_elf_path(lv->ids, lv->root, path, out);
}

static void release(struct lup_view *v)
{
	struct live_view *lv = v->priv;

	lup_page_cache_free(lv->cache);
	if (lv->mem_fd >= 0)
		close(lv->mem_fd);
	lup_proc_maps_free(&lv->maps);
	if (lv->own_ids)
		lup_file_ids_free(lv->ids);
	free(lv->file_map);
	free(lv);
}

static const struct lup_view_ops live_ops = { .read = read_mem, .build_id = build_id,
	.open_file = open_file, .open_path = open_path, .release = release };

/* The view's index of the file of map i (added on first sight). */
static int file_index(struct lup_view *v, size_t i, long *idx)
{
	struct live_view *lv = v->priv;
	const struct lup_proc_map *m = &lv->maps.m[i];
	size_t *n, k;
	int ret;

	for (k = 0; k < v->nr_files; k++) {
		const struct lup_proc_map *f = &lv->maps.m[lv->file_map[k]];

		if (f->dev == m->dev && f->ino == m->ino) {
			*idx = (long)k;
			return 0;
		}
	}
	n = realloc(lv->file_map, (v->nr_files + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	lv->file_map = n;
	ret = lup_view_add_file(v, m->name ? m->name : "", &k);
	if (!ret)
		n[k] = i;
	*idx = (long)k;
	return ret;
}

static unsigned prot_of(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

static int add_maps(struct lup_view *v)
{
	struct live_view *lv = v->priv;
	int ret = 0;

	for (size_t i = 0; !ret && i < lv->maps.nr; i++) {
		const struct lup_proc_map *pm = &lv->maps.m[i];
		const char *name = pm->name;
		struct lup_view_map m = {
			.start = pm->start, .end = pm->end, .pgoff = pm->off,
			.prot = prot_of(pm->perms),
			/* unnamed private anonymous memory: what CRIU restores a record's VMA as */
			.anon = pm->perms[3] == 'p' && !pm->ino && !name,
			.grows_down = name && !strcmp(name, "[stack]"),
			.vdso = name && !strcmp(name, "[vdso]"), .file = -1,
		};

		if (pm->ino)
			ret = file_index(v, i, &m.file);
		if (!ret)
			ret = lup_view_add_map(v, &m);
	}
	return ret;
}

/* The executable: the mapped file /proc/PID/exe is. */
static void find_exe(struct lup_view *v)
{
	struct live_view *lv = v->priv;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)v->pid);
	if (stat(path, &st))
		return;
	for (size_t k = 0; k < v->nr_files; k++) {
		const struct lup_proc_map *f = &lv->maps.m[lv->file_map[k]];

		if (f->ino == st.st_ino &&
		    f->dev == ((unsigned long)major(st.st_dev) << 20 | minor(st.st_dev)))
			v->exe = (long)k;
	}
}

int lup_view_live_add_thread(struct lup_view *v, pid_t tid, const struct user_regs_struct *regs)
{
	struct lup_view_thread t = { .tid = tid, .fs_base = regs->fs_base };

	LUP_X86_UNWIND_REGS(t.regs, regs, r);
	return lup_view_add_thread(v, &t);
}

/* A thread ptrace-stopped by the caller: PTRACE_GETREGS. */
static int add_stopped_thread(void *arg, pid_t pid, pid_t tid)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0) {
		int ret = -errno;

		pr_err("thread %d: PTRACE_GETREGS: %s", tid, strerror(errno));
		return ret;
	}
	return lup_view_live_add_thread(arg, tid, &regs);
}

static int open_mem(struct lup_view *v)
{
	struct live_view *lv = v->priv;
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)v->pid);
	lv->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lv->mem_fd < 0) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_err("%s: %s", path, strerror(-ret));
		return ret;
	}
	return lup_page_cache_new(fill_page, lv, &lv->cache);
}

int lup_view_live(pid_t pid, struct lup_file_ids *ids, unsigned flags, struct lup_view *v)
{
	struct live_view *lv = calloc(1, sizeof(*lv));
	int ret;

	if (!lv)
		return -ENOMEM;
	lv->ids = ids;
	lv->own_ids = !ids;
	lv->mem_fd = -1;
	snprintf(lv->root, sizeof(lv->root), "/proc/%d/root", (int)pid);
	lup_view_init(v, pid, &live_ops, lv);
	ret = ids ? 0 : lup_file_ids_new(&lv->ids);
	if (!ret)
		ret = lup_proc_maps_read(pid, &lv->maps);
	if (!ret)
		ret = open_mem(v);
	if (!ret)
		ret = add_maps(v);
	if (!ret)
		find_exe(v);
	if (!ret && (flags & LUP_VIEW_LIVE_STOPPED))
		ret = lup_proc_tasks(pid, add_stopped_thread, v);
	if (ret)
		lup_view_free(v);
	return ret;
}
