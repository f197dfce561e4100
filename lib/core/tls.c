/* Thread-pointer offsets of TLS variables of the executable and of shared libraries. */
#include <errno.h>
#include <inttypes.h>

#include "core/elf-file.h"
#include "util/err.h"
#include "util/log.h"
#include "core/tls.h"
#include "core/view.h"

/* glibc's dtv_t is 16 bytes ({val, to_free}); dtv[0] is the generation counter. */
#define DTV_ENTRY_SIZE 16
#define TCB_DTV_OFFSET 8

/* Module id of module i: its position among the modules that have PT_TLS, from 1. */
static int rank_modid(struct lup_bind *b, size_t module, uint64_t *id)
{
	uint64_t memsz, align, n = 0;
	struct lup_elf *e;
	size_t i;
	int ret;

	for (i = 0; i <= module; i++) {
		ret = lup_bind_module_elf(b, i, &e);
		if (ret == -ENOENT)
			continue;	/* the vDSO: no file, no TLS */
		if (ret)
			return ret;
		if (!lup_elf_tls(e, &memsz, &align))
			n++;
	}
	*id = n;
	return 0;
}

/* The TLS block of module id in the thread whose thread pointer is fs; 0 if none yet. */
static int dtv_block(struct lup_bind *b, uint64_t fs, uint64_t id, uint64_t *block)
{
	uint64_t dtv;

	if (b->rd(b->arg, fs + TCB_DTV_OFFSET, &dtv, sizeof(dtv)) ||
	    b->rd(b->arg, dtv + id * DTV_ENTRY_SIZE, block, sizeof(*block))) {
		pr_err("%s: cannot read the TLS block of module %" PRIu64 " (thread pointer 0x%" PRIx64 ")",
		       b->v->who, id, fs);
		return -LUP_EBADIMG;
	}
	return 0;
}

/*
 * The offset from the thread pointer, the same in every thread: a module's block in
 * the static TLS area (loaded with the program, or given static TLS by dlopen). A
 * dynamic block (dlopen, allocated per thread on first use) lies elsewhere in each
 * thread, or nowhere yet: no one offset serves every thread, refused.
 */
static int static_tpoff(struct lup_bind *b, const struct lup_elf *e, uint64_t id, uint64_t value,
			int64_t *tpoff)
{
	uint64_t block;
	int64_t off;
	int ret = 0;

	for (size_t i = 0; !ret && i < b->v->nr_threads; i++) {
		uint64_t fs = b->v->threads[i].fs_base;

		ret = dtv_block(b, fs, id, &block);
		off = (int64_t)(block + value - fs);
		if (!ret && (!block || (i && off != *tpoff))) {
			pr_err("%s: the TLS of %s is dynamic (loaded with dlopen): no one offset "
			       "serves every thread", b->v->who, lup_elf_path(e));
			ret = -LUP_ENOTAPPLIC;
		}
		*tpoff = off;
	}
	return ret;
}

int lup_tls_tpoff(struct lup_bind *b, size_t module, uint64_t value, int64_t *tpoff)
{
	uint64_t memsz, align, id;
	struct lup_elf *e;
	int ret = lup_bind_module_elf(b, module, &e);

	if (ret)
		return ret;
	if (lup_elf_tls(e, &memsz, &align)) {
		pr_err("%s: no PT_TLS for a thread-local symbol", lup_elf_path(e));
		return -LUP_EBADELF;
	}
	if (module == 0 && b->exe_first) {
		/* The executable's block lies right below the thread pointer. */
		if (!align)
			align = 1;
		*tpoff = (int64_t)value - (int64_t)((memsz + align - 1) / align * align);
		return 0;
	}
	ret = rank_modid(b, module, &id);
	if (!ret && !b->v->nr_threads) {
		/*
		 * A view of a running process has no thread pointer to find the DTV by: its
		 * plan is a check made before the threads are stopped; the plan made over
		 * the stopped threads has the offset.
		 */
		*tpoff = 0;
		return 0;
	}
	return ret ? ret : static_tpoff(b, e, id, value, tpoff);
}

/*
 * Where l_tls_modid lies in struct link_map: glibc's libc exports, for libthread_db,
 * {bits, count, offset} of it as _thread_db_link_map_l_tls_modid. 0: not found.
 */
static uint64_t modid_field(struct lup_bind *b)
{
	const struct lup_sym *s;
	uint32_t desc[3];
	struct lup_elf *e;

	for (size_t i = 0; i < b->lm.nr; i++)
		if (!lup_bind_module_elf(b, i, &e) &&
		    !lup_elf_find_dynsym(e, "_thread_db_link_map_l_tls_modid", &s) &&
		    !lup_elf_read(e, s->value, desc, sizeof(desc)) && desc[0] == 64)
			return desc[2];
	return 0;
}

int lup_tls_modid(struct lup_bind *b, size_t module, uint64_t *id)
{
	uint64_t off = module < b->lm.nr ? modid_field(b) : 0;

	if (!off)
		return rank_modid(b, module, id);
	if (b->rd(b->arg, b->lm.m[module].map + off, id, sizeof(*id)) || !*id) {
		pr_err("%s: cannot read the TLS module id of %s", b->v->who, b->lm.m[module].name);
		return -LUP_EBADIMG;
	}
	return 0;
}
