/* The dynamic loader's default library directories on this machine: /etc/ld.so.conf and its includes. */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "mkpatch/mkpatch-priv.h"

#define LD_SO_CONF "/etc/ld.so.conf"
#define MAX_DEPTH 8	/* include nesting: a file that includes itself stops here */

/*
 * Searched after ld.so.conf's directories by glibc on every distribution (its trusted
 * directories are one pair or the other; multiarch ones come from ld.so.conf.d).
 */
static const char *const builtin_dirs[] = { "/lib64", "/usr/lib64", "/lib", "/usr/lib" };

int lup_mkpatch_strv_add(struct lup_mkpatch_strv *sv, const char *s, size_t len)
{
	char **grown = realloc(sv->v, (sv->nr + 2) * sizeof(*sv->v));

	if (!grown)
		return -ENOMEM;
	sv->v = grown;
	if (!(sv->v[sv->nr] = strndup(s, len)))
		return -ENOMEM;
	sv->v[++sv->nr] = NULL;
	return 0;
}

void lup_mkpatch_strv_free(struct lup_mkpatch_strv *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->nr = 0;
}

static int read_conf(const char *path, int depth, struct lup_mkpatch_strv *dirs);

/* "include PATTERN": a relative pattern is relative to the including file's directory. */
static int include_glob(const char *from, const char *pattern, int depth,
			struct lup_mkpatch_strv *dirs)
{
	char *dir = strdup(from), *full = NULL;
	bool ok = dir && (pattern[0] == '/' ||
			  asprintf(&full, "%s/%s", dirname(dir), pattern) >= 0);
	glob_t g;
	int ret = 0;

	free(dir);
	if (!ok)
		return -ENOMEM;
	if (glob(full ? full : pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; !ret && i < g.gl_pathc; i++)
			ret = read_conf(g.gl_pathv[i], depth + 1, dirs);
		globfree(&g);
	}
	free(full);
	return ret;
}

/* One line: "include PATTERN", "hwcap ..." (ignored), or directories. */
static int conf_line(const char *path, char *line, int depth, struct lup_mkpatch_strv *dirs)
{
	static const char *const blanks = " \t\r\n:,=";
	char *save = NULL, *w = strtok_r(line, blanks, &save);
	int ret = 0;

	if (!w || strcmp(w, "hwcap") == 0)
		return 0;
	if (strcmp(w, "include") == 0) {
		while (!ret && (w = strtok_r(NULL, " \t\r\n", &save)))
			ret = include_glob(path, w, depth, dirs);
		return ret;
	}
	for (; !ret && w; w = strtok_r(NULL, blanks, &save))
		if (w[0] == '/')
			ret = lup_mkpatch_strv_add(dirs, w, strlen(w));
	return ret;
}

/* A missing or unreadable file adds nothing, as for the loader's own ldconfig. */
static int read_conf(const char *path, int depth, struct lup_mkpatch_strv *dirs)
{
	FILE *f = depth < MAX_DEPTH ? fopen(path, "re") : NULL;
	char *line = NULL, *hash;
	size_t cap = 0;
	int ret = 0;

	if (!f) {
		pr_debug("%s: not read: %s", path, depth < MAX_DEPTH ? strerror(errno) : "nested too deep");
		return 0;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		ret = conf_line(path, line, depth, dirs);
	}
	free(line);
	fclose(f);
	return ret;
}

int lup_mkpatch_system_dirs(struct lup_mkpatch_strv *dirs)
{
	int ret = read_conf(LD_SO_CONF, 0, dirs);

	for (size_t i = 0; !ret && i < sizeof(builtin_dirs) / sizeof(builtin_dirs[0]); i++)
		ret = lup_mkpatch_strv_add(dirs, builtin_dirs[i], strlen(builtin_dirs[i]));
	return ret;
}
