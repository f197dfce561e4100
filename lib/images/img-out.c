/*
 * The parent-linked output directory: new pagemaps (old ranges PE_PARENT, changed pages
 * PE_PRESENT), hard links to the unchanged images, and an atomic rename at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/array.h"
#include "util/err.h"
#include "images/img-out.h"
#include "util/file-copy.h"
#include "util/log.h"
#include "images/vma.h"

/* The directory being written. */
struct out {
	char *final;		/* OUT_DIR */
	char *tmp;		/* OUT_DIR.tmp-XXXXXX next to it */
	int dirfd;
};

static void out_abort(struct out *o);

static int add_pme(struct lup_pagemap *pm, uint64_t vaddr, uint64_t nr, uint32_t flags)
{
	struct lup_pme *e = &pm->e[pm->nr - (pm->nr ? 1 : 0)];

	/* Consecutive changed pages make one present range. */
	if (pm->nr && flags == LUP_PE_PRESENT && e->flags == flags &&
	    e->vaddr + e->nr_pages * LUP_PAGE_SIZE == vaddr) {
		e->nr_pages += nr;
		return 0;
	}
	e = realloc(pm->e, (pm->nr + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	pm->e = e;
	pm->e[pm->nr++] = (struct lup_pme){ .vaddr = vaddr, .nr_pages = nr, .flags = flags };
	return 0;
}

static int check_page(const struct lup_proc *p, const char *img_path, uint64_t vaddr)
{
	const VmaEntry *v = lup_vma_find(p->mm, vaddr);

	if (v && (v->status & LUP_VMA_AREA_REGULAR) &&
	    (v->status & (LUP_VMA_FILE_PRIVATE | LUP_VMA_ANON_PRIVATE)))
		return 0;
	pr_err("%s/mm-%d.img: changed page 0x%" PRIx64 " is not in a private VMA", img_path, p->pid,
	       vaddr);
	return -LUP_EBADIMG;
}

static int add_present(struct lup_pagemap *pm, const struct lup_proc *p, const char *img_path,
		       uint64_t vaddr)
{
	int ret = check_page(p, img_path, vaddr);

	return ret ? ret : add_pme(pm, vaddr, 1, LUP_PE_PRESENT);
}

/* CRIU checks only the order of VMAs; an overlap would silently clobber memory. */
static int check_mm(const struct lup_proc *p, const char *img_path)
{
	const MmEntry *mm = p->mm;
	size_t i;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->start >= v->end || (v->start | v->end) & (LUP_PAGE_SIZE - 1) ||
		    (i && v->start < mm->vmas[i - 1]->end)) {
			pr_err("%s/mm-%d.img: rewritten VMA %" PRIx64 "-%" PRIx64
			       " is unaligned, unsorted or overlaps", img_path, p->pid, v->start, v->end);
			return -LUP_EBADIMG;
		}
	}
	return 0;
}

/* Merges the old ranges (as PE_PARENT) with the changed pages, both sorted. */
static int out_pagemap(const struct lup_proc *p, const char *img_path, const struct lup_overlay *o,
		       uint32_t pages_id, struct lup_pagemap *out)
{
	const struct lup_pagemap *old = p->pagemap;
	size_t i, k = 0;
	uint64_t cur, end, off = 0;
	int ret = check_mm(p, img_path);

	memset(out, 0, sizeof(*out));
	out->pages_id = pages_id;
	out->nr_pages_u64 = old->nr_pages_u64;
	for (i = 0; i < old->nr && !ret; i++) {
		/* PE_LAZY alone: the pages are with a lazy-pages daemon, not in the images. */
		if ((old->e[i].flags & LUP_PE_LAZY) && !(old->e[i].flags & LUP_PE_PRESENT)) {
			pr_err("%s/pagemap-%d.img: lazy pages (criu dump --lazy-pages) cannot be rewritten",
			       img_path, p->pid);
			ret = -LUP_EBADIMG;
			break;
		}
		cur = old->e[i].vaddr;
		end = cur + old->e[i].nr_pages * LUP_PAGE_SIZE;
		/* changed pages before this range (new VMAs), then those inside it */
		for (; k < o->nr && o->p[k].vaddr < cur && !ret; k++)
			ret = add_present(out, p, img_path, o->p[k].vaddr);
		for (; k < o->nr && o->p[k].vaddr < end && !ret; k++) {
			if (o->p[k].vaddr > cur)
				ret = add_pme(out, cur, (o->p[k].vaddr - cur) / LUP_PAGE_SIZE, LUP_PE_PARENT);
			if (!ret)
				ret = add_present(out, p, img_path, o->p[k].vaddr);
			cur = o->p[k].vaddr + LUP_PAGE_SIZE;
		}
		if (!ret && cur < end)
			ret = add_pme(out, cur, (end - cur) / LUP_PAGE_SIZE, LUP_PE_PARENT);
	}
	for (; k < o->nr && !ret; k++)
		ret = add_present(out, p, img_path, o->p[k].vaddr);
	for (i = 0; i < out->nr && !ret; i++) {
		if (i && out->e[i].vaddr < out->e[i - 1].vaddr + out->e[i - 1].nr_pages * LUP_PAGE_SIZE) {
			pr_err("%s/pagemap-%d.img: rewritten ranges overlap at 0x%" PRIx64, img_path,
			       p->pid, out->e[i].vaddr);
			ret = -LUP_EBADIMG;
		}
		if (out->e[i].flags & LUP_PE_PRESENT) {
			out->e[i].pages_off = off;
			off += out->e[i].nr_pages * LUP_PAGE_SIZE;
		}
	}
	if (ret) {
		free(out->e);
		memset(out, 0, sizeof(*out));
	}
	return ret;
}

