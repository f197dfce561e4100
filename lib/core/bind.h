/* Binding a placed patch image: its relocations against the target, the libraries, itself. */
#ifndef LUP_BIND_H
#define LUP_BIND_H

#include <stdint.h>

#include "core/linkmap.h"
#include "core/patch.h"
#include "core/target.h"

struct lup_elf;
struct lup_view;

struct lup_bind {
	struct lup_view *v;		/* its files */
	lup_read_fn rd;			/* its memory */
	void *arg;
	bool exe_first;			/* module 0 is the executable */
	struct lup_linkmap lm;		/* a static executable: the executable alone */
	const char *exe_name;		/* the view's name of the executable */
	struct lup_elf **elfs;		/* per module, opened on first use (the view's) */
};

/*
 * Reads the list of loaded objects of v's process through rd (its memory, as the plan
 * so far leaves it). Errors name the process.
 */
int lup_bind_open(struct lup_view *v, lup_read_fn rd, void *arg, struct lup_bind *b);
void lup_bind_close(struct lup_bind *b);
/*
 * Fills every relocation slot of image (the patch's image_size bytes, to be mapped at
 * base) for target t. An unresolved symbol: -LUP_ENOTAPPLIC naming it.
 */
int lup_bind_patch(struct lup_bind *b, const LupPatch *p, const struct lup_target *t,
		   uint64_t base, uint8_t *image);
/* The ELF file of module i (opened as the process sees it, on first use). */
int lup_bind_module_elf(struct lup_bind *b, size_t i, struct lup_elf **out);

#endif
