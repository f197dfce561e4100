/* The process view (lib/core/view.h) of a process in a checkpoint. */
#ifndef LUP_VIEW_IMAGES_H
#define LUP_VIEW_IMAGES_H

#include "images/dump.h"

struct lup_view;
struct lup_mem;

/*
 * The view of p, a process of d, whose files' paths resolve under root (NULL: "/").
 * Errors name the image. Free it with lup_view_free.
 */
int lup_view_images(const struct lup_dump *d, const struct lup_proc *p, const char *root,
		    struct lup_view *v);
/* Its memory as dumped (what the rewritten images start from). */
struct lup_mem *lup_view_images_mem(const struct lup_view *v);

#endif
