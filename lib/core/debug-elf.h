/* Patches as a debugger sees shared libraries: ELF files made from a process's memory. */
#ifndef LUP_CORE_DEBUG_ELF_H
#define LUP_CORE_DEBUG_ELF_H

#include <stdio.h>

#include "core/record.h"

struct lup_view;

/*
 * Writes to path an ELF file with the code, .eh_frame_hdr and .eh_frame of the patch of
 * record r, at their addresses in v's process, and a symbol per replaced function.
 * -ENOENT (warned) for a patch without unwind data; other errors reported.
 */
int lup_debug_elf_write(struct lup_view *v, const LupRecord *r, const char *path);

/*
 * For each patch applied to v's process: its ELF file in dir (DIR/PID-ID.debug) and the
 * gdb command that loads it, on out.
 */
int lup_debug_gdb_script(FILE *out, const char *dir, struct lup_view *v);

#endif
