/*
 * The memory of a dumped process as the process sees it: dumped pages (through parent
 * links) first, then the content of the mapped file for file-backed VMAs (read under
 * a root directory), then zeroes for anonymous memory that was never touched.
 */
#ifndef LUP_MEM_H
#define LUP_MEM_H

#include <stddef.h>
#include <stdint.h>

struct lup_dump;
struct lup_proc;
struct lup_mem;

/* root: where the paths of files.img resolve ("/" or NULL for the host). */
int lup_mem_open(const struct lup_dump *d, const struct lup_proc *p, const char *root,
		 struct lup_mem **out);
/* -EFAULT when addr..addr+len is not inside VMAs of the process. */
int lup_mem_read(struct lup_mem *m, uint64_t addr, void *buf, size_t len);
void lup_mem_close(struct lup_mem *m);

#endif
