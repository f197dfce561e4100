/*
 * Loads a checkpoint directory: pstree, then per thread core-TID.img and per process
 * mm-PID.img and pagemap-PID.img, and an index of the regular files of files.img.
 * Checks what CRIU itself does not (VMAs that overlap).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/dump.h"
#include "util/err.h"
#include "util/log.h"
#include "images/pages.h"

/* Reads an image that must hold exactly one record; a missing file is reported. */
static int read_single(struct lup_dump *d, enum lup_img_kind kind, int id, struct lup_img **img)
{
	char name[64];
	int ret = lup_img_read(d->dirfd, d->dir, kind, id, img);

	if (ret == -ENOENT) {
		snprintf(name, sizeof(name), lup_img_desc(kind)->name_fmt, id);
		pr_err("%s/%s: %s", d->dir, name, strerror(ENOENT));
		return -LUP_EBADIMG;
	}
	if (ret)
		return ret;
	if ((*img)->nr_recs != 1) {
		pr_err("%s: %zu records, expected one", (*img)->path, (*img)->nr_recs);
		lup_img_free(*img);
		*img = NULL;
		return -LUP_EBADIMG;
	}
	return 0;
}

static int load_thread(struct lup_dump *d, struct lup_thread *t)
{
	int ret = read_single(d, LUP_IMG_CORE, t->tid, &t->img);

	if (ret)
		return ret;
	t->core = (CoreEntry *)t->img->recs[0];
	if (t->core->mtype != CORE_ENTRY__MARCH__X86_64 || !t->core->thread_info) {
		pr_err("%s: not an x86-64 thread (machine type %d)", t->img->path, t->core->mtype);
		return -LUP_EBADIMG;
	}
	return 0;
}

/* VMAs must be page aligned, non-empty, sorted and must not overlap. */
static int check_vmas(const struct lup_img *img, const MmEntry *mm)
{
	size_t i;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];
		const char *why = NULL;

		if (v->start % LUP_PAGE_SIZE || v->end % LUP_PAGE_SIZE || v->start >= v->end)
			why = "is empty or not page aligned";
		else if (i && v->start < mm->vmas[i - 1]->end)
			why = v->start < mm->vmas[i - 1]->start ? "is not sorted" : "overlaps the previous one";
		if (why) {
			pr_err("%s: VMA %lx-%lx %s", img->path, (unsigned long)v->start,
			       (unsigned long)v->end, why);
			return -LUP_EBADIMG;
		}
	}
	return 0;
}

