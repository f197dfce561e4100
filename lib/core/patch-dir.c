/* Loading every patch file of a directory, in name order, rejecting duplicate ids. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/log.h"
#include "core/patch-dir.h"

static int is_patch_name(const struct dirent *de)
{
	size_t n = strlen(de->d_name), s = strlen(LUP_PATCH_SUFFIX);

	return de->d_name[0] != '.' && n > s && !strcmp(de->d_name + n - s, LUP_PATCH_SUFFIX);
}

void lup_patch_set_free(struct lup_patch_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++) {
		lup_patch_free(s->patches[i]);
		free(s->paths[i]);
	}
	free(s->patches);
	free(s->paths);
	free(s->dir);
	free(s);
}

static int check_unique_id(const struct lup_patch_set *s, const char *path, const LupPatch *p)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->patches[i]->id, p->id)) {
			pr_err("%s: patch id '%s' is also the id of %s", path, p->id, s->paths[i]);
			return -LUP_EBADPATCH;
		}
	}
	return 0;
}

/* Reads DIR/NAME into slot s->nr when it is a regular file. */
static int load_one(struct lup_patch_set *s, const char *name)
{
	struct stat st;
	LupPatch *p;
	char *path;
	int ret;

	if (asprintf(&path, "%s/%s", s->dir, name) < 0)
		return -ENOMEM;
	if (stat(path, &st) < 0) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		ret = -LUP_EBADPATCH;
		pr_err("%s: not a regular file", path);
	} else {
		ret = lup_patch_read(path, &p);
	}
	if (!ret && (ret = check_unique_id(s, path, p)) < 0)
		lup_patch_free(p);
	if (ret < 0) {
		free(path);
		return ret;
	}
	s->patches[s->nr] = p;
	s->paths[s->nr++] = path;
	return 0;
}

static int load_entries(struct lup_patch_set *s, struct dirent **ents, int n)
{
	int i, ret;

	s->patches = calloc(n ? n : 1, sizeof(*s->patches));
	s->paths = calloc(n ? n : 1, sizeof(*s->paths));
	if (!s->patches || !s->paths)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = load_one(s, ents[i]->d_name);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int lup_patch_dir_load(const char *dir, struct lup_patch_set **out)
{
	struct lup_patch_set *s;
	struct dirent **ents;
	int n, i, ret;

	n = scandir(dir, &ents, is_patch_name, alphasort);
	if (n < 0) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_err("%s: cannot read the patch directory: %s", dir, strerror(errno));
		return ret;
	}
	s = calloc(1, sizeof(*s));
	ret = s && (s->dir = strdup(dir)) ? load_entries(s, ents, n) : -ENOMEM;
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (ret < 0) {
		lup_patch_set_free(s);
		return ret;
	}
	*out = s;
	return 0;
}
