/* Binding a placed patch image: its relocations against the target, the libraries, itself. */
#ifndef LUP_BIND_H
#define LUP_BIND_H

#include <stdint.h>

#include "dump.h"
#include "linkmap.h"
#include "patch.h"
#include "target.h"

struct lup_elf;

struct lup_bind {
	const char *who;		/* "process 42", for messages */
	const char *root;
	lup_read_fn rd;			/* the process's memory */
	void *arg;
	uint64_t fs_base;		/* a thread's thread pointer (TLS) */
	bool exe_first;			/* module 0 is the executable */
	struct lup_linkmap lm;		/* a static executable: the executable alone */
	const char *exe_name;		/* files.img's name of the executable (in the dump) */
	struct lup_elf **elfs;		/* per module, opened on first use */
};

/* Reads the process's list of loaded objects. Errors name the process. */
int lup_bind_open(const struct lup_dump *d, const struct lup_proc *p, const char *who,
		  const char *root, lup_read_fn rd, void *arg, struct lup_bind *b);
void lup_bind_close(struct lup_bind *b);
/*
 * Fills every relocation slot of image (the patch's image_size bytes, to be mapped at
 * base) for target t. An unresolved symbol: -LUP_ENOTAPPLIC naming it.
 */
int lup_bind_patch(struct lup_bind *b, const LupPatch *p, const struct lup_target *t,
		   uint64_t base, uint8_t *image);
/* The module of the list whose load bias is bias, or -1. */
long lup_bind_module_at(const struct lup_bind *b, uint64_t bias, bool exe);
/* The ELF file of module i (opened under the root on first use). */
int lup_bind_module_elf(struct lup_bind *b, size_t i, struct lup_elf **out);

#endif