static int load_proc(struct lup_dump *d, struct lup_proc *p, const PstreeEntry *pe)
{
	size_t i;
	int ret;

	p->pid = pe->pid;
	p->ppid = pe->ppid;
	p->threads = calloc(pe->n_threads, sizeof(*p->threads));
	if (!p->threads)
		return -ENOMEM;
	p->nr_threads = pe->n_threads;
	for (i = 0; i < p->nr_threads; i++) {
		p->threads[i].tid = pe->threads[i];
		ret = load_thread(d, &p->threads[i]);
		if (ret)
			return ret;
	}
	ret = read_single(d, LUP_IMG_MM, p->pid, &p->mm_img);
	if (ret)
		return ret;
	p->mm = (MmEntry *)p->mm_img->recs[0];
	ret = check_vmas(p->mm_img, p->mm);
	if (ret)
		return ret;
	ret = lup_pagemap_read(d->dirfd, d->dir, p->pid, &p->pagemap);
	if (ret)
		return ret;
	return lup_pages_check_parent(d->dirfd, d->dir, p->pid, p->pagemap);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 1 with *tid set when a tid (and so a pid) is in two places of pstree.img, else 0. */
static int find_repeated_tid(const struct lup_dump *d, size_t nr_tids, uint32_t *tid)
{
	uint32_t *all = malloc((nr_tids ? nr_tids : 1) * sizeof(*all));
	size_t i, j, n = 0;

	if (!all)
		return -ENOMEM;
	for (i = 0; i < d->pstree->nr_recs; i++) {
		const PstreeEntry *pe = (const PstreeEntry *)d->pstree->recs[i];

		for (j = 0; j < pe->n_threads; j++)
			all[n++] = pe->threads[j];
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	for (i = 1; i < n && all[i] != all[i - 1]; i++)
		;
	*tid = i < n ? all[i] : 0;
	free(all);
	return i < n;
}

/*
 * Each process lists its threads, its own pid among them (the main thread: its stack
 * is checked too), and no thread id appears twice in the tree.
 */
static int check_pstree(const struct lup_dump *d)
{
	size_t i, j, nr_tids = 0;
	uint32_t tid;
	int ret;

	for (i = 0; i < d->pstree->nr_recs; i++) {
		const PstreeEntry *pe = (const PstreeEntry *)d->pstree->recs[i];

		for (j = 0; j < pe->n_threads && pe->threads[j] != pe->pid; j++)
			;
		if (j == pe->n_threads) {
			pr_err("%s: process %u is not among its own %zu threads", d->pstree->path,
			       pe->pid, pe->n_threads);
			return -LUP_EBADIMG;
		}
		nr_tids += pe->n_threads;
	}
	ret = find_repeated_tid(d, nr_tids, &tid);
	if (ret > 0) {
		pr_err("%s: thread %u appears twice", d->pstree->path, tid);
		return -LUP_EBADIMG;
	}
	return ret;
}

static int load_pstree(struct lup_dump *d)
{
	size_t i;
	int ret = lup_img_read(d->dirfd, d->dir, LUP_IMG_PSTREE, 0, &d->pstree);

	if (ret == -ENOENT)
		pr_err("%s/pstree.img: %s", d->dir, strerror(ENOENT));
	if (ret)
		return ret == -ENOENT ? -LUP_EBADIMG : ret;
	if (d->pstree->nr_recs == 0) {
		pr_err("%s: no process", d->pstree->path);
		return -LUP_EBADIMG;
	}
	ret = check_pstree(d);
	if (ret)
		return ret;
	d->procs = calloc(d->pstree->nr_recs, sizeof(*d->procs));
	if (!d->procs)
		return -ENOMEM;
	d->nr_procs = d->pstree->nr_recs;
	for (i = 0; i < d->nr_procs; i++) {
		ret = load_proc(d, &d->procs[i], (PstreeEntry *)d->pstree->recs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cmp_reg_id(const void *a, const void *b)
{
	uint32_t x = (*(const RegFileEntry *const *)a)->id, y = (*(const RegFileEntry *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* Indexes the regular files of files.img by id (sorted array, binary search). */
static int load_files(struct lup_dump *d)
{
	size_t i;
	int ret = lup_img_read(d->dirfd, d->dir, LUP_IMG_FILES, 0, &d->files);

	if (ret == -ENOENT)
		pr_err("%s/files.img: %s", d->dir, strerror(ENOENT));
	if (ret)
		return ret == -ENOENT ? -LUP_EBADIMG : ret;
	d->reg_files = calloc(d->files->nr_recs ? d->files->nr_recs : 1, sizeof(*d->reg_files));
	if (!d->reg_files)
		return -ENOMEM;
	for (i = 0; i < d->files->nr_recs; i++) {
		const FileEntry *fe = (const FileEntry *)d->files->recs[i];

		if (fe->type != FD_TYPES__REG || !fe->reg)
			continue;
		if (fe->reg->id != fe->id) {
			pr_err("%s: file entry %u holds a regular file of id %u", d->files->path,
			       fe->id, fe->reg->id);
			return -LUP_EBADIMG;
		}
		d->reg_files[d->nr_reg_files++] = fe->reg;
	}
	qsort(d->reg_files, d->nr_reg_files, sizeof(*d->reg_files), cmp_reg_id);
	for (i = 1; i < d->nr_reg_files; i++) {
		if (d->reg_files[i]->id == d->reg_files[i - 1]->id) {
			pr_err("%s: two regular files with id %u", d->files->path, d->reg_files[i]->id);
			return -LUP_EBADIMG;
		}
	}
	return 0;
}

int lup_dump_open(const char *dir, struct lup_dump **out)
{
	struct lup_dump *d = calloc(1, sizeof(*d));
	int ret;

	if (!d || !(d->dir = strdup(dir))) {
		free(d);
		return -ENOMEM;
	}
	d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		ret = -errno;
		pr_err("%s: %s", dir, strerror(errno));
		lup_dump_close(d);
		return ret;
	}
	ret = read_single(d, LUP_IMG_INVENTORY, 0, &d->inventory);
	if (!ret)
		ret = load_files(d);
	if (!ret)
		ret = load_pstree(d);
	if (ret) {
		lup_dump_close(d);
		return ret;
	}
	*out = d;
	return 0;
}

static void free_proc(struct lup_proc *p)
{
	size_t i;

	for (i = 0; i < p->nr_threads; i++)
		lup_img_free(p->threads[i].img);
	free(p->threads);
	lup_img_free(p->mm_img);
	lup_pagemap_free(p->pagemap);
}

void lup_dump_close(struct lup_dump *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nr_procs; i++)
		free_proc(&d->procs[i]);
	free(d->procs);
	free(d->reg_files);
	lup_img_free(d->inventory);
	lup_img_free(d->pstree);
	lup_img_free(d->files);
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->dir);
	free(d);
}

const RegFileEntry *lup_dump_reg_file(const struct lup_dump *d, uint32_t id)
{
	size_t lo = 0, hi = d->nr_reg_files;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t mid_id = d->reg_files[mid]->id;

		if (id == mid_id)
			return d->reg_files[mid];
		if (id < mid_id)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
