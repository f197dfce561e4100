/* Lookups in a dumped process's VMA list (sorted by start, checked by lup_dump_open). */
#ifndef LUP_VMA_H
#define LUP_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.pb-c.h"

#define LUP_VMA_FILE_SHARED (1u << 7)

/* The VMA holding addr, or NULL (binary search). */
const VmaEntry *lup_vma_find(const MmEntry *mm, uint64_t addr);
/* Whether the VMA maps a regular file (its shmid is then the files.img id). */
bool lup_vma_is_file(const VmaEntry *v);

#endif
