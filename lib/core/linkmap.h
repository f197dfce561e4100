/* The dynamic linker's list of loaded objects (r_debug, link_map) read from a process's memory. */
#ifndef LUP_LINKMAP_H
#define LUP_LINKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/remote-elf.h"

#define LUP_LINKMAP_MAX 4096	/* objects in the list at most (more: a cycle, refused) */

struct lup_module {
	uint64_t map;		/* the struct link_map, in the process */
	uint64_t addr;		/* l_addr: the load bias */
	char *name;		/* l_name ("" for the executable) */
};

struct lup_linkmap {
	size_t nr;
	struct lup_module *m;	/* in link-map order: LD_PRELOAD and link order as ld.so sees them */
};

/*
 * Follows DT_DEBUG of the executable mapped at exe_start to r_debug and its link_map
 * list. A static executable gives an empty list. who names the process in messages.
 */
int lup_linkmap_read(lup_read_fn rd, void *arg, uint64_t exe_start, const char *who,
		     struct lup_linkmap *out);
void lup_linkmap_free(struct lup_linkmap *lm);

#endif
