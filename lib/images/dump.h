/* A checkpoint directory loaded as lup needs it: processes, threads, VMAs, files. */
#ifndef LUP_DUMP_H
#define LUP_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "images/img.h"
#include "images/pagemap.h"
#include "inventory.pb-c.h"
#include "core.pb-c.h"
#include "mm.pb-c.h"
#include "files.pb-c.h"
#include "pstree.pb-c.h"

/* VmaEntry.status bits used by lup (never write CRIU's restore-time bits 28..30). */
#define LUP_VMA_AREA_REGULAR (1u << 0)
#define LUP_VMA_AREA_VDSO (1u << 3)
#define LUP_VMA_AREA_HEAP (1u << 5)
#define LUP_VMA_FILE_PRIVATE (1u << 6)
#define LUP_VMA_ANON_PRIVATE (1u << 9)
#define LUP_VMA_AREA_VVAR (1u << 12)

struct lup_thread {
	pid_t tid;
	CoreEntry *core;		/* thread_info->gpregs: ip, sp, bp, fs_base, ... */
	struct lup_img *img;		/* core-TID.img */
};

struct lup_proc {
	pid_t pid, ppid;
	size_t nr_threads;
	struct lup_thread *threads;
	MmEntry *mm;			/* vmas sorted by start (checked) */
	struct lup_img *mm_img;		/* mm-PID.img */
	struct lup_pagemap *pagemap;
};

struct lup_dump {
	char *dir;
	int dirfd;
	struct lup_img *inventory, *pstree, *files;
	size_t nr_reg_files;
	const RegFileEntry **reg_files;	/* the regular files of files.img, sorted by id */
	size_t nr_procs;
	struct lup_proc *procs;
};

/* Loads and checks pstree, core, mm, pagemap, files. Errors name the image. */
int lup_dump_open(const char *dir, struct lup_dump **out);
void lup_dump_close(struct lup_dump *d);
/* files.img: the regular-file entry with that id, or NULL. */
const RegFileEntry *lup_dump_reg_file(const struct lup_dump *d, uint32_t id);

#endif
