/* The patch's part of each changed source extracted, and linked into the shared object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/diff.h"
#include "mkpatch/diff/extract.h"

/* The placeholders' definitions, hidden: the code's PC32 references are resolved to them. */
static int write_placeholders(struct lup_diff *x, const struct lup_extract_pcs *pcs, char **path)
{
	FILE *f;
	int ret = 0;

	*path = lup_diff_work_path(&x->b, "placeholders.S");
	if (!*path || !(f = fopen(*path, "wxe")))
		return *path ? -errno : -ENOMEM;
	fputs("\t.section .lup.pc,\"a\",@progbits\n", f);
	for (size_t i = 0; i < pcs->nr; i++) {
		if (strpbrk(pcs->names[i], "\"\\\n")) {
			pr_err("%s: symbol name %s cannot be written", *path, pcs->names[i]);
			ret = -LUP_EBADPATCH;
		}
		fprintf(f, "\t.globl \"%s\"\n\t.hidden \"%s\"\n\"%s\":\t.byte 0\n", pcs->names[i],
			pcs->names[i], pcs->names[i]);
	}
	fputs("\t.section .note.GNU-stack,\"\",@progbits\n", f);
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* work/pic/N.o: the unit's fixed object for the patch, debug info stripped, extracted. */
static int extract_unit(struct lup_diff *x, size_t n, const struct lup_diff_keep *k,
			struct lup_extract_pcs *pcs, char **path)
{
	struct lup_diff_unit *u = &x->units[n];
	struct lup_obj *o = NULL;
	char *what = NULL;
	int ret;

	if (asprintf(path, "%s/pic/%zu.o", x->b.work, n) < 0 ||
	    asprintf(&what, "%s: objcopy --strip-debug", u->pic_fixed->path) < 0) {
		free(what);
		return -ENOMEM;
	}
	ret = lup_diff_run((char *[]){ "objcopy", "--strip-debug", u->pic_fixed->path, *path,
				       NULL }, what, -LUP_EBADPATCH);
	if (!ret)
		ret = lup_obj_open(*path, true, &o);
	if (!ret)
		ret = lup_diff_extract(o, &u->d, k->v, k->nr, pcs);
	lup_obj_close(o);
	free(what);
	return ret;
}

/* The patch's parts of the units, extracted and linked with their placeholders. */
int lup_diff_link(struct lup_diff *x, char **dir, char **so)
{
	static char *const flags[] = { "-Wl,--gc-sections", "-Wl,--emit-relocs" };
	struct lup_mkpatch_opts o = *x->m->o;
	struct lup_extract_pcs pcs = { 0 };
	char **objs = calloc(x->nr_units + 2, sizeof(*objs));
	size_t n = 0;
	int ret = objs ? 0 : -ENOMEM, refused = 0;

	for (size_t i = 0; !ret && i < x->nr_units; i++) {
		struct lup_diff_keep k = { 0 };

		ret = lup_diff_keep_list(x, &x->units[i], &k);
		refused |= ret > 0;
		if (!ret && !refused)
			ret = extract_unit(x, i, &k, &pcs, &objs[n++]);
		ret = ret > 0 ? 0 : ret;
		free(k.v);
	}
	if (!ret && (refused || lup_diff_report_count(&x->r, LUP_DIFF_REFUSED)))
		ret = -LUP_EBADPATCH;
	if (!ret)
		ret = write_placeholders(x, &pcs, &objs[n++]);
	o.srcs = objs;
	o.nr_srcs = n;
	o.cflags = flags;
	o.nr_cflags = sizeof(flags) / sizeof(flags[0]);
	if (!ret)
		ret = lup_mkpatch_build_so(&o, x->m->target_static, dir, so);
	for (size_t i = 0; objs && i < n; i++)
		free(objs[i]);
	free(objs);
	lup_extract_pcs_free(&pcs);
	return ret;
}
