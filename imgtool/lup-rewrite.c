/*
 * lup-rewrite: inspects a CRIU checkpoint directory (--show) and applies patches to it.
 * main() is a list of steps: parse the options, run the selected mode, map the
 * library's error to an exit status (imgtool/exit-status.h).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "dump.h"
#include "err.h"
#include "exit-status.h"
#include "show.h"

enum mode {
	MODE_NONE,
	MODE_SHOW,
	MODE_HELP,
};

struct opts {
	enum mode mode;
	const char *dir;	/* the checkpoint directory */
	bool json;
};

static void usage(FILE *out)
{
	fputs("usage: lup-rewrite --show DIR [--json]\n"
	      "  --show DIR   print the processes, threads, VMAs and pages of checkpoint DIR\n"
	      "  --json       print it as JSON\n"
	      "See lup-rewrite(1).\n", out);
}

/* 0, or LUP_EXIT_USAGE after a message. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "show", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->mode = MODE_SHOW;
			o->dir = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			o->mode = MODE_HELP;
			return 0;
		default:
			usage(stderr);
			return LUP_EXIT_USAGE;
		}
	}
	if (optind < argc || o->mode == MODE_NONE || (o->json && o->mode != MODE_SHOW)) {
		usage(stderr);
		return LUP_EXIT_USAGE;
	}
	return 0;
}

static int run_show(const struct opts *o)
{
	struct lup_dump *d;
	int ret = lup_dump_open(o->dir, &d);

	if (ret)
		return ret;
	ret = lup_show(d, o->json ? LUP_SHOW_JSON : LUP_SHOW_TEXT, stdout);
	if (ret)
		fprintf(stderr, "lup-rewrite: stdout: %s\n", lup_strerror(ret));
	lup_dump_close(d);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { MODE_NONE };
	int ret = parse_opts(argc, argv, &o);

	if (ret)
		return ret;
	switch (o.mode) {
	case MODE_SHOW:
		ret = run_show(&o);
		break;
	case MODE_HELP:
		usage(stdout);
		break;
	case MODE_NONE:
		break;
	}
	return lup_exit_status(ret);
}
