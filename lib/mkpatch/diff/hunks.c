/* Reading a unified diff's file names and hunk headers (git's, quilt's, diff -u's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/hunks.h"

/* "+++ b/dir/f.c\t2024-..." -> "dir/f.c" for strip 1; NULL for /dev/null or too short. */
static char *new_name(const char *line, int strip)
{
	const char *p = line + 4;
	size_t len = strcspn(p, "\t\n");

	if (len == 9 && strncmp(p, "/dev/null", 9) == 0)
		return NULL;
	for (int i = 0; i < strip; i++) {
		const char *slash = memchr(p, '/', len);

		if (!slash)
			return NULL;
		len -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	return len ? strndup(p, len) : NULL;
}

/* name NULL (/dev/null: a file the fix deletes): the hunks under it are skipped. */
static int add_file(struct lup_hunks *h, char *name)
{
	char **v = realloc(h->files, (h->nr_files + 1) * sizeof(*v));

	if (!v) {
		free(name);
		return -ENOMEM;
	}
	h->files = v;
	h->files[h->nr_files++] = name;
	return 0;
}

/* "-a[,b] +c[,d]" of a hunk header; a missing count is 1. */
static bool parse_header(const char *line, unsigned *a, unsigned *b, unsigned *c, unsigned *d)
{
	const char *plus = strchr(line, '+');

	*b = *d = 1;
	if (sscanf(line, "@@ -%u,%u", a, b) < 1 || !plus)
		return false;
	return sscanf(plus, "+%u,%u", c, d) >= 1;
}

/* "@@ -a,b +c,d @@": lines c .. c+d-1 (a deletion only: the line at c). */
static int add_hunk(struct lup_hunks *h, const char *line)
{
	unsigned a, b, c, d;
	struct lup_line_range *v;
	struct lup_hunk_old *o;

	if (!h->nr_files || !h->files[h->nr_files - 1] || !parse_header(line, &a, &b, &c, &d))
		return 0;
	v = realloc(h->v, (h->nr + 1) * sizeof(*v));
	if (v)
		h->v = v;
	o = v ? realloc(h->old, (h->nr + 1) * sizeof(*o)) : NULL;
	if (!o)
		return -ENOMEM;
	h->old = o;
	h->v[h->nr] = (struct lup_line_range){ h->files[h->nr_files - 1], c, d ? c + d - 1 : c };
	h->old[h->nr++] = (struct lup_hunk_old){ a, b, (int)d - (int)b };
	return 0;
}

bool lup_hunks_moved(const struct lup_hunks *h, const char *file, unsigned old_line,
		     unsigned new_line)
{
	long shift = 0;

	for (size_t i = 0; i < h->nr; i++) {
		const struct lup_hunk_old *o = &h->old[i];

		if (strcmp(h->v[i].file, file))
			continue;
		if (old_line >= o->first && old_line < o->first + (o->count ? o->count : 1))
			return false;
		if (old_line >= o->first + o->count)
			shift += o->shift;
	}
	return shift && (long)old_line + shift == (long)new_line;
}

int lup_hunks_read(const char *fix, int strip, struct lup_hunks *out)
{
	FILE *f = fopen(fix, "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!f) {
		ret = -errno;
		pr_err("%s: %s", fix, strerror(errno));
		return ret;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "+++ ", 4) == 0)
			ret = add_file(out, new_name(line, strip));	/* NULL: hunks skipped */
		else if (strncmp(line, "@@ ", 3) == 0)
			ret = add_hunk(out, line);
	}
	free(line);
	fclose(f);
	if (!ret && !out->nr) {
		pr_err("%s: not a unified diff (no \"+++\" file with a \"@@\" hunk)", fix);
		ret = -LUP_EBADPATCH;
	}
	return ret;
}

void lup_hunks_free(struct lup_hunks *h)
{
	for (size_t i = 0; i < h->nr_files; i++)
		free(h->files[i]);
	free(h->files);
	free(h->v);
	free(h->old);
	memset(h, 0, sizeof(*h));
}
