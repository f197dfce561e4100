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

static int dtv_block(struct lup_bind *b, uint64_t id, uint64_t *block)
{
	uint64_t dtv;

	if (b->rd(b->arg, b->fs_base + TCB_DTV_OFFSET, &dtv, sizeof(dtv)) ||
	    b->rd(b->arg, dtv + id * DTV_ENTRY_SIZE, block, sizeof(*block)) || !*block) {
		pr_err("%s: cannot read the TLS block of module %" PRIu64 " (thread pointer 0x%" PRIx64 ")",
		       b->v->who, id, b->fs_base);
		return -LUP_EBADIMG;
	}
	return 0;
}

int lup_tls_tpoff(struct lup_bind *b, size_t module, uint64_t value, int64_t *tpoff)
{
	uint64_t memsz, align, id, block;
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
	if (!ret)
		ret = dtv_block(b, id, &block);
	if (!ret)
		*tpoff = (int64_t)(block + value - b->fs_base);
	return ret;
}