static int out_pages_id(int img_dirfd, uint32_t *id)
{
	int fd = dup(img_dirfd);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	unsigned int n, max = 0;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((de = readdir(dir)))
		if (sscanf(de->d_name, "pages-%u.img", &n) == 1 && n > max)
			max = n;
	closedir(dir);
	*id = max + 1;
	return 0;
}

/* to (absolute) as seen from a directory inside from (absolute), both without symlinks. */
static char *relative_path(const char *from, const char *to)
{
	size_t common = 0, i;
	char *out, *p;
	int ups = 0;

	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = i;
	for (i = common; from[i]; i++)
		if (from[i] == '/' && (i == common || from[i - 1] != '/'))
			ups++;
	out = malloc(ups * 3 + strlen(to) + 5);
	if (!out)
		return NULL;
	/* the link is resolved from inside the output directory: one level more */
	for (p = stpcpy(out, "../"), i = 0; i < (size_t)ups; i++)
		p = stpcpy(p, "../");
	strcpy(p, to[common] == '/' ? to + common + 1 : to + common);
	return out;
}

static int make_parent_link(const char *img_dir, struct out *o)
{
	char img_real[PATH_MAX], out_parent[PATH_MAX], *copy = strdup(o->final), *rel = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	if (!realpath(img_dir, img_real) || !realpath(dirname(copy), out_parent)) {
		ret = -errno;
		pr_err("%s: %s", img_dir, strerror(errno));
	} else if (!(rel = relative_path(out_parent, img_real))) {
		ret = -ENOMEM;
	} else if (symlinkat(rel, o->dirfd, "parent")) {
		ret = -errno;
		pr_err("%s/parent: %s", o->tmp, strerror(errno));
	}
	free(rel);
	free(copy);
	return ret;
}

static int out_begin(const char *img_dir, const char *out_dir, struct out *o)
{
	struct stat st;
	int ret;

	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
	if (!lstat(out_dir, &st) || errno != ENOENT) {
		pr_err("%s: %s", out_dir, errno == ENOENT || !errno ? "already exists" : strerror(errno));
		return -EEXIST;
	}
	o->final = strdup(out_dir);
	if (!o->final || asprintf(&o->tmp, "%s.tmp-XXXXXX", out_dir) < 0) {
		o->tmp = NULL;
		out_abort(o);
		return -ENOMEM;
	}
	if (!mkdtemp(o->tmp) || (o->dirfd = open(o->tmp, O_RDONLY | O_DIRECTORY)) < 0) {
		ret = -errno;
		pr_err("%s: %s", o->tmp, strerror(errno));
		out_abort(o);
		return ret;
	}
	ret = make_parent_link(img_dir, o);
	if (ret)
		out_abort(o);
	return ret;
}

static bool is_image(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && !strcmp(name + len - 4, ".img");
}

/*
 * The images the rewrite does not change, linked (copied across file systems), and every
 * other regular file of the checkpoint copied: what runtimes keep beside the images
 * (runc's descriptors.json), which a restore from the output needs as well. Copied, not
 * linked: whatever writes to the output's copy leaves the input's alone.
 */
static int carry_file(struct out *o, int img_dirfd, const char *name, bool image)
{
	if (image && linkat(img_dirfd, name, o->dirfd, name, 0) == 0)
		return 0;
	return lup_copy_file_at(img_dirfd, o->dirfd, name);
}

static int out_link_images(struct out *o, int img_dirfd, const char *img_dir,
			   bool (*skip)(const char *name, void *arg), void *arg)
{
	int fd = dup(img_dirfd), ret = 0;
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(dir);
	while (!ret && (de = readdir(dir))) {
		bool image = is_image(de->d_name);

		if (de->d_type != DT_REG || (image && skip(de->d_name, arg)))
			continue;
		ret = carry_file(o, img_dirfd, de->d_name, image);
		if (ret)
			pr_err("%s/%s: cannot link or copy: %s", img_dir, de->d_name, strerror(-ret));
	}
	closedir(dir);
	return ret;
}

