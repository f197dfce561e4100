/* A relocatable object (ET_REL) as lup-mkpatch --diff compares and rewrites it. */
#ifndef LUP_DIFF_OBJECT_H
#define LUP_DIFF_OBJECT_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>

struct lup_hashmap;

struct lup_obj_sec {
	const char *name;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *data;		/* contents; NULL for SHT_NOBITS */
	GElf_Rela *rela;	/* the relocations applying to it, by offset */
	size_t nr_rela;
	size_t rela_index;	/* its SHT_RELA section, 0: none */
	uint64_t *marks;	/* where something starts: symbols, places referred to */
	size_t nr_marks;
	bool marked;
};

struct lup_obj_sym {
	const char *name;	/* "" for section and unnamed symbols */
	GElf_Sym s;
};

struct lup_obj {
	char *path;
	int fd;
	Elf *elf;
	struct lup_obj_sec *secs;	/* by section index */
	size_t nr_secs;
	struct lup_obj_sym *syms;	/* by symbol index */
	size_t nr_syms;
	size_t symtab_index;
	const char *file;		/* the source's name (STT_FILE), "" without one */
	struct lup_hashmap *by_name;	/* defined named functions and objects */
};

/* Opens and indexes path (an x86-64 ET_REL); write: for lup_obj_rewrite. */
int lup_obj_open(const char *path, bool write, struct lup_obj **out);
void lup_obj_close(struct lup_obj *o);
/* The defined function or variable of that name, or NULL. */
const struct lup_obj_sym *lup_obj_find(const struct lup_obj *o, const char *name);
/* Its index in o->syms. */
size_t lup_obj_sym_index(const struct lup_obj *o, const struct lup_obj_sym *s);
/* The function or variable covering offset off of section sec (NULL: none). */
const struct lup_obj_sym *lup_obj_sym_at(const struct lup_obj *o, size_t sec, uint64_t off);
/*
 * The function or variable a reference to sec + off reaches. A %rip-relative one is
 * relative to the instruction's end, which an immediate after the field puts up to 4
 * bytes further than off (the field's addend + 4): those places are tried too.
 */
const struct lup_obj_sym *lup_obj_sym_near(const struct lup_obj *o, size_t sec, int64_t off);
/* Where in its section a relocation points (an instruction's %rip is 4 bytes on). */
int64_t lup_obj_target_offset(const GElf_Rela *r);
/*
 * The end of what starts at off in sec: the next place a symbol or a reference marks
 * there, or the section's end. For anonymous data (jump tables, tables of .rodata).
 */
uint64_t lup_obj_item_end(struct lup_obj *o, size_t sec, uint64_t off);
/* Whether the symbol is a definition of a function or a variable. */
bool lup_obj_is_def(const struct lup_obj_sym *s);
/* Bytes of sec at [off, off + len), NULL when outside (or NOBITS: zeros are not stored). */
const uint8_t *lup_obj_bytes(const struct lup_obj *o, size_t sec, uint64_t off, uint64_t len);

#endif
