/* Reading a relocatable object: sections with their relocations, symbols, the source name. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/hashmap.h"
#include "util/log.h"
#include "mkpatch/diff/object.h"

static int bad(const struct lup_obj *o, const char *what)
{
	pr_err("%s: %s", o->path, what);
	return -LUP_EBADELF;
}

static int by_offset(const void *a, const void *b)
{
	const GElf_Rela *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

static int read_relas(struct lup_obj *o, size_t index, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(o->secs[index].scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	struct lup_obj_sec *to;

	if (sh->sh_info >= o->nr_secs || sh->sh_link != o->symtab_index || !d)
		return bad(o, "a relocation section that applies to no section");
	to = &o->secs[sh->sh_info];
	if (to->rela)
		return bad(o, "two relocation sections for one section");
	to->rela = calloc(n + 1, sizeof(*to->rela));
	if (!to->rela)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getrela(d, (int)i, &to->rela[i]) ||
		    GELF_R_SYM(to->rela[i].r_info) >= o->nr_syms)
			return bad(o, "a relocation with a bad symbol");
	}
	to->nr_rela = n;
	to->rela_index = index;
	qsort(to->rela, n, sizeof(*to->rela), by_offset);
	return 0;
}

static int read_syms(struct lup_obj *o, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(o->secs[o->symtab_index].scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	int ret = lup_hashmap_new(n + 1, &o->by_name);

	if (ret)
		return ret;
	o->syms = calloc(n + 1, sizeof(*o->syms));
	if (!o->syms || !d)
		return o->syms ? bad(o, "unreadable symbol table") : -ENOMEM;
	o->nr_syms = n;
	o->file = "";
	for (size_t i = 0; !ret && i < n; i++) {
		struct lup_obj_sym *s = &o->syms[i];

		if (!gelf_getsym(d, (int)i, &s->s) ||
		    !(s->name = elf_strptr(o->elf, sh->sh_link, s->s.st_name)))
			return bad(o, "unreadable symbol");
		if (s->s.st_shndx >= o->nr_secs && s->s.st_shndx < SHN_LORESERVE)
			return bad(o, "a symbol in no section");
		if (GELF_ST_TYPE(s->s.st_info) == STT_FILE && !*o->file)
			o->file = s->name;
		if (lup_obj_is_def(s) && *s->name)
			ret = lup_hashmap_add(o->by_name, s->name, s);
	}
	return ret;
}

static int read_sections(struct lup_obj *o)
{
	size_t shstrndx, n;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret = 0;

	if (elf_getshdrnum(o->elf, &n) || elf_getshdrstrndx(o->elf, &shstrndx))
		return bad(o, "unreadable section headers");
	o->secs = calloc(n + 1, sizeof(*o->secs));
	if (!o->secs)
		return -ENOMEM;
	o->nr_secs = n;
	while ((scn = elf_nextscn(o->elf, scn))) {
		struct lup_obj_sec *s = &o->secs[elf_ndxscn(scn)];

		if (!gelf_getshdr(scn, &s->sh) ||
		    !(s->name = elf_strptr(o->elf, shstrndx, s->sh.sh_name)))
			return bad(o, "unreadable section header");
		s->scn = scn;
		if (s->sh.sh_type != SHT_NOBITS)
			s->data = elf_getdata(scn, NULL);
		if (s->sh.sh_type == SHT_SYMTAB)
			o->symtab_index = elf_ndxscn(scn);
	}
	if (!o->symtab_index)
		return bad(o, "no symbol table");
	ret = read_syms(o, &o->secs[o->symtab_index].sh);
	for (size_t i = 1; !ret && i < n; i++) {
		sh = o->secs[i].sh;
		if (sh.sh_type == SHT_REL)
			return bad(o, "REL relocations (x86-64 objects use RELA)");
		if (sh.sh_type == SHT_RELA)
			ret = read_relas(o, i, &sh);
	}
	return ret;
}

static int check_header(struct lup_obj *o)
{
	GElf_Ehdr eh;

	if (elf_kind(o->elf) != ELF_K_ELF || !gelf_getehdr(o->elf, &eh))
		return bad(o, "not an ELF file");
	if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return bad(o, "not an x86-64 relocatable object");
	return 0;
}

int lup_obj_open(const char *path, bool write, struct lup_obj **out)
{
	struct lup_obj *o = calloc(1, sizeof(*o));
	int ret;

	*out = o;
	if (!o || !(o->path = strdup(path)))
		return -ENOMEM;
	elf_version(EV_CURRENT);
	o->fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (o->fd < 0) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	o->elf = elf_begin(o->fd, write ? ELF_C_RDWR : ELF_C_READ_MMAP, NULL);
	if (!o->elf)
		return bad(o, elf_errmsg(-1));
	ret = check_header(o);
	return ret ? ret : read_sections(o);
}

void lup_obj_close(struct lup_obj *o)
{
	if (!o)
		return;
	for (size_t i = 0; o->secs && i < o->nr_secs; i++) {
		free(o->secs[i].rela);
		free(o->secs[i].marks);
	}
	free(o->secs);
	free(o->syms);
	lup_hashmap_free(o->by_name);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd > 0)
		close(o->fd);
	free(o->path);
	free(o);
}

bool lup_obj_is_def(const struct lup_obj_sym *s)
{
	unsigned char type = GELF_ST_TYPE(s->s.st_info);

	return (type == STT_FUNC || type == STT_OBJECT || type == STT_TLS) &&
	       s->s.st_shndx != SHN_UNDEF && s->s.st_shndx < SHN_LORESERVE;
}

const struct lup_obj_sym *lup_obj_find(const struct lup_obj *o, const char *name)
{
	void *it = NULL;

	return lup_hashmap_next(o->by_name, name, &it);
}

size_t lup_obj_sym_index(const struct lup_obj *o, const struct lup_obj_sym *s)
{
	return (size_t)(s - o->syms);
}

const struct lup_obj_sym *lup_obj_sym_at(const struct lup_obj *o, size_t sec, uint64_t off)
{
	const struct lup_obj_sym *best = NULL;

	for (size_t i = 1; i < o->nr_syms; i++) {
		const struct lup_obj_sym *s = &o->syms[i];

		if (!lup_obj_is_def(s) || s->s.st_shndx != sec || off < s->s.st_value ||
		    off - s->s.st_value >= (s->s.st_size ? s->s.st_size : 1))
			continue;
		/* the global of an alias pair (f and its local f.localalias) names it */
		if (!best || (GELF_ST_BIND(best->s.st_info) == STB_LOCAL &&
			      GELF_ST_BIND(s->s.st_info) != STB_LOCAL))
			best = s;
	}
	return best;
}

