/* ELF files through libelf: opening, type, build-id, PT_TLS and reading by address. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elf-priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/root-path.h"

static int check_header(struct lup_elf *e)
{
	if (elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->ehdr)) {
		pr_err("%s: not an ELF file", e->path);
		return -LUP_EBADELF;
	}
	if (e->ehdr.e_ident[EI_CLASS] != ELFCLASS64 || e->ehdr.e_machine != EM_X86_64) {
		pr_err("%s: not an x86-64 ELF file", e->path);
		return -LUP_EBADELF;
	}
	if (e->ehdr.e_type != ET_EXEC && e->ehdr.e_type != ET_DYN) {
		pr_err("%s: neither an executable nor a shared object", e->path);
		return -LUP_EBADELF;
	}
	return 0;
}

static int begin_elf(struct lup_elf *e)
{
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf) {
		pr_err("%s: %s", e->path, elf_errmsg(-1));
		return -LUP_EBADELF;
	}
	return check_header(e);
}

int lup_elf_open_fd(int fd, const char *path, struct lup_elf **out)
{
	struct lup_elf *e;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		pr_err("libelf: %s", elf_errmsg(-1));
		close(fd);
		return -LUP_EBADELF;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		close(fd);
		return -ENOMEM;
	}
	e->fd = fd;
	ret = begin_elf(e);
	if (!ret)
		ret = lup_elf_load_syms(e);
	if (ret) {
		lup_elf_close(e);
		return ret;
	}
	*out = e;
	return 0;
}

int lup_elf_open(const char *path, struct lup_elf **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = -errno;

		pr_err("%s: %s", path, strerror(errno));
		return err;
	}
	return lup_elf_open_fd(fd, path, out);
}

void lup_elf_close(struct lup_elf *e)
{
	if (!e)
		return;
	lup_elf_free_syms(e);
	lup_elf_close(e->debug);
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->path);
	free(e);
}

const char *lup_elf_path(const struct lup_elf *e)
{
	return e->path;
}

bool lup_elf_is_dyn(const struct lup_elf *e)
{
	return e->ehdr.e_type == ET_DYN;
}

struct Elf *lup_elf_libelf(const struct lup_elf *e)
{
	return e->elf;
}

/* The first program header of a type; -ENOENT when there is none. */
static int find_phdr(const struct lup_elf *e, uint32_t type, GElf_Phdr *out)
{
	size_t n;

	if (elf_getphdrnum(e->elf, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(e->elf, i, out) && out->p_type == type)
			return 0;
	return -ENOENT;
}

static int note_build_id(Elf_Data *d, const uint8_t **id, size_t *len)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz > 0 &&
		    memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0) {
			*id = (const uint8_t *)d->d_buf + desc_off;
			*len = nh.n_descsz;
			return 0;
		}
	}
	return -ENOENT;
}

int lup_elf_build_id(const struct lup_elf *e, const uint8_t **id, size_t *len)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		Elf_Data *d;

		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(e->elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d && note_build_id(d, id, len) == 0)
			return 0;
	}
	return -ENOENT;
}

void lup_elf_load_span(const struct lup_elf *e, uint64_t *lo, uint64_t *hi)
{
	uint64_t base = UINT64_MAX, end = 0;
	size_t n = 0;
	GElf_Phdr ph;

	elf_getphdrnum(e->elf, &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		v = ph.p_align > 1 ? ph.p_vaddr & ~(ph.p_align - 1) : ph.p_vaddr;
		if (v < base)
			base = v;
		if (ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
	}
	*lo = base == UINT64_MAX ? 0 : base;
	*hi = end;
}

uint64_t lup_elf_load_base(const struct lup_elf *e)
{
	uint64_t lo, hi;

	lup_elf_load_span(e, &lo, &hi);
	return lo;
}

int lup_elf_tls(const struct lup_elf *e, uint64_t *memsz, uint64_t *align)
{
	GElf_Phdr ph;

	if (find_phdr(e, PT_TLS, &ph))
		return -ENOENT;
	*memsz = ph.p_memsz;
	*align = ph.p_align;
	return 0;
}

int lup_elf_read(const struct lup_elf *e, uint64_t addr, void *buf, size_t len)
{
	size_t n = 0, fsize = 0;
	const char *raw = elf_rawfile(e->elf, &fsize);
	GElf_Phdr ph;

	elf_getphdrnum(e->elf, &n);
	for (size_t i = 0; raw && i < n; i++) {
		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		/* Written so that no sum can wrap around. */
		if (addr < ph.p_vaddr || len > ph.p_filesz || addr - ph.p_vaddr > ph.p_filesz - len)
			continue;
		if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset)
			break;
		memcpy(buf, raw + ph.p_offset + (addr - ph.p_vaddr), len);
		return 0;
	}
	pr_err("%s: no file data at address %#lx (+%zu)", e->path, (unsigned long)addr, len);
	return -ERANGE;
}

int lup_root_elf_open(const char *root, const char *path, struct lup_elf **out)
{
	char *name = lup_root_join(root, path);
	int fd, ret;

	if (!name)
		return -ENOMEM;
	fd = lup_root_open(root, path);
	ret = fd < 0 ? fd : lup_elf_open_fd(fd, name, out);
	free(name);
	return ret;
}
