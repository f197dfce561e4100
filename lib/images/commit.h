/* The images transport's commit of a plan into a dumped process. */
#ifndef LUP_IMAGES_COMMIT_H
#define LUP_IMAGES_COMMIT_H

#include "images/dump.h"
#include "images/overlay.h"

struct lup_plan;

/*
 * A plan with code to run in the process is refused (-LUP_ENOTAPPLIC, reported): images
 * cannot run code. Adds plan's mappings to p->mm (their contents into ov), writes its bytes into ov,
 * removes its unmapped ranges from p->mm and p->pagemap (a VMA that straddles one:
 * -LUP_EBADIMG, reported).
 */
int lup_images_commit(struct lup_proc *p, struct lup_overlay *ov, const struct lup_plan *plan);

#endif
