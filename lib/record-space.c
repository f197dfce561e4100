/* The address space records are looked for in: a live process's maps and memory, or a dumped one's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "proc-maps.h"
#include "record.h"
#include "vma.h"

static int space_new(pid_t pid, struct lup_space **out)
{
	struct lup_space *s = calloc(1, sizeof(*s));

	if (!s || asprintf(&s->name, "process %d", (int)pid) < 0) {
		free(s);
		return -ENOMEM;
	}
	s->pid = pid;
	s->mem_fd = -1;
	*out = s;
	return 0;
}

static int space_add(struct lup_space *s, uint64_t start, uint64_t end, unsigned prot, bool anon,
		     const char *path)
{
	struct lup_space_vma *n;
	char *copy = path ? strdup(path) : NULL;

	if (end <= start || (s->nr && start < s->vmas[s->nr - 1].end)) {
		pr_err("%s: VMA %#" PRIx64 "-%#" PRIx64 " empty or out of order", s->name, start, end);
		free(copy);
		return -LUP_EBADIMG;
	}
	n = realloc(s->vmas, (s->nr + 1) * sizeof(*n));
	if (!n || (path && !copy)) {
		free(copy);
		return -ENOMEM;
	}
	s->vmas = n;
	s->vmas[s->nr++] = (struct lup_space_vma){ start, end, prot, anon, copy };
	return 0;
}

/* Reads through /proc/PID/mem (which also reads pages the process cannot). */
static int read_live(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct lup_space *s = arg;
	ssize_t n = pread(s->mem_fd, buf, len, (off_t)addr);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static unsigned prot_of(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

static int read_maps(struct lup_space *s)
{
	struct lup_proc_maps m;
	int ret = lup_proc_maps_read(s->pid, &m);

	if (ret == -ENOENT)
		pr_err("%s: gone", s->name);
	for (size_t i = 0; !ret && i < m.nr; i++) {
		const struct lup_proc_map *v = &m.m[i];

		/* unnamed private anonymous memory: what CRIU restores a record's VMA as */
		ret = space_add(s, v->start, v->end, prot_of(v->perms),
				v->perms[3] == 'p' && !v->ino && !v->name,
				v->ino && v->name && v->name[0] == '/' ? v->name : NULL);
	}
	lup_proc_maps_free(&m);
	return ret;
}

int lup_space_live(pid_t pid, struct lup_space **out)
{
	struct lup_space *s = NULL;
	char path[64];
	int ret = space_new(pid, &s);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	s->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->mem_fd < 0) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(-ret));
	}
	if (!ret)
		ret = read_maps(s);
	if (ret) {
		lup_space_free(s);
		return ret;
	}
	s->read = read_live;
	s->arg = s;
	*out = s;
	return 0;
}

static int read_dump(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_mem_read(arg, addr, buf, len);
}

int lup_space_dump(const struct lup_dump *d, const struct lup_proc *p, struct lup_mem *m,
		   struct lup_space **out)
{
	struct lup_space *s = NULL;
	size_t i;
	int ret = space_new(p->pid, &s);

	for (i = 0; !ret && i < p->mm->n_vmas; i++) {
		const VmaEntry *v = p->mm->vmas[i];
		bool anon = (v->status & LUP_VMA_AREA_REGULAR) && (v->status & LUP_VMA_ANON_PRIVATE) &&
			    !lup_vma_is_file(v);
		const RegFileEntry *rf = lup_vma_is_file(v) ? lup_dump_reg_file(d, v->shmid) : NULL;

		ret = space_add(s, v->start, v->end, v->prot, anon, rf ? rf->name : NULL);
	}
	if (ret) {
		lup_space_free(s);
		return ret;
	}
	s->read = read_dump;
	s->arg = m;
	*out = s;
	return 0;
}

void lup_space_free(struct lup_space *s)
{
	if (!s)
		return;
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	for (size_t i = 0; i < s->nr; i++)
		free(s->vmas[i].path);
	free(s->vmas);
	free(s->name);
	free(s);
}

const struct lup_space_vma *lup_space_find(const struct lup_space *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->vmas[mid].start)
			hi = mid;
		else if (addr >= s->vmas[mid].end)
			lo = mid + 1;
		else
			return &s->vmas[mid];
	}
	return NULL;
}
