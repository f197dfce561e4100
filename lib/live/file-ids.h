/* What the files a live process maps are (lib/live/file-ids.c). */
#ifndef LUP_FILE_IDS_H
#define LUP_FILE_IDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "live/proc-maps.h"

/* A cache of build-ids by (device, inode): one per tree or per dump. */
struct lup_file_ids;

int lup_file_ids_new(struct lup_file_ids **out);
void lup_file_ids_free(struct lup_file_ids *c);
/*
 * The build-id of the file m of process pid maps (probed on first sight): 0; -ENOENT
 * when it is no ELF file or has no build-id; -ENOMEM.
 */
int lup_file_ids_build_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
			  const uint8_t **id, size_t *len);
/* Where to open the very file m maps: /proc/PID/map_files/START-END, else its path. */
void lup_map_file_path(pid_t pid, const struct lup_proc_map *m, char *buf, size_t size);

#endif
