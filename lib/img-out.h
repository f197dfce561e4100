/* The rewriter's output: a parent-linked image directory built under a temporary name. */
#ifndef LUP_IMG_OUT_H
#define LUP_IMG_OUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "dump.h"
#include "overlay.h"

struct lup_out {
	char *final;		/* OUT_DIR */
	char *tmp;		/* OUT_DIR.tmp-XXXXXX next to it */
	int dirfd;
};

/*
 * The new pagemap of a process (its new VMA list checked first): every old range
 * PE_PARENT only, split around the changed pages, which become PE_PRESENT in
 * pages-<pages_id>.img. Ranges only a lazy-pages daemon has and changed pages outside
 * private VMAs are refused (-LUP_EBADIMG, reported).
 */
int lup_out_pagemap(const struct lup_proc *p, const char *img_path, const struct lup_overlay *o,
		    uint32_t pages_id, struct lup_pagemap *out);
/* An id for a new pages-ID.img: one above every id used in img_dir. */
int lup_out_pages_id(int img_dirfd, uint32_t *id);

/* Refuses an existing out_dir; creates the temporary directory with its relative `parent` link. */
int lup_out_begin(const char *img_dir, const char *out_dir, struct lup_out *o);
/* Hard-links (or copies) every *.img of img_dir not rejected by skip. */
int lup_out_link_images(struct lup_out *o, int img_dirfd, const char *img_dir,
			bool (*skip)(const char *name, void *arg), void *arg);
/* Writes a rewritten process: mm-PID.img, pagemap-PID.img and its pages file. */
int lup_out_write_proc(struct lup_out *o, const struct lup_proc *p, const struct lup_pagemap *pm,
		       const struct lup_overlay *ov);
/* Renames the temporary directory to OUT_DIR; lup_out_abort removes it instead. */
int lup_out_commit(struct lup_out *o);
void lup_out_abort(struct lup_out *o);

#endif
