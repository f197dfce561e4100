/*
 * The process view of a dumped process: mappings from mm-PID.img, files and build-ids
 * from files.img, threads from core-TID.img, memory through lup_mem (dumped pages, then
 * the mapped files under the root, then zeroes), files opened under the root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86/regs.h"
#include "core/elf-file.h"
#include "core/view.h"
#include "images/mem.h"
#include "images/view-images.h"
#include "images/vma.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"

/* Per file of the view. */
struct images_file {
	uint32_t id;			/* in files.img */
	uint8_t *build_id;		/* files.img's words as bytes */
	size_t build_id_len;
};

/* An ELF file opened for the core, by its path. */
struct images_elf {
	char *path;
	struct lup_elf *elf;
};

struct images_view {
	const char *root;
	struct lup_mem *mem;
	struct images_file *files;	/* as many as the view's files */
	size_t nr_elfs;
	struct images_elf *elfs;	/* the view's: closed with it */
};

static int read_mem(struct lup_view *v, uint64_t addr, void *buf, size_t len)
{
	struct images_view *iv = v->priv;

	return lup_mem_read(iv->mem, addr, buf, len);
}

static int build_id(struct lup_view *v, size_t file, const uint8_t **id, size_t *len)
{
	struct images_view *iv = v->priv;

	if (!iv->files[file].build_id_len)
		return -ENOENT;
	*id = iv->files[file].build_id;
	*len = iv->files[file].build_id_len;
	return 0;
}

static int open_path(struct lup_view *v, const char *path, struct lup_elf **out)
{
	struct images_view *iv = v->priv;
	struct images_elf e = { .path = strdup(path) };
	int ret;

	for (size_t i = 0; i < iv->nr_elfs; i++)
		if (!strcmp(iv->elfs[i].path, path)) {
			free(e.path);
			*out = iv->elfs[i].elf;
			return 0;
		}
	ret = e.path ? lup_root_elf_open(iv->root, path, &e.elf) : -ENOMEM;
	if (!ret)
		ret = LUP_ARRAY_PUSH(iv->elfs, iv->nr_elfs, e);
	if (ret) {
		lup_elf_close(e.elf);
		free(e.path);
		return ret;
	}
	*out = e.elf;
	return 0;
}

static int open_file(struct lup_view *v, size_t file, struct lup_elf **out)
{
	return open_path(v, v->files[file].path, out);
}

static void release(struct lup_view *v)
{
	struct images_view *iv = v->priv;

	for (size_t i = 0; i < v->nr_files; i++)
		free(iv->files[i].build_id);
	free(iv->files);
	for (size_t i = 0; i < iv->nr_elfs; i++) {
		lup_elf_close(iv->elfs[i].elf);
		free(iv->elfs[i].path);
	}
	free(iv->elfs);
	if (iv->mem)
		lup_mem_close(iv->mem);
	free(iv);
}

static const struct lup_view_ops images_ops = { .read = read_mem, .build_id = build_id,
	.open_file = open_file, .open_path = open_path, .release = release };

/* CRIU packs the build-id four bytes to a word, little-endian, zero-padded. */
static int keep_build_id(struct images_file *imf, const RegFileEntry *f)
{
	size_t n = f->n_build_id * 4;

	imf->build_id = malloc(n ? n : 1);
	if (!imf->build_id)
		return -ENOMEM;
	imf->build_id_len = n;
	for (size_t k = 0; k < n; k++)
		imf->build_id[k] = (f->build_id[k / 4] >> (8 * (k % 4))) & 0xff;
	return 0;
}

/* The view's index of files.img's file id (added on first sight), or -1 for none. */
static int file_index(const struct lup_dump *d, struct lup_view *v, uint64_t id, long *idx)
{
	struct images_view *iv = v->priv;
	const RegFileEntry *f = id <= UINT32_MAX ? lup_dump_reg_file(d, (uint32_t)id) : NULL;
	struct images_file *n;
	size_t i;
	int ret;

	*idx = -1;
	if (!f)
		return 0;
	for (i = 0; i < v->nr_files; i++)
		if (iv->files[i].id == f->id) {
			*idx = (long)i;
			return 0;
		}
	n = realloc(iv->files, (v->nr_files + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	iv->files = n;
	ret = lup_view_add_file(v, f->name, &i);
	if (ret)
		return ret;
	n[i] = (struct images_file){ .id = f->id };
	*idx = (long)i;
	return keep_build_id(&n[i], f);
}

static int add_maps(const struct lup_dump *d, const struct lup_proc *p, struct lup_view *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < p->mm->n_vmas; i++) {
		const VmaEntry *e = p->mm->vmas[i];
		bool file = lup_vma_is_file(e);
		struct lup_view_map m = {
			.start = e->start, .end = e->end, .pgoff = e->pgoff, .prot = e->prot,
			.anon = (e->status & LUP_VMA_AREA_REGULAR) &&
				(e->status & LUP_VMA_ANON_PRIVATE) && !file,
			.grows_down = e->flags & MAP_GROWSDOWN,
			.vdso = e->status & LUP_VMA_AREA_VDSO, .file = -1,
		};

		if (file)
			ret = file_index(d, v, e->shmid, &m.file);
		if (!ret)
			ret = lup_view_add_map(v, &m);
	}
	return ret ? ret : file_index(d, v, p->mm->exe_file_id, &v->exe);
}

static int add_threads(const struct lup_proc *p, struct lup_view *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < p->nr_threads; i++) {
		const struct lup_thread *t = &p->threads[i];
		struct lup_view_thread vt = { .tid = t->tid };

		if (!t->core->thread_info || !t->core->thread_info->gpregs) {
			pr_err("%s: no x86-64 registers", t->img->path);
			return -LUP_EBADIMG;
		}
		LUP_X86_UNWIND_REGS(vt.regs, t->core->thread_info->gpregs, );
		vt.fs_base = t->core->thread_info->gpregs->fs_base;
		ret = lup_view_add_thread(v, &vt);
	}
	return ret;
}

int lup_view_images(const struct lup_dump *d, const struct lup_proc *p, const char *root,
		    struct lup_view *v)
{
	struct images_view *iv = calloc(1, sizeof(*iv));
	int ret;

	if (!iv)
		return -ENOMEM;
	iv->root = root;
	lup_view_init(v, p->pid, &images_ops, iv);
	ret = lup_mem_open(d, p, root, &iv->mem);
	if (!ret)
		ret = add_maps(d, p, v);
	if (!ret)
		ret = add_threads(p, v);
	if (ret)
		lup_view_free(v);
	return ret;
}

struct lup_mem *lup_view_images_mem(const struct lup_view *v)
{
	const struct images_view *iv = v->priv;

	return iv->mem;
}
