/* lup-mkpatch: builds a lup patch from C sources for a target ELF; --dump lists a patch. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "exit-status.h"
#include "tool-setup.h"
#include "mkpatch/mkpatch.h"
#include "mkpatch/diff/cc-wrap.h"
#include "core/patch-sign.h"

static void usage(FILE *f)
{
	fputs("usage: lup-mkpatch -t TARGET_ELF -o OUT.lup [--id ID] [--expects ID]...\n"
	      "                   [--no-library-check] [--debug-file FILE | --debug-dir DIR]\n"
	      "                   [--sign KEY.pem] SRC.c... [-- COMPILER_FLAGS...]\n"
	      "       lup-mkpatch -t TARGET_ELF --diff FIX.patch --src SRCDIR [--build CMD] [-p N]\n"
	      "                   [--on APPLIED.lup]... [--json] -o OUT.lup [options above]\n"
	      "       lup-mkpatch --dump PATCH.lup [--trusted-keys DIR]\n"
	      "The compiler is $CC (default gcc). See lup-mkpatch(1).\n", f);
}

static int dump(const char *path)
{
	LupPatch *p;
	int ret = lup_patch_read(path, &p);

	if (ret)
		return lup_exit_report("lup-mkpatch", ret);
	lup_patch_dump(p, stdout);
	lup_patch_free(p);
	return fflush(stdout) ? LUP_EXIT_FAIL : LUP_EXIT_OK;
}

/* Signals wait until the temporary files are gone; the compiler gets them at once. */
static int make_patch(const struct lup_mkpatch_opts *o)
{
	sigset_t block, old;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	ret = lup_mkpatch(o);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return lup_exit_report("lup-mkpatch", ret);
}

static int parse_strip(const char *s, int *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || end == s || n < 0 || n > 64)
		return -1;
	*out = (int)n;
	return 0;
}

/*
 * Options before "--"; what follows it goes to the compiler. expects and ons have room
 * for argc entries (each --expects or --on takes an argument).
 */
static int parse(int argc, char **argv, struct lup_mkpatch_opts *o, const char **dump_path,
		 char **expects, char **ons)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "id", required_argument, NULL, 'i' },
		{ "expects", required_argument, NULL, 'e' },
		{ "dump", required_argument, NULL, 'd' },
		{ "no-library-check", no_argument, NULL, 'L' },
		{ "debug-file", required_argument, NULL, 'g' },
		{ "debug-dir", required_argument, NULL, 'r' },
		{ "sign", required_argument, NULL, 's' },
		{ "trusted-keys", required_argument, NULL, 'T' },
		{ "diff", required_argument, NULL, 'D' },
		{ "src", required_argument, NULL, 'S' },
		{ "build", required_argument, NULL, 'B' },
		{ "on", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int end = 1, c;

	while (end < argc && strcmp(argv[end], "--"))
		end++;
	if (end < argc) {
		o->cflags = argv + end + 1;
		o->nr_cflags = (size_t)(argc - end - 1);
	}
	while ((c = getopt_long(end, argv, "t:o:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->target = optarg; break;
		case 'o': o->out = optarg; break;
		case 'i': o->id = optarg; break;
		case 'e': expects[o->nr_expects++] = optarg; break;
		case 'd': *dump_path = optarg; break;
		case 'L': o->no_library_check = true; break;
		case 'g': o->debug_file = optarg; break;
		case 'r': o->debug_dir = optarg; break;
		case 's': o->sign_key = optarg; break;
		case 'T': lup_trust_use(optarg); break;
		case 'D': o->diff = optarg; break;
		case 'S': o->srcdir = optarg; break;
		case 'B': o->build_cmd = optarg; break;
		case 'O': ons[o->nr_ons++] = optarg; break;
		case 'J': o->json = "-"; break;
		case 'p':
			if (parse_strip(optarg, &o->strip))
				return -1;
			break;
		case 'h': usage(stdout); exit(LUP_EXIT_OK);
		case 'V': lup_tool_version("lup-mkpatch"); exit(LUP_EXIT_OK);
		default: return -1;
		}
	}
	o->srcs = argv + optind;
	o->nr_srcs = (size_t)(end - optind);
	if (*dump_path)
		return optind == end && !o->target && !o->out ? 0 : -1;
	if (o->diff || o->srcdir)
		return o->target && o->out && o->diff && o->srcdir && !o->nr_srcs ? 0 : -1;
	return o->target && o->out && o->nr_srcs && !o->nr_ons && !o->build_cmd ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct lup_mkpatch_opts o = { .cc = getenv("CC"), .strip = 1 };
	const char *dump_path = NULL;
	char **expects, **ons;
	int ret;

	/* inside a build of --diff, under a compiler's name: the wrapper */
	if (lup_cc_is_wrapper(argv[0]))
		return lup_cc_wrap(argc, argv);
	expects = calloc((size_t)argc, sizeof(*expects));
	ons = calloc((size_t)argc, sizeof(*ons));
	ret = expects && ons ? lup_tool_setup() : LUP_EXIT_FAIL;
	o.expects = expects;
	o.ons = ons;
	if (!ret && parse(argc, argv, &o, &dump_path, expects, ons)) {
		usage(stderr);
		ret = LUP_EXIT_USAGE;
	}
	if (!ret)
		ret = dump_path ? dump(dump_path) : make_patch(&o);
	free(expects);
	free(ons);
	return ret;
}
