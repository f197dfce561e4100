/*
 * A patch as a debugger sees a shared library: an ELF file of its code, its .eh_frame
 * and .eh_frame_hdr at the addresses they have in the process, and a symbol per replaced
 * function, made from the process's memory (so it also works after a migration, where
 * the patch file may not be). gdb loads it with add-symbol-file and unwinds through
 * patch code with its CFI. Where the runtime's registration data (core/unwind.h) says
 * these lie.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/debug-elf.h"
#include "core/unwind.h"
#include "core/view.h"
#include "util/err.h"
#include "util/log.h"

/* What is read from the process: a section's address and bytes. */
struct piece {
	uint64_t addr;
	size_t len;
	uint8_t *data;
};

static int read_piece(struct lup_view *v, struct piece *p)
{
	p->data = malloc(p->len ? p->len : 1);
	if (!p->data)
		return -ENOMEM;
	return lup_view_read(v, p->addr, p->data, p->len) ? -EFAULT : 0;
}

/* .eh_frame's length: its CIEs and FDEs up to the zero word, within the image. */
static int eh_frame_len(struct lup_view *v, uint64_t at, uint64_t end, size_t *len)
{
	uint64_t p = at;
	uint32_t n;

	while (p + 4 <= end) {
		if (lup_view_read(v, p, &n, sizeof(n)))
			return -EFAULT;
		if (n == 0 || n == 0xffffffffu) {
			*len = (size_t)(p + 4 - at);
			return n ? -EINVAL : 0;
		}
		p += 4 + (uint64_t)n;
	}
	return -EINVAL;
}

/* The code, the table and the frames of the patch at record r, checked to lie in it. */
static int read_pieces(struct lup_view *v, const LupRecord *r, struct piece p[3])
{
	uint64_t w[LUP_UNWIND_SIZE / 8], end = r->image_addr + r->image_size;
	uint32_t count;
	int ret;

	if (lup_view_read(v, r->unwind, w, sizeof(w)))
		return -EFAULT;
	p[0].addr = w[LUP_UNWIND_CODE_START / 8];
	p[0].len = w[LUP_UNWIND_CODE_END / 8] - p[0].addr;
	p[1].addr = w[LUP_UNWIND_EH_HDR / 8];
	p[2].addr = w[LUP_UNWIND_EH_FRAME / 8];
	for (int i = 0; i < 3; i++)
		if (p[i].addr < r->image_addr || p[i].addr >= end)
			return -EINVAL;
	if (p[0].len > end - p[0].addr || lup_view_read(v, p[1].addr + 8, &count, sizeof(count)) ||
	    (uint64_t)count * 8 + 12 > end - p[1].addr)
		return -EINVAL;
	p[1].len = 12 + (size_t)count * 8;
	ret = eh_frame_len(v, p[2].addr, end, &p[2].len);
	for (int i = 0; !ret && i < 3; i++)
		ret = read_piece(v, &p[i]);
	return ret;
}

struct strtab {
	char *s;
	size_t len;
};

static size_t add_str(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1, at = t->len;
	char *g = realloc(t->s, t->len + n);

	if (!g)
		return 0;
	memcpy(g + at, s, n);
	t->s = g;
	t->len += n;
	return at;
}

static Elf_Scn *add_section(Elf *e, size_t name, uint32_t type, uint64_t flags, uint64_t addr,
			    void *data, size_t len, size_t align)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	GElf_Shdr sh;

	if (!d || !gelf_getshdr(scn, &sh))
		return NULL;
	d->d_buf = data;
	d->d_size = len;
	d->d_align = align;
	d->d_type = ELF_T_BYTE;
	sh.sh_name = (uint32_t)name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addr = addr;
	sh.sh_addralign = align;
	return gelf_update_shdr(scn, &sh) ? scn : NULL;
}

