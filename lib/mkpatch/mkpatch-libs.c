/* The target's libraries as this machine's loader finds them: does one of them define a name? */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

#define MAX_LIBS 512	/* bounds the work a crafted DT_NEEDED graph can cause */

struct lib {
	char *needed;		/* its DT_NEEDED name */
	struct lup_elf *elf;	/* NULL: not found on this machine */
};

struct lup_mkpatch_libs {
	struct lib v[MAX_LIBS];
	size_t nr;
	bool missing;			/* names not found might be in a missing library */
	struct lup_mkpatch_strv sysdirs;
	struct lup_mkpatch_strv exe_rpath;	/* the target's DT_RPATH: every library uses it */
};

/* What one object's dynamic section says about finding its libraries. */
struct dyn_names {
	struct lup_mkpatch_strv needed;
	const char *runpath, *rpath;	/* in libelf's data; NULL when absent */
};

static int read_dynamic(struct lup_elf *e, struct dyn_names *dn)
{
	Elf *elf = lup_elf_libelf(e);
	Elf_Scn *scn = NULL;
	Elf_Data *d = NULL;
	GElf_Shdr sh;
	GElf_Dyn dyn;
	int ret = 0;

	while (!d && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNAMIC)
			d = elf_getdata(scn, NULL);
	for (int i = 0; !ret && d && gelf_getdyn(d, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		const char *s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);

		if (!s)
			continue;
		if (dyn.d_tag == DT_NEEDED)
			ret = lup_mkpatch_strv_add(&dn->needed, s, strlen(s));
		else if (dyn.d_tag == DT_RUNPATH)
			dn->runpath = s;
		else if (dyn.d_tag == DT_RPATH)
			dn->rpath = s;
	}
	return ret;
}

