/*
 * lup list / lup-rewrite --list: per process, the patches applied to it (from the
 * records in its memory), the file each one patched, and where each replaced function
 * jumps to. Record strings are validated printable; JSON needs only " and \ escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "json.h"
#include "dump.h"
#include "list.h"
#include "live-priv.h"
#include "mem.h"
#include "record.h"

static void put_hex(FILE *out, const ProtobufCBinaryData *b)
{
	for (size_t i = 0; i < b->len; i++)
		fprintf(out, "%02x", b->data[i]);
}

static void put_time(FILE *out, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(buf, out);
	else
		fprintf(out, "%" PRIu64, t);
}

/* The file mapped at the first replaced function: what the patch patched. */
static const char *patched_file(const struct lup_space *s, const LupRecord *r)
{
	const struct lup_space_vma *v = lup_space_find(s, r->funcs[0]->addr);

	return v && v->path ? v->path : r->target_name;
}

static void text_record(FILE *out, const struct lup_space *s, const LupRecord *r)
{
	fprintf(out, "  %s: %s build-id ", r->id, patched_file(s, r));
	put_hex(out, &r->target_build_id);
	fputs(" applied ", out);
	put_time(out, r->applied);
	fprintf(out, " seq %" PRIu64 " image %#" PRIx64 "+%#" PRIx64 "\n", r->seq, r->image_addr,
		r->image_size);
	for (size_t i = 0; i < r->n_expects; i++)
		fprintf(out, "    expects %s\n", r->expects[i]);
	for (size_t i = 0; i < r->n_funcs; i++) {
		const LupRecordFunc *f = r->funcs[i];

		fprintf(out, "    %s %#" PRIx64 " -> %#" PRIx64 " over %s\n", f->name, f->addr,
			f->new_addr, f->below ? f->below : "the original code");
	}
}

static void json_func(FILE *out, const LupRecordFunc *f)
{
	fputs("{\"name\": ", out);
	lup_json_str(out, f->name);
	fprintf(out, ", \"addr\": \"%#" PRIx64 "\", \"new\": \"%#" PRIx64 "\", \"below\": ",
		f->addr, f->new_addr);
	if (f->below)
		lup_json_str(out, f->below);
	else
		fputs("null", out);
	fputc('}', out);
}

static void json_record(FILE *out, const struct lup_space *s, const LupRecord *r)
{
	size_t i;

	fputs("{\"id\": ", out);
	lup_json_str(out, r->id);
	fputs(", \"file\": ", out);
	lup_json_str(out, patched_file(s, r));
	fputs(", \"target\": ", out);
	lup_json_str(out, r->target_name);
	fputs(", \"build_id\": \"", out);
	put_hex(out, &r->target_build_id);
	fprintf(out, "\", \"applied\": %" PRIu64 ", \"seq\": %" PRIu64 ", \"record\": \"%#" PRIx64
		"\", \"image\": \"%#" PRIx64 "\", \"image_size\": %" PRIu64 ", \"expects\": [",
		r->applied, r->seq, r->self, r->image_addr, r->image_size);
	for (i = 0; i < r->n_expects; i++) {
		fputs(i ? ", " : "", out);
		lup_json_str(out, r->expects[i]);
	}
	fputs("], \"funcs\": [", out);
	for (i = 0; i < r->n_funcs; i++) {
		fputs(i ? ", " : "", out);
		json_func(out, r->funcs[i]);
	}
	fputs("]}", out);
}

static void print_proc(FILE *out, enum lup_list_format fmt, bool first, const struct lup_space *s,
		       const struct lup_records *rs)
{
	bool json = fmt == LUP_LIST_JSON;
	size_t i;

	if (json)
		fprintf(out, "%s\n  {\"pid\": %d, \"patches\": [", first ? "" : ",", (int)s->pid);
	else
		fprintf(out, "%s: %zu patch%s\n", s->name, rs->nr, rs->nr == 1 ? "" : "es");
	for (i = 0; i < rs->nr; i++) {
		if (json) {
			fputs(i ? ",\n    " : "\n    ", out);
			json_record(out, s, rs->r[i]);
		} else {
			text_record(out, s, rs->r[i]);
		}
	}
	fputs(json ? "]}" : "", out);
}

static int list_space(FILE *out, enum lup_list_format fmt, bool first, const struct lup_space *s)
{
	struct lup_records rs;
	int ret = lup_records_find(s, &rs);

	if (ret)
		return ret;
	print_proc(out, fmt, first, s, &rs);
	lup_records_free(&rs);
	return 0;
}

static int finish(FILE *out, enum lup_list_format fmt, int ret)
{
	if (fmt == LUP_LIST_JSON)
		fputs("\n]}\n", out);
	if ((fflush(out) || ferror(out)) && !ret)
		ret = -EIO;
	return ret;
}

static int list_dump_proc(FILE *out, enum lup_list_format fmt, bool first,
			  const struct lup_dump *d, const struct lup_proc *p, const char *root)
{
	struct lup_space *s = NULL;
	struct lup_mem *m = NULL;
	int ret = lup_mem_open(d, p, root, &m);

	if (!ret)
		ret = lup_space_dump(d, p, m, &s);
	if (!ret)
		ret = list_space(out, fmt, first, s);
	lup_space_free(s);
	if (m)
		lup_mem_close(m);
	return ret;
}

int lup_list_dump(const char *dir, const char *root, enum lup_list_format fmt, FILE *out)
{
	struct lup_dump *d;
	size_t i;
	int ret = lup_dump_open(dir, &d);

	if (ret)
		return ret;
	if (fmt == LUP_LIST_JSON)
		fputs("{\"processes\": [", out);
	for (i = 0; !ret && i < d->nr_procs; i++)
		ret = list_dump_proc(out, fmt, i == 0, d, &d->procs[i], root);
	lup_dump_close(d);
	return finish(out, fmt, ret);
}

int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out)
{
	struct lup_live_tree t;
	size_t i;
	int ret = lup_live_tree_read(pid, &t);

	if (ret)
		return ret;
	if (fmt == LUP_LIST_JSON)
		fputs("{\"processes\": [", out);
	for (i = 0; !ret && i < t.nr; i++) {
		struct lup_space *s = NULL;

		ret = lup_space_live(t.pids[i], &s);
		if (!ret)
			ret = list_space(out, fmt, i == 0, s);
		lup_space_free(s);
	}
	lup_live_tree_free(&t);
	return finish(out, fmt, ret);
}
