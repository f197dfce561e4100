/* State shared by the steps of lup_mkpatch (build, segments, definitions, relocs, binding). */
#ifndef LUP_MKPATCH_PRIV_H
#define LUP_MKPATCH_PRIV_H

#include <gelf.h>
#include <stdbool.h>

#include "core/elf-file.h"
#include "util/hashmap.h"
#include "mkpatch/mkpatch.h"

struct lup_mkpatch_clones;
struct lup_mkpatch_libs;
struct lup_diff;

struct lup_mkpatch {
	const struct lup_mkpatch_opts *o;
	struct lup_elf *target;
	struct lup_elf *so;		/* the patch, linked as a shared object */
	bool target_static;		/* no libraries to bind to */
	LupPatch *p;
	struct lup_hashmap *sym_index;	/* lup_symbol name -> index + 1 */
	struct lup_mkpatch_clones *clones;	/* the target's function clones, read when needed */
	struct lup_mkpatch_libs *libs;		/* the target's libraries, opened when needed */
	struct lup_diff *diff;			/* --diff: its comparison decides the clones */
};

/* A growing array of strings, NULL terminated. */
struct lup_mkpatch_strv {
	char **v;
	size_t nr;
};

/*
 * mkpatch-build.c: compiles and links into *so_path inside a new temporary *dir;
 * thread-locals of a static target by initial-exec, else global-dynamic.
 */
int lup_mkpatch_build_so(const struct lup_mkpatch_opts *o, bool static_target, char **dir,
			 char **so_path);
/* Removes the temporary directory and everything in it; frees dir. */
void lup_mkpatch_remove_dir(char *dir);

/* mkpatch-seg.c: the shared object's PT_LOADs as patch segments, and image_size. */
int lup_mkpatch_segments(struct lup_mkpatch *m);
/* mkpatch-defs.c: what the sources define: replaced functions, refused variables and TLS. */
int lup_mkpatch_defs(struct lup_mkpatch *m);
/* mkpatch-reloc.c: the dynamic relocations, their symbols bound through lup_mkpatch_bind. */
int lup_mkpatch_relocs(struct lup_mkpatch *m);
/* mkpatch-unwind.c: the runtime's registration data, lup_patch.unwind and its addresses. */
int lup_mkpatch_unwind(struct lup_mkpatch *m);

/* mkpatch-clones.c: -LUP_EBADPATCH (reported) when clones of the function would bypass it. */
int lup_mkpatch_check_clones(struct lup_mkpatch *m, const char *asm_name);
/* Length of f in "f.word..." when word is a clone word (cold: f.cold), else 0. */
size_t lup_mkpatch_clone_base_len(const char *name, bool *cold);
void lup_mkpatch_clones_free(struct lup_mkpatch_clones *cl);

/*
 * mkpatch-libs.c: whether a library the target needs (DT_NEEDED, recursively, found as
 * this machine's loader would) defines name; -LUP_EBADPATCH (reported) when none does.
 */
int lup_mkpatch_check_library(struct lup_mkpatch *m, const char *name);
void lup_mkpatch_libs_free(struct lup_mkpatch_libs *l);

/* mkpatch-ldconf.c: the loader's default directories: /etc/ld.so.conf's, then the built-in ones. */
int lup_mkpatch_system_dirs(struct lup_mkpatch_strv *dirs);
/* Appends a copy of s (of len bytes) to sv. */
int lup_mkpatch_strv_add(struct lup_mkpatch_strv *sv, const char *s, size_t len);
void lup_mkpatch_strv_free(struct lup_mkpatch_strv *sv);

/* mkpatch-bind.c */
/* Splits "name" LUP_FILE_SEP "file" (LUP_STATIC's assembler name); *name is allocated. */
int lup_mkpatch_split_name(const char *asm_name, char **name, const char **file);
/* Target symbol by assembler name ("name" or "name" LUP_FILE_SEP "file"); -ENOENT unreported. */
int lup_mkpatch_find_target(struct lup_mkpatch *m, const char *asm_name, const struct lup_sym **out);
/* Index in m->p->symbols of the symbol a relocation of the shared object refers to. */
/* version: what the linked patch needs of a library's name (GLIBC_2.3), or NULL. */
/*
 * A definition of which the program has one copy whatever defines it: weak (COMDAT:
 * template instantiations, inline functions) or unique (their static variables).
 */
bool lup_mkpatch_is_comdat(const GElf_Sym *s);
int lup_mkpatch_bind(struct lup_mkpatch *m, const char *name, const GElf_Sym *s,
		     const char *version, uint32_t *index);

/* Appends item to a protobuf-c repeated field (array of pointers and its count). */
int lup_mkpatch_push(void *array, size_t *n, void *item);

#endif
