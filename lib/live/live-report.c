/* Reports of `lup patch` and `lup revert`: step times for people, one JSON object for programs. */
#include <stdio.h>

#include "util/json.h"
#include "util/err.h"
#include "live/live-priv.h"
#include "live/live.h"

/* For people. */
static const char *const state_texts[] = {
	[LUP_LIVE_UNTOUCHED] = "was not changed",
	[LUP_LIVE_ORIGINAL] = "restored unchanged from its original images",
	[LUP_LIVE_LOST] = "LOST (not restored)",
	[LUP_LIVE_PARTIAL] = "partly changed (see the processes below)",
};

/* For programs. */
static const char *const state_names[] = {
	[LUP_LIVE_UNTOUCHED] = "untouched",
	[LUP_LIVE_ORIGINAL] = "original",
	[LUP_LIVE_LOST] = "lost",
	[LUP_LIVE_PARTIAL] = "partial",
};

static const char *const transport_names[] = {
	[LUP_LIVE_INPLACE] = "in-place",
	[LUP_LIVE_CHECKPOINT] = "checkpoint",
	[LUP_LIVE_CONTAINER] = "container checkpoint",
};

/* What a round that succeeded did. */
static const char *done(const struct lup_live_result *res)
{
	return res->op == LUP_LIVE_OP_REVERT ? "reverted" : "patched";
}

static const char *state_text(const struct lup_live_result *res)
{
	return res->state == LUP_LIVE_PATCHED ? done(res) : state_texts[res->state];
}

static const char *state_name(const struct lup_live_result *res)
{
	return res->state == LUP_LIVE_PATCHED ? done(res) : state_names[res->state];
}

static void print_step(FILE *f, const char *name, double ms, const char *sep)
{
	if (ms >= 0)
		fprintf(f, "%s%s %.1f ms", sep, name, ms);
}

static void print_procs(FILE *f, const struct lup_live_result *res)
{
	for (size_t i = 0; res->state == LUP_LIVE_PARTIAL && i < res->nr_procs; i++)
		fprintf(f, "lup:   process %d %s\n", (int)res->procs[i].pid,
			res->procs[i].changed ? done(res) : lup_strerror(res->procs[i].err));
}

void lup_live_print_times(FILE *f, const struct lup_live_result *res)
{
	for (unsigned i = 0; i < res->nr_tries; i++) {
		const struct lup_live_try *t = &res->tries[i];

		fprintf(f, "lup: try %u: %s:", i + 1, t->err ? lup_strerror(t->err) : done(res));
		print_step(f, "dump", t->dump_ms, " ");
		print_step(f, "reap wait", t->reap_ms, ", ");
		print_step(f, "rewrite", t->rewrite_ms, ", ");
		print_step(f, "restore", t->restore_ms, ", ");
		print_step(f, "stop", t->stop_ms, " ");
		print_step(f, "check", t->check_ms, ", ");
		print_step(f, "write", t->write_ms, ", ");
		print_step(f, "resume", t->resume_ms, ", ");
		print_step(f, "frozen", t->frozen_ms, "; ");
		fputc('\n', f);
	}
	fprintf(f, "lup: process %d %s %s after %u tr%s in %.1f ms\n", (int)res->pid,
		state_text(res), res->transport == LUP_LIVE_INPLACE ? "in place" : "through a checkpoint",
		res->nr_tries, res->nr_tries == 1 ? "y" : "ies", res->total_ms);
	print_procs(f, res);
}

/* "name": ms, or null for a step that did not run. */
static void print_json_ms(FILE *f, const char *name, double ms)
{
	if (ms >= 0)
		fprintf(f, "\"%s\": %.3f, ", name, ms);
	else
		fprintf(f, "\"%s\": null, ", name);
}

/* The transport's steps, then frozen_ms. */
static void print_json_times(FILE *f, enum lup_live_transport tr, const struct lup_live_try *t)
{
	if (tr == LUP_LIVE_CHECKPOINT) {
		print_json_ms(f, "dump_ms", t->dump_ms);
		print_json_ms(f, "reap_ms", t->reap_ms);
		print_json_ms(f, "rewrite_ms", t->rewrite_ms);
		print_json_ms(f, "restore_ms", t->restore_ms);
	} else {
		print_json_ms(f, "stop_ms", t->stop_ms);
		print_json_ms(f, "check_ms", t->check_ms);
		print_json_ms(f, "write_ms", t->write_ms);
		print_json_ms(f, "resume_ms", t->resume_ms);
	}
	print_json_ms(f, "frozen_ms", t->frozen_ms);
}

static void print_json_procs(FILE *f, const struct lup_live_result *res)
{
	fputs(", \"processes\": [", f);
	for (size_t i = 0; i < res->nr_procs; i++) {
		fprintf(f, "%s{\"pid\": %d, \"changed\": %s, \"error\": ", i ? ", " : "",
			(int)res->procs[i].pid, res->procs[i].changed ? "true" : "false");
		if (res->procs[i].err)
			lup_json_str(f, lup_strerror(res->procs[i].err));
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputc(']', f);
}

static void print_json_try(FILE *f, const struct lup_live_result *res, const struct lup_live_try *t)
{
	fputc('{', f);
	print_json_times(f, res->transport, t);
	fputs("\"result\": ", f);
	lup_json_str(f, t->err ? lup_strerror(t->err) : done(res));
	fputc('}', f);
}

void lup_live_print_json(FILE *f, const struct lup_live_result *res)
{
	fprintf(f, "{\"pid\": %d, \"transport\": \"%s\", \"state\": \"%s\", \"error\": ",
		(int)res->pid, transport_names[res->transport], state_name(res));
	if (res->err)
		lup_json_str(f, lup_strerror(res->err));
	else
		fputs("null", f);
	fputs(", \"images\": ", f);
	if (res->images)
		lup_json_str(f, res->images);
	else
		fputs("null", f);
	fprintf(f, ", \"tries\": %u, \"total_ms\": %.3f, ", res->nr_tries, res->total_ms);
	print_json_times(f, res->transport,
			 res->nr_tries ? &res->tries[res->nr_tries - 1] : &lup_live_try_none);
	fputs("\"attempts\": [", f);
	for (unsigned i = 0; i < res->nr_tries; i++) {
		fputs(i ? ", " : "", f);
		print_json_try(f, res, &res->tries[i]);
	}
	fputc(']', f);
	if (res->transport == LUP_LIVE_INPLACE)
		print_json_procs(f, res);
	fputs("}\n", f);
}
