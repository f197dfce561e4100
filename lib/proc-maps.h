/*
 * A live process's mappings from /proc/PID/maps, and the ELF files they map: build-id,
 * type and load base read once per (device, inode) through /proc/PID/map_files, which
 * opens the very file mapped (also inside a container, or when replaced on disk).
 */
#ifndef LUP_PROC_MAPS_H
#define LUP_PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lup_proc_map {
	uint64_t start, end, off;
	unsigned long dev, ino;		/* ino 0: not a file */
	char perms[5];			/* as in maps: "r-xp" */
	char *name;			/* what follows the inode (a path, "[vdso]"), or NULL */
};

struct lup_proc_maps {
	pid_t pid;
	size_t nr;
	struct lup_proc_map *m;		/* sorted by start, as the kernel lists them */
};

/* -ENOENT, not reported, when the process is gone; other errors reported. */
int lup_proc_maps_read(pid_t pid, struct lup_proc_maps *out);
void lup_proc_maps_free(struct lup_proc_maps *m);
/* The mapping holding addr, or NULL. */
const struct lup_proc_map *lup_proc_maps_find(const struct lup_proc_maps *m, uint64_t addr);

/* What mapped files are, cached across processes (one cache per tree or per dump). */
struct lup_file_ids;
int lup_file_ids_new(struct lup_file_ids **out);
void lup_file_ids_free(struct lup_file_ids *c);

/*
 * Where m maps the ELF file whose build-id is id (matched at its mapping of file offset
 * 0): 0 and its load bias (0 for a fixed-address executable); -ENOENT when it maps no
 * such file; -ENOMEM.
 */
int lup_proc_maps_bias(const struct lup_proc_maps *m, struct lup_file_ids *c, const uint8_t *id,
		       size_t len, uint64_t *bias);

#endif