static int write_pages(struct out *o, const struct lup_pagemap *pm,
		       const struct lup_overlay *ov)
{
	char name[64];
	size_t i;
	int fd, ret = 0;

	snprintf(name, sizeof(name), "pages-%u.img", pm->pages_id);
	fd = openat(o->dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	for (i = 0; fd >= 0 && i < ov->nr; i++)
		if (write(fd, ov->p[i].data, LUP_PAGE_SIZE) != (ssize_t)LUP_PAGE_SIZE)
			break;
	if (fd < 0 || i < ov->nr || close(fd)) {
		ret = -errno;
		pr_err("%s/%s: %s", o->tmp, name, strerror(errno));
		if (fd >= 0 && i < ov->nr)
			close(fd);
	}
	return ret;
}

static int out_write_proc(struct out *o, const struct lup_proc *p, const struct lup_pagemap *pm,
			  const struct lup_overlay *ov)
{
	int ret = lup_img_write(o->dirfd, o->tmp, p->mm_img, p->pid);

	/* The present ranges of pm are the overlay's pages in order: the file is them, back to back. */
	if (!ret)
		ret = write_pages(o, pm, ov);
	if (!ret)
		ret = lup_pagemap_write(o->dirfd, o->tmp, p->pid, pm);
	return ret;
}

/*
 * No fsync: this runs while the process is frozen, CRIU does not sync its own images
 * either, and after a crash the frozen process is gone with whatever was not written.
 */
static int out_commit(struct out *o)
{
	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->final, RENAME_NOREPLACE)) {
		pr_err("%s: %s", o->final, strerror(errno));
		return -errno;
	}
	close(o->dirfd);
	free(o->tmp);
	free(o->final);
	memset(o, 0, sizeof(*o));
	return 0;
}

static void out_abort(struct out *o)
{
	DIR *dir = o->dirfd >= 0 ? fdopendir(o->dirfd) : NULL;
	struct dirent *de;

	/* The temporary directory holds only files and the parent link written here. */
	while (dir && (de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(o->dirfd, de->d_name, 0);
	if (dir)
		closedir(dir);
	else if (o->dirfd >= 0)
		close(o->dirfd);
	if (o->tmp)
		rmdir(o->tmp);
	free(o->tmp);
	free(o->final);
	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
}

int lup_out_set_add(struct lup_out_set *set, const struct lup_proc *p, const struct lup_overlay *ov)
{
	return LUP_ARRAY_PUSH(set->procs, set->nr, (struct lup_out_proc){ p, ov });
}

void lup_out_set_free(struct lup_out_set *set)
{
	free(set->procs);
	*set = (struct lup_out_set){ 0 };
}

/* The images of a changed process are written anew; every other image is linked. */
static bool is_changed_image(const char *name, void *arg)
{
	const struct lup_out_set *set = arg;
	char buf[64];

	for (size_t i = 0; i < set->nr; i++) {
		const struct lup_proc *p = set->procs[i].p;

		snprintf(buf, sizeof(buf), "mm-%d.img", (int)p->pid);
		if (!strcmp(name, buf))
			return true;
		snprintf(buf, sizeof(buf), "pagemap-%d.img", (int)p->pid);
		if (!strcmp(name, buf))
			return true;
		snprintf(buf, sizeof(buf), "pages-%u.img", p->pagemap->pages_id);
		if (!strcmp(name, buf))
			return true;
	}
	return false;
}

static int write_dir(const struct lup_dump *d, const char *out_dir, const struct lup_out_set *set,
		     const struct lup_pagemap *pms)
{
	struct out out;
	int ret = out_begin(d->dir, out_dir, &out);

	if (ret)
		return ret;
	ret = out_link_images(&out, d->dirfd, d->dir, is_changed_image, (void *)set);
	for (size_t i = 0; !ret && i < set->nr; i++)
		ret = out_write_proc(&out, set->procs[i].p, &pms[i], set->procs[i].ov);
	if (!ret)
		ret = out_commit(&out);
	else
		out_abort(&out);
	return ret;
}

int lup_out_write_dump(const struct lup_dump *d, const char *out_dir, const struct lup_out_set *set)
{
	struct lup_pagemap *pms = calloc(set->nr + 1, sizeof(*pms));
	uint32_t id = 0;
	size_t i;
	int ret = pms ? out_pages_id(d->dirfd, &id) : -ENOMEM;

	for (i = 0; !ret && i < set->nr; i++)
		ret = out_pagemap(set->procs[i].p, d->dir, set->procs[i].ov, id++, &pms[i]);
	if (!ret)
		ret = write_dir(d, out_dir, set, pms);
	for (i = 0; pms && i < set->nr; i++)
		free(pms[i].e);
	free(pms);
	return ret;
}
