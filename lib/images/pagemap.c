/*
 * pagemap-PID.img as a checked, sorted array of ranges. Present ranges have no offset
 * field in the image: their data in pages-ID.img follows the order of the entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "images/img.h"
#include "util/log.h"
#include "images/pagemap.h"
#include "pagemap.pb-c.h"

#define PE_KNOWN (LUP_PE_PARENT | LUP_PE_LAZY | LUP_PE_PRESENT)
#define MAX_PAGES (1ull << 40)	/* 4 PiB: more than any address space */

/* Flags of an entry; images older than the flags field say in_parent or nothing. */
static uint32_t entry_flags(const PagemapEntry *pe)
{
	if (pe->has_flags)
		return pe->flags;
	return pe->has_in_parent && pe->in_parent ? LUP_PE_PARENT : LUP_PE_PRESENT;
}

static int check_entry(const char *path, size_t i, const struct lup_pme *e,
		       const struct lup_pme *prev)
{
	const char *why = NULL;

	if (e->vaddr % LUP_PAGE_SIZE)
		why = "is not page aligned";
	else if (e->nr_pages == 0 || e->nr_pages > MAX_PAGES ||
		 e->vaddr + e->nr_pages * LUP_PAGE_SIZE < e->vaddr)
		why = "has a bad page count";
	else if (e->flags & ~PE_KNOWN)
		why = "has unknown flags";
	else if (!(e->flags & (LUP_PE_PARENT | LUP_PE_PRESENT | LUP_PE_LAZY)))
		why = "has no flags";
	else if ((e->flags & LUP_PE_PARENT) && (e->flags & (LUP_PE_LAZY | LUP_PE_PRESENT)))
		why = "combines PE_PARENT with PE_LAZY or PE_PRESENT";
	else if (prev && e->vaddr < prev->vaddr + prev->nr_pages * LUP_PAGE_SIZE)
		why = "is not sorted or overlaps the previous one";
	if (!why)
		return 0;
	pr_err("%s: entry %zu (0x%lx, %lu pages, flags 0x%x) %s", path, i,
	       (unsigned long)e->vaddr, (unsigned long)e->nr_pages, e->flags, why);
	return -LUP_EBADIMG;
}

/* Converts and checks the records; fills pages_off and returns the bytes of present pages. */
static int convert(const struct lup_img *img, struct lup_pagemap *pm, uint64_t *present)
{
	uint64_t off = 0;
	size_t i;

	for (i = 0; i < pm->nr; i++) {
		const PagemapEntry *pe = (const PagemapEntry *)img->recs[i + 1];
		struct lup_pme *e = &pm->e[i];
		int ret;

		if (i == 0)
			pm->nr_pages_u64 = pe->has_nr_pages;
		e->vaddr = pe->vaddr;
		e->nr_pages = pe->has_nr_pages ? pe->nr_pages : pe->compat_nr_pages;
		e->flags = entry_flags(pe);
		ret = check_entry(img->path, i + 1, e, i ? &pm->e[i - 1] : NULL);
		if (ret)
			return ret;
		if (e->flags & LUP_PE_PRESENT) {
			e->pages_off = off;
			off += e->nr_pages * LUP_PAGE_SIZE;
		}
	}
	*present = off;
	return 0;
}

/* The present pages must all be inside pages-ID.img. */
static int check_pages_size(int dirfd, const char *dir, const struct lup_pagemap *pm,
			    uint64_t present)
{
	char name[64];
	struct stat st;

	if (!present)
		return 0;
	snprintf(name, sizeof(name), "pages-%u.img", pm->pages_id);
	if (fstatat(dirfd, name, &st, 0)) {
		pr_err("%s/%s: %s", dir, name, strerror(errno));
		return errno == ENOENT ? -LUP_EBADIMG : -errno;
	}
	if ((uint64_t)st.st_size < present) {
		pr_err("%s/%s: %lu bytes, but its pagemap has %lu bytes of present pages", dir,
		       name, (unsigned long)st.st_size, (unsigned long)present);
		return -LUP_EBADIMG;
	}
	return 0;
}

int lup_pagemap_read(int dirfd, const char *dir, pid_t pid, struct lup_pagemap **out)
{
	struct lup_pagemap *pm = NULL;
	struct lup_img *img;
	uint64_t present;
	int ret;

	ret = lup_img_read(dirfd, dir, LUP_IMG_PAGEMAP, pid, &img);
	if (ret == -ENOENT)
		pr_err("%s/pagemap-%d.img: %s", dir, (int)pid, strerror(ENOENT));
	if (ret)
		return ret;
	ret = -LUP_EBADIMG;
	if (img->nr_recs == 0) {
		pr_err("%s: no PagemapHead record", img->path);
		goto out;
	}
	ret = -ENOMEM;
	pm = calloc(1, sizeof(*pm));
	if (!pm || !(pm->e = calloc(img->nr_recs, sizeof(*pm->e))))
		goto out;
	pm->pages_id = ((PagemapHead *)img->recs[0])->pages_id;
	pm->nr = img->nr_recs - 1;
	ret = convert(img, pm, &present);
	if (!ret)
		ret = check_pages_size(dirfd, dir, pm, present);
out:
	lup_img_free(img);
	if (ret)
		lup_pagemap_free(pm);
	else
		*out = pm;
	return ret;
}

/* Fills the records of one entry in the style (4.1 or 4.2) the pagemap was read in. */
static int fill_entry(const struct lup_pagemap *pm, size_t i, PagemapEntry *pe)
{
	const struct lup_pme *e = &pm->e[i];

	pagemap_entry__init(pe);
	pe->vaddr = e->vaddr;
	pe->has_flags = 1;
	pe->flags = e->flags;
	if (pm->nr_pages_u64) {
		pe->has_nr_pages = 1;
		pe->nr_pages = e->nr_pages;
	} else if (e->nr_pages > UINT32_MAX) {
		return -EOVERFLOW;
	} else {
		pe->compat_nr_pages = e->nr_pages;
	}
	return 0;
}

int lup_pagemap_write(int dirfd, const char *dir, pid_t pid, const struct lup_pagemap *pm)
{
	struct lup_img img = { .kind = LUP_IMG_PAGEMAP, .nr_recs = pm->nr + 1 };
	PagemapHead head = PAGEMAP_HEAD__INIT;
	PagemapEntry *pes;
	size_t i;
	int ret = -ENOMEM;

	pes = calloc(pm->nr ? pm->nr : 1, sizeof(*pes));
	img.recs = calloc(pm->nr + 1, sizeof(*img.recs));
	if (!pes || !img.recs)
		goto out;
	head.pages_id = pm->pages_id;
	img.recs[0] = &head.base;
	for (i = 0; i < pm->nr; i++) {
		ret = fill_entry(pm, i, &pes[i]);
		if (ret) {
			pr_err("%s/pagemap-%d.img: entry %zu: page count too large for CRIU 4.1 style",
			       dir, (int)pid, i + 1);
			goto out;
		}
		img.recs[i + 1] = &pes[i].base;
	}
	ret = lup_img_write(dirfd, dir, &img, pid);
out:
	free(img.recs);
	free(pes);
	return ret;
}

const struct lup_pme *lup_pagemap_find(const struct lup_pagemap *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct lup_pme *e = &pm->e[mid];

		if (addr < e->vaddr)
			hi = mid;
		else if (addr - e->vaddr >= e->nr_pages * LUP_PAGE_SIZE)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

void lup_pagemap_free(struct lup_pagemap *pm)
{
	if (!pm)
		return;
	free(pm->e);
	free(pm);
}
