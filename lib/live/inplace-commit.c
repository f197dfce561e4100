/*
 * The in-place transport's commit: a plan of the core carried into a frozen process.
 * Each run of new mappings that follow each other is made by one remote mmap
 * (MAP_FIXED_NOREPLACE, read-write), each filled through /proc/PID/mem and given its
 * final protection (never writable and executable at once); the writes (a patch's jumps last) go through /proc/PID/mem over what they
 * replace, which is kept (a reverted patch's record is cleared by such a write, after
 * its jumps). A failure of a mapping or a write undoes everything done: all of it is in
 * place or none of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "core/plan.h"
#include "live/freeze.h"
#include "live/inplace.h"
#include "util/err.h"
#include "util/log.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* What was done so far, to undo it. */
struct commit {
	struct lup_frozen *f;
	const struct lup_plan *plan;
	size_t nr_mapped, nr_written;
	uint8_t **saved;		/* per write: the bytes it replaced */
};

/* A remote call whose result is 0, or addr for an mmap. */
static int remote(struct lup_frozen *f, long nr, const unsigned long a[6], unsigned long want,
		  const char *what, uint64_t start)
{
	unsigned long ret;
	int err = lup_frozen_syscall(f, nr, &ret, a);

	if (err)
		return err;
	if (ret == want)
		return 0;
	err = ret >= -4095ul ? (int)ret : -EFAULT;
	pr_err("process %d: %s at %#" PRIx64 ": %s", (int)lup_frozen_pid(f), what, start,
	       ret >= -4095ul ? strerror(-err) : "mapped elsewhere");
	if (nr == SYS_mmap && ret < -4095ul) {
		const unsigned long undo[6] = { ret, a[1] };

		lup_frozen_syscall(f, SYS_munmap, &ret, undo);
	}
	return err;
}

static int unmap(struct lup_frozen *f, uint64_t start, uint64_t end)
{
	const unsigned long a[6] = { start, end - start };

	return remote(f, SYS_munmap, a, 0, "munmap", start);
}

/* Fills m (mapped read-write) and gives it its protection. */
static int fill_map(struct lup_frozen *f, const struct lup_plan_map *m)
{
	const unsigned long mp[6] = { m->start, m->end - m->start, m->prot };
	int ret = lup_frozen_write(f, m->start, m->data, m->len);

	if (!ret && m->prot != (PROT_READ | PROT_WRITE))
		ret = remote(f, SYS_mprotect, mp, 0, "mprotect", m->start);
	return ret;
}

/*
 * The maps from first on that follow each other with no gap (a patch's image and its
 * record), mapped by one remote mmap: *nr of them.
 */
static int add_maps(struct lup_frozen *f, const struct lup_plan *plan, size_t first, size_t *nr)
{
	const struct lup_plan_map *m = &plan->maps[first];
	uint64_t end = m->end;
	size_t n = 1, i;
	int ret;

	while (first + n < plan->nr_maps && plan->maps[first + n].start == end)
		end = plan->maps[first + n++].end;
	const unsigned long mm[6] = { m->start, end - m->start, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				      (unsigned long)-1, 0 };
	ret = remote(f, SYS_mmap, mm, m->start, "mmap", m->start);
	for (i = 0; !ret && i < n; i++)
		ret = fill_map(f, &plan->maps[first + i]);
	if (ret && i)
		unmap(f, m->start, end);
	*nr = n;
	return ret;
}

static int write_one(struct commit *c, const struct lup_plan_write *w)
{
	uint8_t *old = malloc(w->len ? w->len : 1);
	int ret = old ? lup_frozen_read(c->f, w->addr, old, w->len) : -ENOMEM;

	if (!ret)
		ret = lup_frozen_write(c->f, w->addr, w->data, w->len);
	if (ret) {
		free(old);
		return ret;
	}
	c->saved[c->nr_written++] = old;
	return 0;
}

static void undo(struct commit *c)
{
	for (size_t i = c->nr_written; i-- > 0;) {
		const struct lup_plan_write *w = &c->plan->writes[i];

		if (lup_frozen_write(c->f, w->addr, c->saved[i], w->len))
			pr_err("process %d: cannot put back %zu bytes at %#" PRIx64,
			       (int)lup_frozen_pid(c->f), w->len, w->addr);
	}
	for (size_t i = c->nr_mapped; i-- > 0;)
		unmap(c->f, c->plan->maps[i].start, c->plan->maps[i].end);
}

int lup_inplace_commit(struct lup_frozen *f, const struct lup_plan *plan)
{
	struct commit c = { .f = f, .plan = plan };
	int ret = 0;

	if (plan->nr_calls) {
		pr_err("process %d: the patch needs code run in the process, which lup cannot do yet",
		       (int)lup_frozen_pid(f));
		return -LUP_ENOTAPPLIC;
	}
	c.saved = calloc(plan->nr_writes + 1, sizeof(*c.saved));
	if (!c.saved)
		return -ENOMEM;
	while (!ret && c.nr_mapped < plan->nr_maps) {
		size_t nr;

		ret = add_maps(f, plan, c.nr_mapped, &nr);
		c.nr_mapped += ret ? 0 : nr;
	}
	while (!ret && c.nr_written < plan->nr_writes)
		ret = write_one(&c, &plan->writes[c.nr_written]);
	if (ret)
		undo(&c);
	for (size_t i = 0; i < c.nr_written; i++)
		free(c.saved[i]);
	free(c.saved);
	return ret;
}