/* A symbol per replaced function, in .text (section 1). */
static int symbols(const LupRecord *r, struct strtab *str, Elf64_Sym **out, size_t *nr)
{
	Elf64_Sym *s = calloc(r->n_funcs + 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_funcs; i++) {
		s[i + 1].st_name = (uint32_t)add_str(str, r->funcs[i]->name);
		s[i + 1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		s[i + 1].st_shndx = 1;
		s[i + 1].st_value = r->funcs[i]->new_addr;
	}
	*out = s;
	*nr = r->n_funcs + 1;
	return 0;
}

/* The sections, in this order (section 1 is .text, 5 .strtab, 6 .shstrtab). */
static const char *const section_names[] = {
	".text", ".eh_frame_hdr", ".eh_frame", ".symtab", ".strtab", ".shstrtab",
};

static int write_elf(int fd, const LupRecord *r, struct piece p[3])
{
	struct strtab shstr = { 0 }, str = { 0 };
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	size_t name[6], nr_syms = 0;
	Elf64_Sym *syms = NULL;
	GElf_Ehdr eh = { 0 };
	Elf_Scn *symtab;
	GElf_Shdr sh;
	int ret = -EIO;

	/* Every string first: the tables' data must not move once given to libelf. */
	add_str(&shstr, "");
	add_str(&str, "");
	for (int i = 0; i < 6; i++)
		name[i] = add_str(&shstr, section_names[i]);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !shstr.s || symbols(r, &str, &syms, &nr_syms) ||
	    !str.s)
		goto out;
	if (!add_section(e, name[0], SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, p[0].addr,
			 p[0].data, p[0].len, 16) ||
	    !add_section(e, name[1], SHT_PROGBITS, SHF_ALLOC, p[1].addr, p[1].data, p[1].len, 4) ||
	    !add_section(e, name[2], SHT_PROGBITS, SHF_ALLOC, p[2].addr, p[2].data, p[2].len, 8) ||
	    !(symtab = add_section(e, name[3], SHT_SYMTAB, 0, 0, syms, nr_syms * sizeof(*syms), 8)) ||
	    !add_section(e, name[4], SHT_STRTAB, 0, 0, str.s, str.len, 1) ||
	    !add_section(e, name[5], SHT_STRTAB, 0, 0, shstr.s, shstr.len, 1))
		goto out;
	gelf_getshdr(symtab, &sh);
	sh.sh_link = 5;		/* .strtab */
	sh.sh_info = 1;		/* the first global symbol */
	sh.sh_entsize = sizeof(Elf64_Sym);
	gelf_update_shdr(symtab, &sh);
	gelf_getehdr(e, &eh);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shstrndx = 6;
	if (gelf_update_ehdr(e, &eh) && elf_update(e, ELF_C_WRITE) >= 0)
		ret = 0;
out:
	if (e)
		elf_end(e);
	free(syms);
	free(str.s);
	free(shstr.s);
	return ret;
}

int lup_debug_elf_write(struct lup_view *v, const LupRecord *r, const char *path)
{
	struct piece p[3] = { { 0 } };
	int ret = r->has_unwind ? read_pieces(v, r, p) : -ENOENT, fd = -1;

	if (ret == -ENOENT)
		pr_warn("%s: patch %s has no unwind tables (built by an older lup-mkpatch)", v->who, r->id);
	else if (ret)
		pr_err("%s: patch %s: its unwind data in memory is not usable", v->who, r->id);
	if (!ret && (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
	}
	if (!ret && elf_version(EV_CURRENT) != EV_NONE && (ret = write_elf(fd, r, p)))
		pr_err("%s: cannot write: %s", path, elf_errmsg(-1));
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 3; i++)
		free(p[i].data);
	return ret;
}

int lup_debug_gdb_script(FILE *out, const char *dir, struct lup_view *v)
{
	struct lup_records rs;
	char *path;
	int ret = lup_records_find(v, &rs);

	for (size_t i = 0; !ret && i < rs.nr; i++) {
		if (asprintf(&path, "%s/%d-%s.debug", dir, (int)v->pid, rs.r[i]->id) < 0) {
			path = NULL;
			ret = -ENOMEM;
		}
		if (!ret)
			ret = lup_debug_elf_write(v, rs.r[i], path);
		if (!ret)
			fprintf(out, "add-symbol-file %s -o 0\n", path);
		ret = ret == -ENOENT ? 0 : ret;
		free(path);
	}
	lup_records_free(&rs);
	return ret;
}
