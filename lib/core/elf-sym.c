/* Symbol tables of an ELF file, indexed by name in hash maps; locals keep their STT_FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf-priv.h"
#include "util/err.h"
#include "util/hashmap.h"
#include "util/log.h"

static Elf_Scn *find_section(Elf *elf, uint32_t type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	return NULL;
}

static bool keep_sym(const GElf_Sym *s, bool exported_only)
{
	unsigned char type = GELF_ST_TYPE(s->st_info), bind = GELF_ST_BIND(s->st_info);

	if (s->st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE)
		return false;
	return !exported_only || bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
}

/* The .gnu.version entries of symbol section scn, or NULL. */
static Elf_Data *versions_of(Elf *elf, Elf_Scn *scn)
{
	Elf_Scn *v = NULL;
	GElf_Shdr sh;

	while ((v = elf_nextscn(elf, v)))
		if (gelf_getshdr(v, &sh) && sh.sh_type == SHT_GNU_versym &&
		    sh.sh_link == elf_ndxscn(scn))
			return elf_getdata(v, NULL);
	return NULL;
}

/* A hidden version: name@VERSION, kept for old binaries, never the default. */
static bool is_hidden(Elf_Data *versions, size_t i)
{
	GElf_Versym v;

	return versions && gelf_getversym(versions, (int)i, &v) && (v & 0x8000);
}

