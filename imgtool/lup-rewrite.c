/*
 * lup-rewrite: inspects a CRIU checkpoint directory (--show), lists the patches applied
 * to its processes (--list), applies patches to it and reverts them (--revert).
 * main() is a list of steps: parse the options, run the selected mode, map the
 * library's error to an exit status (imgtool/exit-status.h).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images/dump.h"
#include "util/err.h"
#include "exit-status.h"
#include "tool-setup.h"
#include "core/list.h"
#include "core/patch.h"
#include "images/archive.h"
#include "images/rewrite.h"
#include "images/show.h"
#include "util/root-path.h"
#include "core/patch-sign.h"

enum mode {
	MODE_NONE,
	MODE_SHOW,
	MODE_REWRITE,
	MODE_LIST,
	MODE_REVERT,
	MODE_ARCHIVE,
	MODE_HELP,
};

struct opts {
	enum mode mode;
	const char *dir;	/* the checkpoint directory; --archive: the archive */
	bool json;
	const char *out, *root;	/* rewrite, revert: -o, --root */
	const char *revert_id;	/* revert: --revert ID; NULL with --all */
	const char **patches;	/* rewrite: every -p, in order */
	size_t nr_patches;
};

/*
 * OUT_DIR inside IMG_DIR would change the input (and leave a parent link that loops):
 * refused, reported. OUT_DIR does not exist yet: its parent is resolved.
 */
static bool out_inside(const char *out, const char *in)
{
	char *abs = lup_abs_path(out), *parent = abs ? strdup(abs) : NULL;
	char real_in[PATH_MAX], real_parent[PATH_MAX];
	size_t n;
	bool inside = false;

	if (parent && realpath(in, real_in) && realpath(dirname(parent), real_parent)) {
		n = strlen(real_in);
		inside = !strncmp(real_parent, real_in, n) &&
			 (real_parent[n] == '/' || real_parent[n] == '\0');
	}
	if (inside)
		fprintf(stderr, "lup-rewrite: %s is inside %s: the output must be outside the input\n",
			out, in);
	free(abs);
	free(parent);
	return inside;
}

static void usage(FILE *out)
{
	fputs("usage: lup-rewrite --show DIR [--json]\n"
	      "       lup-rewrite -p PATCH [-p PATCH ...] -D IMG_DIR -o OUT_DIR [--root DIR]\n"
	      "                   [--trusted-keys DIR]\n"
	      "       lup-rewrite --list -D IMG_DIR [--json] [--root DIR]\n"
	      "       lup-rewrite --revert ID|--all -D IMG_DIR -o OUT_DIR [--root DIR]\n"
	      "       lup-rewrite -p PATCH [-p PATCH ...] --archive IN.tar -o OUT.tar [--root DIR]\n"
	      "  --show DIR   print the processes, threads, VMAs and pages of checkpoint DIR\n"
	      "  --json       print it as JSON\n"
	      "  -p PATCH     apply this patch (repeatable; applied in order)\n"
	      "  -D IMG_DIR   the checkpoint to patch (never modified)\n"
	      "  -o OUT_DIR   the new checkpoint, linked to IMG_DIR (must not exist)\n"
	      "  --root DIR   where the checkpoint's file paths resolve (default /)\n"
	      "  --trusted-keys DIR  public keys of the patch signers (default\n"
	      "               $LUP_TRUSTED_KEYS, else /etc/lup/keys.d)\n"
	      "  --list       print the patches applied to each process of IMG_DIR\n"
	      "  --revert ID  revert patch ID in every process that has it (--all: every patch)\n"
	      "  --archive IN a container checkpoint archive (podman's export, CRI-O's;\n"
	      "               .tar, .tar.gz, .tar.zst): patched whole into -o OUT, compressed as\n"
	      "               its name says; --root is the container image's root (default:\n"
	      "               the image of config.dump, mounted by podman)\n"
	      "See lup-rewrite(1).\n", out);
}

static int add_patch_path(struct opts *o, const char *path)
{
	const char **p = realloc(o->patches, (o->nr_patches + 1) * sizeof(*p));

	if (!p)
		return -1;
	o->patches = p;
	p[o->nr_patches++] = path;
	return 0;
}

