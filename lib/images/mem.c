/*
 * The memory of a dumped process as it will see it after restore: dumped pages first,
 * then the mapped file's content for file-backed VMAs (past EOF: zeroes), then zeroes
 * for private anonymous memory that was never dumped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/dump.h"
#include "util/err.h"
#include "util/log.h"
#include "images/mem.h"
#include "core/page-cache.h"
#include "images/pages.h"
#include "util/root-path.h"

#define VMA_FILE_SHARED (1u << 7)

struct lup_mem {
	const struct lup_dump *d;
	const struct lup_proc *p;
	char *root;
	struct lup_pages *pages;
	/*
	 * The VMAs as dumped, copied at open: the rewriter adds VMAs to p->mm while the
	 * view is open, and fds[] is indexed by VMA.
	 */
	VmaEntry **vmas;
	size_t nr_vmas;
	int *fds;		/* per VMA: its file, opened on first read; -1 until then */
	struct lup_page_cache *cache;	/* in front of all of the above */
};

/* Index of the VMA holding addr, or -1 (binary search: VMAs are sorted and disjoint). */
static long find_vma(const struct lup_mem *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nr_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->vmas[mid]->start)
			hi = mid;
		else if (addr >= m->vmas[mid]->end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

static int open_vma_file(struct lup_mem *m, size_t idx)
{
	const VmaEntry *v = m->vmas[idx];
	const RegFileEntry *rf = lup_dump_reg_file(m->d, v->shmid);
	int fd;

	if (!rf) {
		pr_err("%s/mm-%d.img: VMA %lx-%lx maps file id %lu, not a regular file of files.img",
		       m->d->dir, (int)m->p->pid, (unsigned long)v->start, (unsigned long)v->end,
		       (unsigned long)v->shmid);
		return -LUP_EBADIMG;
	}
	fd = lup_root_open(m->root, rf->name);
	if (fd < 0)
		return fd;
	m->fds[idx] = fd;
	return 0;
}

/* The file's bytes behind a file-backed VMA; zeroes past the end of the file. */
static int read_file(struct lup_mem *m, size_t idx, uint64_t addr, void *buf, size_t len)
{
	const VmaEntry *v = m->vmas[idx];
	size_t done = 0;
	int ret;

	if (m->fds[idx] < 0 && (ret = open_vma_file(m, idx)))
		return ret;
	while (done < len) {
		ssize_t n = pread(m->fds[idx], (char *)buf + done, len - done,
				  v->pgoff + (addr - v->start) + done);

		if (n < 0) {
			pr_err("%s/mm-%d.img: reading the file of VMA %lx: %s", m->d->dir,
			       (int)m->p->pid, (unsigned long)v->start, strerror(errno));
			return -errno;
		}
		if (n == 0)
			break;
		done += n;
	}
	memset((char *)buf + done, 0, len - done);
	return 0;
}

/* Memory of one VMA that is not in the dump. */
static int read_undumped(struct lup_mem *m, size_t idx, uint64_t addr, void *buf, size_t len)
{
	const VmaEntry *v = m->vmas[idx];

	if (v->status & (LUP_VMA_FILE_PRIVATE | VMA_FILE_SHARED))
		return read_file(m, idx, addr, buf, len);
	if (v->status & LUP_VMA_ANON_PRIVATE) {
		memset(buf, 0, len);
		return 0;
	}
	pr_err("%s/mm-%d.img: content of VMA %lx-%lx (status 0x%x) is not in its images",
	       m->d->dir, (int)m->p->pid, (unsigned long)v->start, (unsigned long)v->end, v->status);
	return -ENODATA;
}

/*
 * One whole page: as dumped, else as the file or zeroes give it. VMAs are page aligned
 * (lup_dump_open checks it): the page lies in one VMA.
 */
static int fill_page(void *arg, uint64_t vaddr, uint8_t *page)
{
	struct lup_mem *m = arg;
	long idx = find_vma(m, vaddr);
	int ret;

	if (idx < 0)
		return -EFAULT;
	ret = lup_pages_read(m->pages, vaddr, page, LUP_PAGE_SIZE);
	if (ret == -ENOENT)
		ret = read_undumped(m, idx, vaddr, page, LUP_PAGE_SIZE);
	return ret;
}

int lup_mem_open(const struct lup_dump *d, const struct lup_proc *p, const char *root,
		 struct lup_mem **out)
{
	struct lup_mem *m = calloc(1, sizeof(*m));
	size_t i;
	int ret;

	if (!m)
		return -ENOMEM;
	m->d = d;
	m->p = p;
	m->root = strdup(root && *root ? root : "/");
	m->vmas = calloc(p->mm->n_vmas ? p->mm->n_vmas : 1, sizeof(*m->vmas));
	m->fds = calloc(p->mm->n_vmas ? p->mm->n_vmas : 1, sizeof(*m->fds));
	if (!m->root || !m->vmas || !m->fds) {
		lup_mem_close(m);
		return -ENOMEM;
	}
	m->nr_vmas = p->mm->n_vmas;
	for (i = 0; i < m->nr_vmas; i++) {
		m->vmas[i] = p->mm->vmas[i];
		m->fds[i] = -1;
	}
	ret = lup_pages_open(d->dir, p->pid, &m->pages);
	if (!ret)
		ret = lup_page_cache_new(fill_page, m, &m->cache);
	if (ret) {
		lup_mem_close(m);
		return ret;
	}
	*out = m;
	return 0;
}

int lup_mem_read(struct lup_mem *m, uint64_t addr, void *buf, size_t len)
{
	return lup_page_cache_read(m->cache, addr, buf, len);
}

void lup_mem_close(struct lup_mem *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; m->fds && i < m->nr_vmas; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	free(m->fds);
	lup_page_cache_free(m->cache);
	free(m->vmas);
	lup_pages_close(m->pages);
	free(m->root);
	free(m);
}
