/* ELF files through libelf: type, build-id, PT_TLS, and symbol lookup by hash map. */
#ifndef LUP_ELF_FILE_H
#define LUP_ELF_FILE_H

#include <elf.h>	/* STT_* and STB_* of struct lup_sym */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lup_elf;

struct lup_sym {
	const char *name;
	const char *file;	/* STT_FILE name before a local symbol, NULL for globals */
	uint64_t value;		/* st_value: link-time address (offset in PT_TLS for STT_TLS) */
	uint64_t size;
	unsigned char type;	/* STT_FUNC, STT_OBJECT, STT_TLS, ... */
	unsigned char bind;	/* STB_GLOBAL, STB_LOCAL, STB_WEAK */
	bool hidden;		/* .dynsym: a non-default version (name@VERSION, not @@) */
	const char *version;	/* .dynsym: the version it defines (GLIBC_2.3), or NULL */
};

/* -LUP_EBADELF (reported, naming the file) for what libelf cannot read. */
int lup_elf_open(const char *path, struct lup_elf **out);
/* The same for an open fd, which it owns from then on (closed on failure); path names it. */
int lup_elf_open_fd(int fd, const char *path, struct lup_elf **out);
/* lup_root_open (lib/util/root-path.h), then lup_elf_open_fd naming the file root + path. */
int lup_root_elf_open(const char *root, const char *path, struct lup_elf **out);
void lup_elf_close(struct lup_elf *e);
const char *lup_elf_path(const struct lup_elf *e);

/* ET_DYN (PIE or shared object): addresses are offsets from the load bias. */
bool lup_elf_is_dyn(const struct lup_elf *e);
/* -ENOENT when there is no NT_GNU_BUILD_ID note. */
int lup_elf_build_id(const struct lup_elf *e, const uint8_t **id, size_t *len);
/* Lowest PT_LOAD p_vaddr rounded down to its p_align (the bias is mapping start minus this). */
uint64_t lup_elf_load_base(const struct lup_elf *e);
/* [lo, hi): link-time addresses of the PT_LOADs, lo rounded down as lup_elf_load_base. */
void lup_elf_load_span(const struct lup_elf *e, uint64_t *lo, uint64_t *hi);
/*
 * Where a process keeps what an IFUNC resolved to (link-time offsets, to add the load
 * bias to): the slot of the R_X86_64_IRELATIVE whose addend is the resolver's value;
 * the GOT slot (JUMP_SLOT or GLOB_DAT) of the symbol name. -ENOENT when there is none.
 */
int lup_elf_irelative_slot(const struct lup_elf *e, uint64_t resolver, uint64_t *offset);
int lup_elf_got_slot(const struct lup_elf *e, const char *name, uint64_t *offset);
/* PT_TLS p_memsz and p_align; -ENOENT without PT_TLS. */
int lup_elf_tls(const struct lup_elf *e, uint64_t *memsz, uint64_t *align);

/*
 * Defined symbol of .symtab (falling back to .dynsym when stripped) by name. file, when
 * not NULL, selects a local symbol by its STT_FILE name (full or basename). Globals win
 * over locals; several locals of that name and no file: -ENOTUNIQ; none: -ENOENT;
 * no symbol table at all: -LUP_EBADELF.
 */
int lup_elf_find_sym(const struct lup_elf *e, const char *name, const char *file,
		     const struct lup_sym **out);
/*
 * Defined, exported symbol of .dynsym (for binding against libraries): of several
 * versions, the default one (name@@VERSION), which a program linked now gets.
 */
int lup_elf_find_dynsym(const struct lup_elf *e, const char *name, const struct lup_sym **out);
/*
 * The same for a reference that needs version (NULL: none): the definition of that
 * version, hidden or not; in an object without versions, its one definition. -ENOENT
 * when e defines name in other versions only.
 */
int lup_elf_find_dynsym_version(const struct lup_elf *e, const char *name, const char *version,
				const struct lup_sym **out);
/* The version dynsym entry i of e needs from a library (GLIBC_2.3), or NULL. */
const char *lup_elf_needed_version(const struct lup_elf *e, size_t i);
/*
 * Every defined symbol of that name in the table lup_elf_find_sym uses, to list the
 * candidates of an ambiguous name: stores up to max of them, returns how many exist.
 */
size_t lup_elf_sym_all(const struct lup_elf *e, const char *name, const struct lup_sym **out,
		       size_t max);
/* Whether e has a .symtab (of its own or from a separate debug file). */
bool lup_elf_has_symtab(const struct lup_elf *e);
/*
 * The symbols of a stripped e come from debug, its separate debug file (same build-id;
 * the -dbgsym packages' /usr/lib/debug/.build-id/xx/yyyy.debug), which e keeps (closed
 * with it, or at once on error). -LUP_EBADELF, reported, for another build or no .symtab.
 */
int lup_elf_use_debug_file(struct lup_elf *e, struct lup_elf *debug);
/* File bytes at a link-time address; -ERANGE (reported) unless inside a PT_LOAD's file data. */
int lup_elf_read(const struct lup_elf *e, uint64_t addr, void *buf, size_t len);
/* The libelf handle, for reading what this interface does not cover (program headers, relocs). */
struct Elf *lup_elf_libelf(const struct lup_elf *e);
/* The libelf handle of the file the .symtab comes from (its debug file when attached). */
struct Elf *lup_elf_symtab_libelf(const struct lup_elf *e);

#endif
