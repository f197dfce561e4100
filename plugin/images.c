/*
 * What the images say about a patch in one dumped process: whether the process maps the
 * patch's target (build-id of files.img) and at which bias, and, per replaced function,
 * whether its entry holds the original bytes or already a jump into a patch VMA.
 */
#include <errno.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "remote-elf.h"
#include "vma.h"

/* CRIU stores the build-id four bytes to an element, little-endian. */
static int same_build_id(const RegFileEntry *rf, const LupPatch *p)
{
	size_t i;

	if (!rf || !rf->n_build_id || p->target_build_id.len > rf->n_build_id * 4 ||
	    (p->target_build_id.len + 3) / 4 != rf->n_build_id)
		return 0;
	for (i = 0; i < p->target_build_id.len; i++)
		if (((rf->build_id[i / 4] >> (8 * (i % 4))) & 0xff) != p->target_build_id.data[i])
			return 0;
	return 1;
}

static int mem_reader(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_mem_read(arg, addr, buf, len);
}

/* The target's header mapping in the process, or NULL when it maps no target. */
static const VmaEntry *target_head(const struct lup_dump *d, const struct lup_proc *p,
				   const LupPatch *patch)
{
	size_t i;

	for (i = 0; i < p->mm->n_vmas; i++) {
		const VmaEntry *v = p->mm->vmas[i];

		if (lup_vma_is_file(v) && same_build_id(lup_dump_reg_file(d, v->shmid), patch))
			return lup_vma_file_head(p->mm, v);
	}
	return NULL;
}

/* A jmp rel32 at addr whose destination is in a private anonymous r-x VMA. */
static int is_patch_jump(const MmEntry *mm, uint64_t addr, const uint8_t *b)
{
	int32_t rel;
	const VmaEntry *v;

	if (b[0] != 0xe9)
		return 0;
	memcpy(&rel, b + 1, 4);
	v = lup_vma_find(mm, addr + LUP_JMP_SIZE + (int64_t)rel);
	return v && (v->status & LUP_VMA_ANON_PRIVATE) && v->prot == 5;
}

static int read_entries(const struct lup_proc *p, struct lup_mem *m, const LupPatch *patch,
			struct lup_img_state *st)
{
	size_t i;
	int ret;

	st->original = st->jumped = 0;
	for (i = 0; i < patch->n_funcs && i < LUP_PLUGIN_MAX_FUNCS; i++) {
		const LupFunc *f = patch->funcs[i];

		st->entry[i] = st->bias + f->target_value;
		ret = lup_mem_read(m, st->entry[i], st->bytes[i], LUP_JMP_SIZE);
		if (ret < 0) {
			pr_err("process %d: cannot read the entry of %s at 0x%lx: %s", p->pid, f->name,
			       (unsigned long)st->entry[i], lup_strerror(ret));
			return ret;
		}
		if (f->orig_bytes.len >= LUP_JMP_SIZE &&
		    !memcmp(st->bytes[i], f->orig_bytes.data, LUP_JMP_SIZE))
			st->original++;
		else if (is_patch_jump(p->mm, st->entry[i], st->bytes[i]))
			st->jumped++;
	}
	return 0;
}

int lup_plugin_img_state(const struct lup_dump *d, const struct lup_proc *p, const char *root,
			 const LupPatch *patch, struct lup_img_state *st)
{
	struct lup_remote_elf re;
	const VmaEntry *head;
	struct lup_mem *m;
	int ret;

	st->mapped = 0;
	head = target_head(d, p, patch);
	if (!head)
		return 0;
	if (patch->n_funcs > LUP_PLUGIN_MAX_FUNCS) {
		pr_err("patch %s: more than %d functions", patch->id, LUP_PLUGIN_MAX_FUNCS);
		return -LUP_EBADPATCH;
	}
	ret = lup_mem_open(d, p, root, &m);
	if (ret < 0)
		return ret;
	ret = lup_remote_elf_read(mem_reader, m, head->start, &re);
	if (ret < 0) {
		pr_err("process %d: %s: no ELF header at 0x%lx", p->pid, patch->target_name,
		       (unsigned long)head->start);
	} else {
		st->bias = re.bias;
		ret = read_entries(p, m, patch, st);
	}
	lup_mem_close(m);
	st->mapped = !ret;
	return ret;
}