const struct lup_obj_sym *lup_obj_sym_near(const struct lup_obj *o, size_t sec, int64_t off)
{
	static const int64_t imm[] = { 0, 1, 2, 4 };
	const struct lup_obj_sym *s = NULL;

	for (size_t i = 0; !s && i < sizeof(imm) / sizeof(imm[0]); i++)
		if (off + imm[i] >= 0)
			s = lup_obj_sym_at(o, sec, (uint64_t)(off + imm[i]));
	return s;
}

const uint8_t *lup_obj_bytes(const struct lup_obj *o, size_t sec, uint64_t off, uint64_t len)
{
	const struct lup_obj_sec *s = sec < o->nr_secs ? &o->secs[sec] : NULL;

	if (!s || !s->data || !s->data->d_buf || off > s->data->d_size ||
	    len > s->data->d_size - off)
		return NULL;
	return (const uint8_t *)s->data->d_buf + off;
}

static bool pc_relative(uint32_t type)
{
	switch (type) {
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX: case R_X86_64_PC64:
	case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_GOTTPOFF:
		return true;
	default:
		return false;
	}
}

int64_t lup_obj_target_offset(const GElf_Rela *r)
{
	return r->r_addend + (pc_relative((uint32_t)GELF_R_TYPE(r->r_info)) ? 4 : 0);
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void add_mark(struct lup_obj_sec *s, uint64_t off, size_t max)
{
	if (s->marks && s->nr_marks < max)
		s->marks[s->nr_marks++] = off;
}

/* Every symbol's start in sec, and every place a relocation of the object points to. */
static void mark(struct lup_obj *o, size_t sec)
{
	struct lup_obj_sec *s = &o->secs[sec];
	size_t max = o->nr_syms;

	for (size_t i = 0; i < o->nr_secs; i++)
		max += o->secs[i].nr_rela;
	s->marked = true;
	s->marks = calloc(max + 1, sizeof(*s->marks));
	for (size_t i = 1; i < o->nr_syms; i++)
		if (o->syms[i].s.st_shndx == sec && GELF_ST_TYPE(o->syms[i].s.st_info) != STT_SECTION)
			add_mark(s, o->syms[i].s.st_value, max);
	for (size_t i = 0; i < o->nr_secs; i++)
		for (size_t k = 0; k < o->secs[i].nr_rela; k++) {
			const GElf_Rela *r = &o->secs[i].rela[k];
			const struct lup_obj_sym *t = &o->syms[GELF_R_SYM(r->r_info)];
			int64_t at = (int64_t)t->s.st_value + lup_obj_target_offset(r);

			if (t->s.st_shndx == sec && GELF_ST_TYPE(t->s.st_info) == STT_SECTION && at >= 0)
				add_mark(s, (uint64_t)at, max);
		}
	if (s->marks)
		qsort(s->marks, s->nr_marks, sizeof(*s->marks), cmp_u64);
}

uint64_t lup_obj_item_end(struct lup_obj *o, size_t sec, uint64_t off)
{
	struct lup_obj_sec *s = &o->secs[sec];

	if (!s->marked)
		mark(o, sec);
	for (size_t i = 0; i < s->nr_marks; i++)
		if (s->marks[i] > off)
			return s->marks[i] < s->sh.sh_size ? s->marks[i] : s->sh.sh_size;
	return s->sh.sh_size;
}
