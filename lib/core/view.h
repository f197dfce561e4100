/*
 * The process view: what the core knows of one process to patch, whatever it comes from.
 * A transport produces it (lib/images/: a checkpoint's images; lib/live/: a running
 * process) and the core reads only this: mappings, files, threads, memory.
 */
#ifndef LUP_CORE_VIEW_H
#define LUP_CORE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86/arch.h"

struct lup_elf;
struct lup_view;

/* One mapping, as /proc/PID/maps or mm-PID.img shows it. */
struct lup_view_map {
	uint64_t start, end;
	uint64_t pgoff;			/* offset in the file, in bytes */
	unsigned prot;			/* PROT_* */
	bool anon;			/* private anonymous memory: where records live */
	bool grows_down;		/* a stack: its guard gap must stay free */
	bool vdso;
	long file;			/* index in the view's files, or -1 */
};

/* A file the process maps. */
struct lup_view_file {
	char *path;			/* as the process names it */
};

/* A thread, as it is stopped (live) or was dumped (images). */
struct lup_view_thread {
	pid_t tid;
	uint64_t regs[LUP_NR_REGS];	/* by libunwind's numbers */
	uint64_t fs_base;		/* the thread pointer (TLS) */
};

/* What a producer does for the core. Each returns 0 or a negative errno, reported. */
struct lup_view_ops {
	/* len bytes at addr; -EFAULT when not mapped (not reported). */
	int (*read)(struct lup_view *v, uint64_t addr, void *buf, size_t len);
	/* The build-id of a file; -ENOENT (not reported) when it has none or is no ELF file. */
	int (*build_id)(struct lup_view *v, size_t file, const uint8_t **id, size_t *len);
	/*
	 * The very file the process maps, for reading its ELF contents. The ELF file stays
	 * the producer's (valid as long as the view): the core never closes it.
	 */
	int (*open_file)(struct lup_view *v, size_t file, struct lup_elf **out);
	/* A path as the process sees it (a library named by its link map), the same way. */
	int (*open_path)(struct lup_view *v, const char *path, struct lup_elf **out);
	void (*release)(struct lup_view *v);
};

struct lup_view {
	pid_t pid;
	char who[32];			/* "process 42", for messages */
	size_t nr_maps;
	struct lup_view_map *maps;	/* sorted by start, disjoint */
	size_t nr_files;
	struct lup_view_file *files;
	size_t nr_threads;
	struct lup_view_thread *threads;	/* none where the process is not stopped */
	long exe;			/* the executable's file index, or -1 */
	const struct lup_view_ops *ops;
	void *priv;			/* the producer's */
};

/* An empty view of pid with ops: the producer adds maps, files and threads. */
int lup_view_init(struct lup_view *v, pid_t pid, const struct lup_view_ops *ops, void *priv);
/* Appends a mapping (in address order: -LUP_EBADIMG, reported, otherwise). */
int lup_view_add_map(struct lup_view *v, const struct lup_view_map *m);
/* Appends a file; its index in *idx. */
int lup_view_add_file(struct lup_view *v, const char *path, size_t *idx);
int lup_view_add_thread(struct lup_view *v, const struct lup_view_thread *t);
/* The producer's release, then the view's own arrays. */
void lup_view_free(struct lup_view *v);

static inline int lup_view_read(struct lup_view *v, uint64_t addr, void *buf, size_t len)
{
	return v->ops->read(v, addr, buf, len);
}

/* The mapping holding addr, or NULL (binary search). */
const struct lup_view_map *lup_view_find(const struct lup_view *v, uint64_t addr);
/* The mapping of m's file at offset 0 (its ELF header), at or below m; NULL if none. */
const struct lup_view_map *lup_view_file_head(const struct lup_view *v, const struct lup_view_map *m);
/* The path of the file mapped at addr, or NULL. */
const char *lup_view_path_at(const struct lup_view *v, uint64_t addr);
/*
 * Whether file's build-id is id. CRIU keeps build-ids as 32-bit words: a build-id padded
 * with zeroes up to a multiple of four bytes matches too.
 */
bool lup_view_file_has_build_id(struct lup_view *v, size_t file, const uint8_t *id, size_t len);

#endif