/* 0, or LUP_EXIT_USAGE after a message. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "show", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "revert", required_argument, NULL, 'R' },
		{ "all", no_argument, NULL, 'a' },
		{ "archive", required_argument, NULL, 'A' },
		{ "trusted-keys", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "hp:D:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->mode = MODE_SHOW;
			o->dir = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			if (add_patch_path(o, optarg))
				return LUP_EXIT_FAIL;
			break;
		case 'D':
			o->dir = optarg;
			break;
		case 'A':
			o->mode = MODE_ARCHIVE;
			o->dir = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'T':
			lup_trust_use(optarg);
			break;
		case 'l':
			o->mode = MODE_LIST;
			break;
		case 'R':
		case 'a':
			o->mode = MODE_REVERT;
			o->revert_id = c == 'R' ? optarg : NULL;
			break;
		case 'h':
			o->mode = MODE_HELP;
			return 0;
		case 'V':
			lup_tool_version("lup-rewrite");
			exit(LUP_EXIT_OK);
		default:
			usage(stderr);
			return LUP_EXIT_USAGE;
		}
	}
	bool patching;

	if (o->mode == MODE_NONE && o->nr_patches)
		o->mode = MODE_REWRITE;
	patching = o->mode == MODE_REWRITE || o->mode == MODE_ARCHIVE;
	if (optind < argc || o->mode == MODE_NONE ||
	    (o->json && o->mode != MODE_SHOW && o->mode != MODE_LIST) ||
	    (patching || o->mode == MODE_REVERT) != (o->out != NULL) ||
	    (o->mode != MODE_SHOW && o->mode != MODE_HELP && !o->dir) ||
	    (o->root && o->mode == MODE_SHOW) || patching != !!o->nr_patches) {
		usage(stderr);
		return LUP_EXIT_USAGE;
	}
	return o->out && o->mode != MODE_ARCHIVE && out_inside(o->out, o->dir) ? LUP_EXIT_USAGE : 0;
}

static int run_show(const struct opts *o)
{
	struct lup_dump *d;
	int ret = lup_dump_open(o->dir, &d);

	if (ret)
		return ret;
	ret = lup_show(d, o->json ? LUP_SHOW_JSON : LUP_SHOW_TEXT, stdout);
	lup_dump_close(d);
	return ret;
}

static int rewrite_dir(const struct opts *o, LupPatch *const *patches)
{
	struct lup_rewrite_opts ro = { .img_dir = o->dir, .out_dir = o->out, .root = o->root,
				       .patches = patches, .nr_patches = o->nr_patches };

	return lup_rewrite(&ro);
}

static int rewrite_archive(const struct opts *o, LupPatch *const *patches)
{
	struct lup_archive_opts ao = { .in = o->dir, .out = o->out, .root = o->root,
				       .patches = patches, .nr_patches = o->nr_patches };

	return lup_rewrite_archive(&ao);
}

/* Reads and checks every -p, then rewrites with them (a directory or an archive). */
static int run_rewrite(const struct opts *o)
{
	LupPatch **patches = calloc(o->nr_patches, sizeof(*patches));
	int ret = patches ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < o->nr_patches; i++)
		ret = lup_patch_read(o->patches[i], &patches[i]);
	if (!ret)
		ret = o->mode == MODE_ARCHIVE ? rewrite_archive(o, patches) : rewrite_dir(o, patches);
	for (size_t i = 0; patches && i < o->nr_patches; i++)
		if (patches[i])
			lup_patch_free(patches[i]);
	free(patches);
	return ret;
}

static int run_list(const struct opts *o)
{
	return lup_list_dump(o->dir, o->root, o->json ? LUP_LIST_JSON : LUP_LIST_TEXT, stdout);
}

static int run_revert(const struct opts *o)
{
	struct lup_revert_opts ro = { .img_dir = o->dir, .out_dir = o->out, .root = o->root,
				      .id = o->revert_id };
	return lup_revert(&ro);
}

int main(int argc, char **argv)
{
	struct opts o = { MODE_NONE };
	int ret = lup_tool_setup();

	if (!ret)
		ret = parse_opts(argc, argv, &o);
	if (ret) {
		free(o.patches);
		return ret;
	}
	switch (o.mode) {
	case MODE_SHOW:
		ret = run_show(&o);
		break;
	case MODE_REWRITE:
	case MODE_ARCHIVE:
		ret = run_rewrite(&o);
		break;
	case MODE_LIST:
		ret = run_list(&o);
		break;
	case MODE_REVERT:
		ret = run_revert(&o);
		break;
	case MODE_HELP:
		usage(stdout);
		break;
	case MODE_NONE:
		break;
	}
	free(o.patches);
	return lup_exit_report("lup-rewrite", ret);
}
