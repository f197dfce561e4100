/* Reader of a dumped process's memory: present pages, and pages behind `parent` links. */
#ifndef LUP_PAGES_H
#define LUP_PAGES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lup_pages;

/*
 * Opens the pagemap of pid in dir and, lazily, those of its parent chain. A parent
 * link that is missing or broken gives -LUP_EBADPARENT when a PE_PARENT page is read
 * (and at open when the first pagemap has PE_PARENT entries).
 */
int lup_pages_open(const char *dir, pid_t pid, struct lup_pages **out);
/* Copies len bytes at addr. -ENOENT when some byte is not in the dump at all. */
int lup_pages_read(struct lup_pages *p, uint64_t addr, void *buf, size_t len);
void lup_pages_close(struct lup_pages *p);

struct lup_pagemap;
/*
 * 0 when pm (pid's pagemap in dir) has no PE_PARENT range or dir's `parent` link
 * leads to a directory; else -LUP_EBADPARENT, reported.
 */
int lup_pages_check_parent(int dirfd, const char *dir, pid_t pid, const struct lup_pagemap *pm);

#endif