static Elf_Scn *section_of_type(Elf *elf, uint32_t type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

/*
 * The name of version index ndx in the SHT_GNU_verdef (defined) or SHT_GNU_verneed
 * (needed) section, or NULL. Entries are walked by their own offsets, each checked
 * against the section's size.
 */
static const char *version_name(Elf *elf, uint32_t type, unsigned ndx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_of_type(elf, type, &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	size_t off = 0;

	for (size_t n = 0; d && n < sh.sh_info && off < d->d_size; n++) {
		GElf_Verdef vd;
		GElf_Verdaux va;
		GElf_Verneed vn;
		GElf_Vernaux vx;

		if (type == SHT_GNU_verdef) {
			if (!gelf_getverdef(d, (int)off, &vd))
				return NULL;
			if (vd.vd_ndx == ndx && gelf_getverdaux(d, (int)(off + vd.vd_aux), &va))
				return elf_strptr(elf, sh.sh_link, va.vda_name);
			off = vd.vd_next ? off + vd.vd_next : d->d_size;
			continue;
		}
		if (!gelf_getverneed(d, (int)off, &vn))
			return NULL;
		for (size_t a = off + vn.vn_aux, k = 0; k < vn.vn_cnt && a < d->d_size; k++) {
			if (!gelf_getvernaux(d, (int)a, &vx))
				break;
			if (vx.vna_other == ndx)
				return elf_strptr(elf, sh.sh_link, vx.vna_name);
			if (!vx.vna_next)
				break;
			a += vx.vna_next;
		}
		off = vn.vn_next ? off + vn.vn_next : d->d_size;
	}
	return NULL;
}

/* The version of dynsym entry i: defined (verdef) or needed (verneed); NULL for none. */
static const char *version_of(Elf *elf, Elf_Data *versions, size_t i, bool defined)
{
	GElf_Versym v;

	if (!versions || !gelf_getversym(versions, (int)i, &v) || (v & 0x7fff) < 2)
		return NULL;
	return version_name(elf, defined ? SHT_GNU_verdef : SHT_GNU_verneed, v & 0x7fff);
}

/* Fills t->syms from one symbol section; names point into libelf's string data. */
static int read_table(struct lup_elf *e, Elf_Scn *scn, bool exported_only, struct lup_symtab *t)
{
	Elf_Data *d = elf_getdata(scn, NULL), *versions = versions_of(e->elf, scn);
	size_t n = d ? d->d_size / gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT) : 0;
	const char *file = NULL;
	GElf_Shdr sh;
	GElf_Sym s;

	if (!gelf_getshdr(scn, &sh) || !(t->syms = calloc(n + 1, sizeof(*t->syms))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name;
		struct lup_sym *ls;

		if (!gelf_getsym(d, i, &s) || !(name = elf_strptr(e->elf, sh.sh_link, s.st_name)))
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_FILE)
			file = *name ? name : NULL;
		if (!*name || !keep_sym(&s, exported_only))
			continue;
		ls = &t->syms[t->nr++];
		ls->name = name;
		ls->bind = GELF_ST_BIND(s.st_info);
		ls->file = ls->bind == STB_LOCAL ? file : NULL;
		ls->value = s.st_value;
		ls->size = s.st_size;
		ls->type = GELF_ST_TYPE(s.st_info);
		ls->hidden = is_hidden(versions, i);
		ls->version = sh.sh_type == SHT_DYNSYM ? version_of(e->elf, versions, i, true) : NULL;
	}
	return 0;
}

static int index_table(struct lup_symtab *t)
{
	int ret = lup_hashmap_new(t->nr, &t->by_name);

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = lup_hashmap_add(t->by_name, t->syms[i].name, &t->syms[i]);
	return ret;
}

static int load_table(struct lup_elf *e, Elf_Scn *scn, bool exported_only, struct lup_symtab *t)
{
	int ret = scn ? read_table(e, scn, exported_only, t) : 0;

	return ret ? ret : index_table(t);
}

int lup_elf_load_syms(struct lup_elf *e)
{
	Elf_Scn *symtab = find_section(e->elf, SHT_SYMTAB);
	Elf_Scn *dynsym = find_section(e->elf, SHT_DYNSYM);
	int ret;

	ret = load_table(e, symtab ? symtab : dynsym, false, &e->symtab);
	if (!ret)
		ret = load_table(e, dynsym, true, &e->dynsym);
	if (ret)
		pr_err("%s: cannot index symbols: %s", e->path, lup_strerror(ret));
	return ret;
}

static void free_table(struct lup_symtab *t)
{
	lup_hashmap_free(t->by_name);
	free(t->syms);
}

void lup_elf_free_syms(struct lup_elf *e)
{
	free_table(&e->symtab);
	free_table(&e->dynsym);
}

/* file names a local's STT_FILE in full or by its last path component. */
static bool file_matches(const char *sym_file, const char *file)
{
	const char *base;

	if (!sym_file)
		return false;
	base = strrchr(sym_file, '/');
	return strcmp(sym_file, file) == 0 || (base && strcmp(base + 1, file) == 0);
}

int lup_elf_find_sym(const struct lup_elf *e, const char *name, const char *file,
		     const struct lup_sym **out)
{
	const struct lup_sym *s, *local = NULL;
	size_t nr_local = 0;
	void *it = NULL;

	if (!e->symtab.nr)
		return -LUP_EBADELF;
	while ((s = lup_hashmap_next(e->symtab.by_name, name, &it))) {
		if (s->bind != STB_LOCAL && !file) {
			*out = s;
			return 0;
		}
		if (s->bind == STB_LOCAL && (!file || file_matches(s->file, file))) {
			local = s;
			nr_local++;
		}
	}
	if (nr_local > 1)
		return -ENOTUNIQ;
	if (!local)
		return -ENOENT;
	*out = local;
	return 0;
}

int lup_elf_find_dynsym(const struct lup_elf *e, const char *name, const struct lup_sym **out)
{
	return lup_elf_find_dynsym_version(e, name, NULL, out);
}

int lup_elf_find_dynsym_version(const struct lup_elf *e, const char *name, const char *version,
				const struct lup_sym **out)
{
	const struct lup_sym *s, *found = NULL;
	void *it = NULL;

	while (e->dynsym.nr && (s = lup_hashmap_next(e->dynsym.by_name, name, &it))) {
		if (version && s->version && !strcmp(s->version, version)) {
			*out = s;
			return 0;
		}
		if (!found || (found->hidden && !s->hidden))
			found = s;
	}
	/* an object without that version: an unversioned one binds as it is */
	if (!found || (version && found->version))
		return -ENOENT;
	*out = found;
	return 0;
}

const char *lup_elf_needed_version(const struct lup_elf *e, size_t i)
{
	GElf_Shdr sh;
	Elf_Scn *dynsym = section_of_type(e->elf, SHT_DYNSYM, &sh);

	return dynsym ? version_of(e->elf, versions_of(e->elf, dynsym), i, false) : NULL;
}

size_t lup_elf_sym_all(const struct lup_elf *e, const char *name, const struct lup_sym **out,
		       size_t max)
{
	const struct lup_sym *s;
	void *it = NULL;
	size_t n = 0;

	while (e->symtab.nr && (s = lup_hashmap_next(e->symtab.by_name, name, &it))) {
		if (n < max)
			out[n] = s;
		n++;
	}
	return n;
}

int lup_elf_use_debug_file(struct lup_elf *e, struct lup_elf *debug)
{
	const uint8_t *id, *did;
	size_t len, dlen;

	if (lup_elf_build_id(e, &id, &len) || lup_elf_build_id(debug, &did, &dlen) || len != dlen ||
	    memcmp(id, did, len)) {
		pr_err("%s: not the debug file of %s (another build-id)", debug->path, e->path);
		lup_elf_close(debug);
		return -LUP_EBADELF;
	}
	if (!find_section(debug->elf, SHT_SYMTAB)) {
		pr_err("%s: no symbol table (.symtab)", debug->path);
		lup_elf_close(debug);
		return -LUP_EBADELF;
	}
	free_table(&e->symtab);
	e->symtab = debug->symtab;
	debug->symtab = (struct lup_symtab){ 0 };
	e->debug = debug;
	return 0;
}

struct Elf *lup_elf_symtab_libelf(const struct lup_elf *e)
{
	return e->debug ? e->debug->elf : e->elf;
}

bool lup_elf_has_symtab(const struct lup_elf *e)
{
	return e->debug || find_section(e->elf, SHT_SYMTAB);
}
