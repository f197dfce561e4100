/*
 * lup list / lup-rewrite --list: per process, the patches applied to it (from the
 * records in its memory), the file each one patched, and where each replaced function
 * jumps to. Record strings are validated printable; JSON needs only " and \ escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "util/err.h"
#include "util/json.h"
#include "core/list.h"
#include "core/record.h"
#include "core/view.h"

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
static const char *patched_file(const struct lup_view *v, const LupRecord *r)
{
	const char *path = lup_view_path_at(v, r->funcs[0]->addr);

	return path ? path : r->target_name;
}

static void text_record(FILE *out, const struct lup_view *v, const LupRecord *r)
{
	fprintf(out, "  %s: %s build-id ", r->id, patched_file(v, r));
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

static void json_record(FILE *out, const struct lup_view *v, const LupRecord *r)
{
	size_t i;

	fputs("{\"id\": ", out);
	lup_json_str(out, r->id);
	fputs(", \"file\": ", out);
	lup_json_str(out, patched_file(v, r));
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

static void print_proc(FILE *out, enum lup_list_format fmt, bool first, const struct lup_view *v,
		       const struct lup_records *rs)
{
	bool json = fmt == LUP_LIST_JSON;
	size_t i;

	if (json)
		fprintf(out, "%s\n  {\"pid\": %d, \"patches\": [", first ? "" : ",", (int)v->pid);
	else
		fprintf(out, "%s: %zu patch%s\n", v->who, rs->nr, rs->nr == 1 ? "" : "es");
	for (i = 0; i < rs->nr; i++) {
		if (json) {
			fputs(i ? ",\n    " : "\n    ", out);
			json_record(out, v, rs->r[i]);
		} else {
			text_record(out, v, rs->r[i]);
		}
	}
	fputs(json ? "]}" : "", out);
}

int lup_list_view(FILE *out, enum lup_list_format fmt, bool first, bool skip_empty,
		  struct lup_view *v)
{
	struct lup_records rs;
	int ret = lup_records_find(v, &rs);

	if (ret)
		return ret;
	ret = !skip_empty || rs.nr;
	if (ret)
		print_proc(out, fmt, first, v, &rs);
	lup_records_free(&rs);
	return ret;
}

void lup_list_begin(FILE *out, enum lup_list_format fmt)
{
	if (fmt == LUP_LIST_JSON)
		fputs("{\"processes\": [", out);
}

int lup_list_end(FILE *out, enum lup_list_format fmt, int ret)
{
	/* JSON even on an error: what failed, beside what was listed before it. */
	if (fmt == LUP_LIST_JSON && ret) {
		fputs("\n], \"error\": ", out);
		lup_json_str(out, lup_strerror(ret));
		fputs("}\n", out);
	} else if (fmt == LUP_LIST_JSON) {
		fputs("\n]}\n", out);
	}
	if ((fflush(out) || ferror(out)) && !ret)
		ret = -EIO;
	return ret;
}
