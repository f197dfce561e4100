/* The summary of lup-mkpatch --diff: one line per function or variable, and the times. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/log.h"
#include "util/err.h"
#include "mkpatch/diff/report.h"

static const char *const role_names[] = {
	[LUP_DIFF_REPLACED] = "replaced", [LUP_DIFF_NEW_FUNC] = "new",
	[LUP_DIFF_NEW_DATA] = "added data", [LUP_DIFF_FOLLOWED] = "followed",
	[LUP_DIFF_IGNORED] = "ignored", [LUP_DIFF_REFUSED] = "refused",
};
static const char *const json_keys[] = {
	[LUP_DIFF_REPLACED] = "replaced", [LUP_DIFF_NEW_FUNC] = "new_functions",
	[LUP_DIFF_NEW_DATA] = "new_data", [LUP_DIFF_FOLLOWED] = "followed",
	[LUP_DIFF_IGNORED] = "ignored", [LUP_DIFF_REFUSED] = "refused",
};

int lup_diff_report_add(struct lup_diff_report *r, enum lup_diff_role role, const char *name,
			const char *file, const char *fmt, ...)
{
	struct lup_diff_entry e = { role, strdup(name), strdup(file ? file : ""), NULL }, *v;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&e.why, fmt, ap);
	va_end(ap);
	v = n >= 0 && e.name && e.file ? realloc(r->v, (r->nr + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(e.name);
		free(e.file);
		if (n >= 0)
			free(e.why);
		return -ENOMEM;
	}
	r->v = v;
	r->v[r->nr++] = e;
	return 0;
}

size_t lup_diff_report_count(const struct lup_diff_report *r, enum lup_diff_role role)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr; i++)
		n += r->v[i].role == role;
	return n;
}

void lup_diff_report_print(const struct lup_diff_report *r, const char *out, int result)
{
	for (size_t i = 0; i < r->nr; i++)
		if (r->v[i].role == LUP_DIFF_REFUSED)
			pr_err("%s: refused: %s%s%s", r->v[i].file, r->v[i].name,
			       *r->v[i].name ? ": " : "", r->v[i].why);
	for (int role = LUP_DIFF_REPLACED; role < LUP_DIFF_REFUSED; role++)
		for (size_t i = 0; i < r->nr; i++)
			if (r->v[i].role == (enum lup_diff_role)role)
				pr_info("%-10s %s (%s)%s%s", role_names[role], r->v[i].name,
					r->v[i].file, *r->v[i].why ? ": " : "", r->v[i].why);
	pr_info("%s: %s; builds %.1f s and %.1f s, %.1f s in all", out,
		result ? "not written" : "written", r->seconds[0], r->seconds[1], r->seconds[2]);
}

static void json_list(FILE *f, const struct lup_diff_report *r, enum lup_diff_role role)
{
	bool first = true;

	fprintf(f, ",\"%s\":[", json_keys[role]);
	for (size_t i = 0; i < r->nr; i++) {
		if (r->v[i].role != role)
			continue;
		fputs(first ? "{\"name\":" : ",{\"name\":", f);
		lup_json_str(f, r->v[i].name);
		fputs(",\"file\":", f);
		lup_json_str(f, r->v[i].file);
		fputs(",\"why\":", f);
		lup_json_str(f, r->v[i].why);
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
}

static void json_names(FILE *f, char *const *names, size_t nr)
{
	fputs(",\"functions\":[", f);
	for (size_t i = 0; i < nr; i++) {
		if (i)
			fputc(',', f);
		lup_json_str(f, names[i]);
	}
	fputc(']', f);
}

int lup_diff_report_json(const struct lup_diff_report *r, const char *path, const char *out,
			 int result, char *const *funcs, size_t nr_funcs)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	int ret = 0;

	if (!f) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	fputs("{\"patch\":", f);
	lup_json_str(f, out);
	fprintf(f, ",\"written\":%s,\"status\":", result ? "false" : "true");
	lup_json_str(f, result ? lup_strerror(result) : "ok");
	json_names(f, funcs, nr_funcs);
	for (int role = LUP_DIFF_REPLACED; role <= LUP_DIFF_REFUSED; role++)
		json_list(f, r, (enum lup_diff_role)role);
	fprintf(f, ",\"seconds\":{\"build_original\":%.3f,\"build_fixed\":%.3f,\"total\":%.3f}}\n",
		r->seconds[0], r->seconds[1], r->seconds[2]);
	if ((f != stdout && fclose(f)) || (f == stdout && fflush(f)))
		ret = -EIO;
	return ret;
}

void lup_diff_report_free(struct lup_diff_report *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		free(r->v[i].name);
		free(r->v[i].file);
		free(r->v[i].why);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
