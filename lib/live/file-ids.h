/* What the files a live process maps are (lib/live/file-ids.c). */
#ifndef LUP_FILE_IDS_H
#define LUP_FILE_IDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "live/proc.h"

/* The ELF files live processes map, open, by (device, inode): one per tree or per dump. */
struct lup_file_ids;
struct lup_elf;

int lup_file_ids_new(struct lup_file_ids **out);
void lup_file_ids_free(struct lup_file_ids *c);
/*
 * The build-id of the file m of process pid maps (probed on first sight): 0; -ENOENT
 * when it is no ELF file or has no build-id; -ENOMEM.
 */
int lup_file_ids_build_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
			  const uint8_t **id, size_t *len);
/*
 * The very file m of pid maps, opened on first sight and kept by c (never closed by the
 * caller). -LUP_EBADELF, reported, when it is no ELF file lup can read.
 */
int lup_file_ids_elf(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
		     struct lup_elf **out);
/* The file at path as seen from inside root (a process's /proc/PID/root), the same way. */
int lup_file_ids_elf_path(struct lup_file_ids *c, const char *root, const char *path,
			  struct lup_elf **out);

#endif