/* dir with each $ORIGIN or ${ORIGIN} replaced by origin; NULL when out of memory. */
static char *expand_origin(const char *dir, size_t len, const char *origin)
{
	const char *end = dir + len;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	if (!f)
		return NULL;
	while (dir < end) {
		size_t n = !strncmp(dir, "${ORIGIN}", 9) ? 9 : !strncmp(dir, "$ORIGIN", 7) ? 7 : 0;

		if (n)
			fputs(origin, f);
		else
			fputc(*dir, f);
		dir += n ? n : 1;
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The directories of a DT_RUNPATH or DT_RPATH list, relative to the object's directory. */
static int add_path_list(struct lup_mkpatch_strv *dirs, const char *list, const char *path)
{
	char *real = realpath(path, NULL), *copy = strdup(real ? real : path), *origin, *dir;
	int ret = 0;

	free(real);
	if (!copy)
		return -ENOMEM;
	origin = dirname(copy);
	for (const char *p = list; !ret && *p; p += *p == ':') {
		size_t len = strcspn(p, ":");

		if (!len)
			continue;
		dir = expand_origin(p, len, origin);
		ret = dir ? lup_mkpatch_strv_add(dirs, dir, strlen(dir)) : -ENOMEM;
		free(dir);
		p += len;
	}
	free(copy);
	return ret;
}

/* As the loader: DT_RUNPATH alone, else DT_RPATH and the executable's; then the system's. */
static int search_dirs(struct lup_mkpatch_libs *l, struct lup_elf *obj, const struct dyn_names *dn,
		       struct lup_mkpatch_strv *dirs)
{
	int ret = 0;

	if (dn->runpath)
		ret = add_path_list(dirs, dn->runpath, lup_elf_path(obj));
	else if (dn->rpath)
		ret = add_path_list(dirs, dn->rpath, lup_elf_path(obj));
	for (size_t i = 0; !ret && !dn->runpath && i < l->exe_rpath.nr; i++)
		ret = lup_mkpatch_strv_add(dirs, l->exe_rpath.v[i], strlen(l->exe_rpath.v[i]));
	for (size_t i = 0; !ret && i < l->sysdirs.nr; i++)
		ret = lup_mkpatch_strv_add(dirs, l->sysdirs.v[i], strlen(l->sysdirs.v[i]));
	return ret;
}

/* 1 and *out when path is a library the target's loader could use; 0 when not (skipped). */
static int try_open(const char *path, struct lup_elf **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	GElf_Ehdr eh;
	bool usable = elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh) &&
		      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64 &&
		      eh.e_type == ET_DYN;

	elf_end(elf);
	if (!usable) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	ret = lup_elf_open_fd(fd, path, out);
	return ret ? ret : 1;
}

static int find_lib(const char *name, const struct lup_mkpatch_strv *dirs, struct lup_elf **out)
{
	char *path;
	int ret = 0;

	if (strchr(name, '/'))
		return try_open(name, out);
	for (size_t i = 0; !ret && i < dirs->nr; i++) {
		if (asprintf(&path, "%s/%s", dirs->v[i], name) < 0)
			return -ENOMEM;
		ret = try_open(path, out);
		free(path);
	}
	return ret < 0 ? ret : 0;
}

static bool is_known(const struct lup_mkpatch_libs *l, const char *name)
{
	for (size_t i = 0; i < l->nr; i++)
		if (strcmp(l->v[i].needed, name) == 0)
			return true;
	return false;
}

static int add_lib(struct lup_mkpatch_libs *l, struct lup_elf *obj, const char *name,
		   const struct lup_mkpatch_strv *dirs)
{
	struct lib *lib = &l->v[l->nr];
	int ret;

	if (l->nr == MAX_LIBS) {
		pr_err("%s: more than %d libraries needed", lup_elf_path(obj), MAX_LIBS);
		return -LUP_EBADELF;
	}
	if (!(lib->needed = strdup(name)))
		return -ENOMEM;
	l->nr++;
	ret = find_lib(name, dirs, &lib->elf);
	if (!ret && !lib->elf) {
		l->missing = true;
		pr_warn("%s: needs %s, which is not found on this machine: the names the patch "
			"takes from libraries are not checked against it", lup_elf_path(obj), name);
	}
	return ret;
}

/* obj's DT_NEEDED libraries not already listed, in the order the loader loads them. */
static int add_needed_of(struct lup_mkpatch_libs *l, struct lup_elf *obj, bool is_target)
{
	struct dyn_names dn = { 0 };
	struct lup_mkpatch_strv dirs = { 0 };
	int ret = read_dynamic(obj, &dn);

	if (!ret && is_target && !dn.runpath && dn.rpath)
		ret = add_path_list(&l->exe_rpath, dn.rpath, lup_elf_path(obj));
	if (!ret && dn.needed.nr)
		ret = search_dirs(l, obj, &dn, &dirs);
	for (size_t i = 0; !ret && i < dn.needed.nr; i++)
		if (!is_known(l, dn.needed.v[i]))
			ret = add_lib(l, obj, dn.needed.v[i], &dirs);
	lup_mkpatch_strv_free(&dirs);
	lup_mkpatch_strv_free(&dn.needed);
	return ret;
}

/* Breadth first from the target, as the loader does. */
static int load_libs(struct lup_mkpatch *m)
{
	struct lup_mkpatch_libs *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	m->libs = l;
	ret = lup_mkpatch_system_dirs(&l->sysdirs);
	if (!ret)
		ret = add_needed_of(l, m->target, true);
	for (size_t i = 0; !ret && i < l->nr; i++)
		if (l->v[i].elf)
			ret = add_needed_of(l, l->v[i].elf, false);
	if (ret == -ENOMEM)
		pr_err("%s: out of memory reading its libraries", lup_elf_path(m->target));
	return ret;
}

void lup_mkpatch_libs_free(struct lup_mkpatch_libs *l)
{
	for (size_t i = 0; l && i < l->nr; i++) {
		free(l->v[i].needed);
		if (l->v[i].elf)
			lup_elf_close(l->v[i].elf);
	}
	if (l) {
		lup_mkpatch_strv_free(&l->sysdirs);
		lup_mkpatch_strv_free(&l->exe_rpath);
	}
	free(l);
}

/* An executable has PT_INTERP; a shared library may take names from its program too. */
static bool is_program(struct lup_elf *e)
{
	Elf *elf = lup_elf_libelf(e);
	size_t n = 0;
	GElf_Phdr ph;

	elf_getphdrnum(elf, &n);
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			return true;
	return false;
}

/* "/lib/.../libc.so.6, /lib/.../libm.so.6" into buf, cut at its size. */
static void list_libs(const struct lup_mkpatch_libs *l, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->nr && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
					lup_elf_path(l->v[i].elf));
	if (len >= size && size > 4)
		strcpy(buf + size - 4, "...");
}

int lup_mkpatch_check_library(struct lup_mkpatch *m, const char *name)
{
	const struct lup_sym *s;
	char libs[1024];
	int ret = m->libs ? 0 : load_libs(m);

	if (ret)
		return ret;
	for (size_t i = 0; i < m->libs->nr; i++)
		if (m->libs->v[i].elf && lup_elf_find_dynsym(m->libs->v[i].elf, name, &s) == 0)
			return 0;
	if (m->libs->missing)
		return 0;
	list_libs(m->libs, libs, sizeof(libs));
	if (!is_program(m->target)) {
		pr_warn("%s: %s is not defined by it nor by its libraries (%s): it must come from "
			"the program that loads it", lup_elf_path(m->target), name, libs);
		return 0;
	}
	pr_err("%s: undefined symbol %s: neither the target nor its libraries define it "
	       "(searched %s); for a library loaded by dlopen or LD_PRELOAD, use --no-library-check",
	       lup_elf_path(m->target), name, libs);
	return -LUP_EBADPATCH;
}
