/*
 * Page reader of a dumped process: present pages come from pages-ID.img, PE_PARENT
 * pages from the same process's images in the directory the `parent` link points to
 * (opened on first use, chain depth bounded). CRIU does not notice a broken link
 * (its restore loops), so every link is checked here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "images/pagemap.h"
#include "images/pages.h"

#define MAX_PARENT_DEPTH 64

struct lup_pages {
	char *dir;
	int dirfd;
	pid_t pid;
	int depth;			/* 0 for the directory given to lup_pages_open */
	struct lup_pagemap *pm;
	int pages_fd;			/* pages-ID.img, or -1 when nothing is present */
	int parent_fd;			/* the parent directory, or -1 when no entry needs it */
	char *parent_dir;
	struct lup_pages *parent;	/* opened on the first PE_PARENT read */
};

static bool has_flag(const struct lup_pagemap *pm, uint32_t flag)
{
	size_t i;

	for (i = 0; i < pm->nr; i++)
		if (pm->e[i].flags & flag)
			return true;
	return false;
}

/* The path the `parent` link of dir names, for messages and for the parent's own links. */
static char *parent_path(int dirfd, const char *dir)
{
	char target[PATH_MAX], *path;
	ssize_t n = readlinkat(dirfd, "parent", target, sizeof(target) - 1);

	if (n < 0)
		return NULL;
	target[n] = '\0';
	if (target[0] == '/')
		return strdup(target);
	if (asprintf(&path, "%s/%s", dir, target) < 0)
		return NULL;
	return path;
}

int lup_pages_check_parent(int dirfd, const char *dir, pid_t pid, const struct lup_pagemap *pm)
{
	int fd;

	if (!has_flag(pm, LUP_PE_PARENT))
		return 0;
	fd = openat(dirfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("%s/parent: %s, but pagemap-%d.img has pages in the parent", dir,
		       strerror(errno), (int)pid);
		return -LUP_EBADPARENT;
	}
	close(fd);
	return 0;
}

/* Opens dir's parent directory when some range is there. */
static int open_parent_dir(struct lup_pages *p)
{
	int ret = lup_pages_check_parent(p->dirfd, p->dir, p->pid, p->pm);

	if (ret || !has_flag(p->pm, LUP_PE_PARENT))
		return ret;
	if (p->depth + 1 >= MAX_PARENT_DEPTH) {
		pr_err("%s: chain of parent links deeper than %d", p->dir, MAX_PARENT_DEPTH);
		return -LUP_EBADPARENT;
	}
	p->parent_fd = openat(p->dirfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->parent_fd < 0) {
		pr_err("%s/parent: %s", p->dir, strerror(errno));
		return -LUP_EBADPARENT;
	}
	p->parent_dir = parent_path(p->dirfd, p->dir);
	if (!p->parent_dir)
		p->parent_dir = strdup("parent");
	return p->parent_dir ? 0 : -ENOMEM;
}

static int open_pages_file(struct lup_pages *p)
{
	char name[64];

	if (!has_flag(p->pm, LUP_PE_PRESENT))
		return 0;
	snprintf(name, sizeof(name), "pages-%u.img", p->pm->pages_id);
	p->pages_fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (p->pages_fd < 0) {
		pr_err("%s/%s: %s", p->dir, name, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Opens one level of the chain: dirfd is taken over (closed on error too). */
static int pages_open_at(int dirfd, const char *dir, pid_t pid, int depth, struct lup_pages **out)
{
	struct lup_pages *p = calloc(1, sizeof(*p));
	int ret;

	if (!p || !(p->dir = strdup(dir))) {
		free(p);
		close(dirfd);
		return -ENOMEM;
	}
	p->dirfd = dirfd;
	p->pid = pid;
	p->depth = depth;
	p->pages_fd = p->parent_fd = -1;
	ret = lup_pagemap_read(dirfd, dir, pid, &p->pm);
	if (!ret)
		ret = open_pages_file(p);
	if (!ret)
		ret = open_parent_dir(p);
	if (ret) {
		lup_pages_close(p);
		return ret;
	}
	*out = p;
	return 0;
}

int lup_pages_open(const char *dir, pid_t pid, struct lup_pages **out)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0) {
		pr_err("%s: %s", dir, strerror(errno));
		return -errno;
	}
	return pages_open_at(dirfd, dir, pid, 0, out);
}

static int read_present(struct lup_pages *p, const struct lup_pme *e, uint64_t addr, void *buf,
			size_t len)
{
	off_t off = e->pages_off + (addr - e->vaddr);
	ssize_t n = pread(p->pages_fd, buf, len, off);

	if (n == (ssize_t)len)
		return 0;
	pr_err("%s/pages-%u.img: short read of %zu bytes at %lld: %s", p->dir, p->pm->pages_id,
	       len, (long long)off, n < 0 ? strerror(errno) : "end of file");
	return -LUP_EBADIMG;
}

static int read_parent(struct lup_pages *p, uint64_t addr, void *buf, size_t len)
{
	int ret;

	if (!p->parent) {
		int fd = dup(p->parent_fd);

		if (fd < 0)
			return -errno;
		ret = pages_open_at(fd, p->parent_dir, p->pid, p->depth + 1, &p->parent);
		if (ret)
			return ret == -ENOENT ? -LUP_EBADPARENT : ret;
	}
	ret = lup_pages_read(p->parent, addr, buf, len);
	if (ret == -ENOENT) {
		pr_err("%s/pagemap-%d.img: page 0x%lx is in the parent, but %s lacks it", p->dir,
		       (int)p->pid, (unsigned long)addr, p->parent_dir);
		return -LUP_EBADPARENT;
	}
	return ret;
}

int lup_pages_read(struct lup_pages *p, uint64_t addr, void *buf, size_t len)
{
	while (len) {
		const struct lup_pme *e = lup_pagemap_find(p->pm, addr);
		uint64_t left;
		size_t n;
		int ret;

		if (!e || !(e->flags & (LUP_PE_PRESENT | LUP_PE_PARENT)))
			return -ENOENT;	/* not dumped, or served by the lazy-pages daemon */
		left = e->vaddr + e->nr_pages * LUP_PAGE_SIZE - addr;
		n = len < left ? len : left;
		if (e->flags & LUP_PE_PRESENT)
			ret = read_present(p, e, addr, buf, n);
		else
			ret = read_parent(p, addr, buf, n);
		if (ret)
			return ret;
		addr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

void lup_pages_close(struct lup_pages *p)
{
	if (!p)
		return;
	lup_pages_close(p->parent);
	lup_pagemap_free(p->pm);
	if (p->pages_fd >= 0)
		close(p->pages_fd);
	if (p->parent_fd >= 0)
		close(p->parent_fd);
	close(p->dirfd);
	free(p->parent_dir);
	free(p->dir);
	free(p);
}
