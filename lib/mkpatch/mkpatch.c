/* lup_mkpatch: check the target, build the sources, read the result into a patch, write it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"
#include "mkpatch/diff/diff.h"
#include "core/patch-sign.h"

#define LUP_DEBUG_ROOT "/usr/lib/debug"	/* where -dbgsym packages put debug files */

static bool has_section(Elf *elf, uint32_t type, Elf_Scn **out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type) {
			*out = scn;
			return true;
		}
	return false;
}

/*
 * A program that uses no library: no DT_NEEDED and an executable (ET_EXEC, or a
 * static PIE: DF_1_PIE). A shared library with no DT_NEEDED (gcc links --as-needed)
 * still gets its undefined names from the program that loads it.
 */
static bool is_static(Elf *elf)
{
	bool exec = true;
	GElf_Ehdr eh;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Dyn dyn;

	if (!has_section(elf, SHT_DYNAMIC, &scn) || !(d = elf_getdata(scn, NULL)))
		return true;
	if (gelf_getehdr(elf, &eh) && eh.e_type == ET_DYN)
		exec = false;
	for (int i = 0; gelf_getdyn(d, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		if (dyn.d_tag == DT_NEEDED)
			return false;
		if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
			exec = true;
	}
	return exec;
}

/* ROOT/.build-id/XX/YYYY....debug, where -dbgsym packages put it under /usr/lib/debug. */
static char *debug_path(const char *root, const uint8_t *id, size_t len)
{
	char *path = malloc(strlen(root) + 2 * len + 32);
	size_t n;

	if (!path)
		return NULL;
	n = (size_t)sprintf(path, "%s/.build-id/%02x/", root, id[0]);
	for (size_t i = 1; i < len; i++)
		n += (size_t)sprintf(path + n, "%02x", id[i]);
	strcpy(path + n, ".debug");
	return path;
}

/* A stripped target's symbols: --debug-file, else its debug file by build-id. */
static int attach_debug(struct lup_mkpatch *m, const uint8_t *id, size_t len)
{
	char *path = m->o->debug_file ? strdup(m->o->debug_file) :
		     debug_path(m->o->debug_dir ? m->o->debug_dir : LUP_DEBUG_ROOT, id, len);
	struct lup_elf *debug;
	int ret;

	if (!path)
		return -ENOMEM;
	if (!m->o->debug_file && access(path, R_OK)) {
		pr_err("%s: no symbol table (.symtab) and no debug file %s: install the target's "
		       "debug symbols (the -dbgsym package), give --debug-file, or build it without "
		       "stripping it", m->o->target, path);
		free(path);
		return -LUP_EBADELF;
	}
	ret = lup_elf_open(path, &debug);
	free(path);
	if (!ret)
		ret = lup_elf_use_debug_file(m->target, debug);
	if (!ret)
		pr_info("%s: symbols from %s", m->o->target, lup_elf_path(debug));
	return ret;
}

static int open_target(struct lup_mkpatch *m)
{
	const char *path = m->o->target;
	const uint8_t *id;
	size_t len;
	int ret = lup_elf_open(path, &m->target);

	if (ret)
		return ret;
	if (lup_elf_build_id(m->target, &id, &len)) {
		pr_err("%s: no build-id note: link the target with -Wl,--build-id", path);
		return -LUP_EBADELF;
	}
	if (m->o->debug_file || !lup_elf_has_symtab(m->target)) {
		ret = attach_debug(m, id, len);
		if (ret)
			return ret;
	}
	m->target_static = is_static(lup_elf_libelf(m->target));
	return 0;
}

/* The id: given, or the output's file name without its ".lup". */
static char *patch_id(const struct lup_mkpatch_opts *o)
{
	char *copy, *id, *dot;

	if (o->id)
		return strdup(o->id);
	copy = strdup(o->out);
	if (!copy)
		return NULL;
	id = strdup(basename(copy));
	free(copy);
	dot = id ? strrchr(id, '.') : NULL;
	if (dot && strcmp(dot, ".lup") == 0)
		*dot = '\0';
	return id;
}

static int new_patch(struct lup_mkpatch *m)
{
	char *copy = strdup(m->o->target);
	const uint8_t *bid;
	size_t bid_len;
	LupPatch *p;

	m->p = p = calloc(1, sizeof(*p));
	if (!p || !copy) {
		free(copy);
		return -ENOMEM;
	}
	lup_patch__init(p);
	lup_elf_build_id(m->target, &bid, &bid_len);
	p->version = LUP_PATCH_VERSION;
	p->id = patch_id(m->o);
	p->target_name = strdup(basename(copy));
	free(copy);
	/* For messages only: a byte that is not printable (a name that is not UTF-8) as '?'. */
	for (char *c = p->target_name; c && *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	p->target_build_id.data = malloc(bid_len);
	if (!p->id || !p->target_name || !p->target_build_id.data)
		return -ENOMEM;
	memcpy(p->target_build_id.data, bid, bid_len);
	p->target_build_id.len = bid_len;
	p->target_dyn = lup_elf_is_dyn(m->target);
	p->has_created = true;
	p->created = (uint64_t)time(NULL);
	p->expects = calloc(m->o->nr_expects ? m->o->nr_expects : 1, sizeof(*p->expects));
	if (!p->expects)
		return -ENOMEM;
	for (; p->n_expects < m->o->nr_expects; p->n_expects++)
		if (!(p->expects[p->n_expects] = strdup(m->o->expects[p->n_expects])))
			return -ENOMEM;
	return lup_hashmap_new(64, &m->sym_index);
}

static int build(struct lup_mkpatch *m, char **dir)
{
	char *so = NULL;
	int ret = m->o->diff ? lup_mkpatch_diff_so(m, dir, &so) :
			       lup_mkpatch_build_so(m->o, m->target_static, dir, &so);

	if (!ret)
		ret = lup_elf_open(so, &m->so);
	free(so);
	if (!ret)
		ret = new_patch(m);
	if (!ret && m->diff)
		ret = lup_mkpatch_diff_expects(m);
	if (!ret)
		ret = lup_mkpatch_segments(m);
	if (!ret)
		ret = lup_mkpatch_defs(m);
	if (!ret)
		ret = lup_mkpatch_relocs(m);
	if (!ret)
		ret = lup_mkpatch_unwind(m);
	return ret;
}

int lup_mkpatch(const struct lup_mkpatch_opts *o)
{
	struct lup_mkpatch m = { .o = o };
	struct evp_pkey_st *key = NULL;
	char *dir = NULL;
	int ret = o->sign_key ? lup_sign_key_load(o->sign_key, &key) : 0;

	if (!ret)
		ret = open_target(&m);
	if (!ret)
		ret = build(&m, &dir);
	if (!ret)
		ret = lup_patch_write(o->out, m.p, key);
	if (!ret)
		pr_info("%s: %zu replaced functions, %zu symbols, %zu relocations, %lu bytes",
			o->out, m.p->n_funcs, m.p->n_symbols, m.p->n_relocs,
			(unsigned long)m.p->image_size);
	if (ret == -ENOMEM)
		pr_err("%s: out of memory", o->out);
	lup_mkpatch_diff_done(&m, ret);
	lup_sign_key_free(key);
	lup_patch_free(m.p);
	lup_hashmap_free(m.sym_index);
	lup_mkpatch_clones_free(m.clones);
	lup_mkpatch_libs_free(m.libs);
	lup_elf_close(m.so);
	lup_elf_close(m.target);
	lup_mkpatch_remove_dir(dir);
	return ret;
}
