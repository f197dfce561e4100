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
static int tls_modid(struct lup_bind *b, size_t module, uint64_t *id)
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
	ret = tls_modid(b, module, &id);
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
