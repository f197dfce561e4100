/* Reading r_debug and the link_map list (their public fields only) from a process's memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "core/linkmap.h"
#include "util/log.h"

#define NAME_MAX_LEN 4096
/* Entries of PT_DYNAMIC read at most: real ones hold tens, p_memsz is the process's word. */
#define DYN_MAX_ENTRIES 4096

/* Offsets of the public fields of struct r_debug and struct link_map on x86-64. */
#define R_DEBUG_R_MAP 8
#define LM_L_ADDR 0
#define LM_L_NAME 8
#define LM_L_NEXT 24

/* r_debug's address from the executable's DT_DEBUG; 0 when there is none (static). */
static int find_r_debug(lup_read_fn rd, void *arg, uint64_t exe_start, const char *who,
			uint64_t *r_debug)
{
	struct lup_remote_elf e;
	const Elf64_Phdr *dyn;
	Elf64_Dyn ent;
	uint64_t i, n;
	int ret;

	*r_debug = 0;
	ret = lup_remote_elf_read(rd, arg, exe_start, &e);
	if (ret)
		return ret;
	dyn = lup_remote_elf_phdr(&e, PT_DYNAMIC);
	if (!dyn)
		return 0;
	n = dyn->p_memsz / sizeof(ent);
	for (i = 0; i < n && i < DYN_MAX_ENTRIES; i++) {
		ret = rd(arg, e.bias + dyn->p_vaddr + i * sizeof(ent), &ent, sizeof(ent));
		if (ret || ent.d_tag == DT_NULL)
			return ret;
		if (ent.d_tag == DT_DEBUG) {
			*r_debug = ent.d_un.d_ptr;
			return 0;
		}
	}
	if (i == DYN_MAX_ENTRIES) {
		pr_err("%s: the executable's PT_DYNAMIC has neither DT_DEBUG nor DT_NULL in its "
		       "first %d entries", who, DYN_MAX_ENTRIES);
		return -LUP_EBADIMG;
	}
	return 0;
}

static int read_name(lup_read_fn rd, void *arg, uint64_t addr, char **out)
{
	char buf[NAME_MAX_LEN];
	size_t i;

	for (i = 0; i < sizeof(buf); i++) {
		if (rd(arg, addr + i, &buf[i], 1))
			return -EFAULT;
		if (!buf[i]) {
			*out = strdup(buf);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENAMETOOLONG;
}

static int add_module(lup_read_fn rd, void *arg, uint64_t lm, struct lup_linkmap *out)
{
	uint64_t f[4];
	struct lup_module *m;
	int ret;

	ret = rd(arg, lm, f, sizeof(f));
	if (ret)
		return ret;
	m = realloc(out->m, (out->nr + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	out->m = m;
	m[out->nr].map = lm;
	m[out->nr].addr = f[LM_L_ADDR / 8];
	ret = read_name(rd, arg, f[LM_L_NAME / 8], &m[out->nr].name);
	if (ret)
		return ret;
	out->nr++;
	return 0;
}

int lup_linkmap_read(lup_read_fn rd, void *arg, uint64_t exe_start, const char *who,
		     struct lup_linkmap *out)
{
	uint64_t r_debug, lm = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = find_r_debug(rd, arg, exe_start, who, &r_debug);
	if (ret == -LUP_EBADIMG)
		return ret;	/* reported */
	if (!ret && r_debug)
		ret = rd(arg, r_debug + R_DEBUG_R_MAP, &lm, sizeof(lm));
	while (!ret && lm && out->nr < LUP_LINKMAP_MAX) {
		ret = add_module(rd, arg, lm, out);
		if (!ret)
			ret = rd(arg, lm + LM_L_NEXT, &lm, sizeof(lm));
	}
	if (!ret && lm) {
		/* scribbled on: each repeat of an object would be opened and searched again */
		pr_err("%s: the dynamic linker's list of objects is cyclic or longer than %d", who,
		       LUP_LINKMAP_MAX);
		lup_linkmap_free(out);
		return -LUP_EBADIMG;
	}
	if (ret) {
		pr_err("%s: cannot read the dynamic linker's list of objects: %s", who,
		       lup_strerror(ret));
		lup_linkmap_free(out);
		return -LUP_EBADIMG;
	}
	return 0;
}

void lup_linkmap_free(struct lup_linkmap *lm)
{
	size_t i;

	for (i = 0; i < lm->nr; i++)
		free(lm->m[i].name);
	free(lm->m);
	memset(lm, 0, sizeof(*lm));
}
