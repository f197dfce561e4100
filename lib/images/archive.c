/*
 * Checkpoint archives, as podman exports them (`podman container checkpoint --export`)
 * and CRI-O writes them for the kubelet (the same layout): checkpoint/ (CRIU's images),
 * config.dump, spec.dump, rootfs-diff.tar (the container's changes to its image), ...
 * The archive is unpacked in a temporary directory, checkpoint/ is patched in place (the
 * originals kept in checkpoint/lup-orig/, so the archive needs nothing outside it), and
 * everything is packed again; the input is never changed. The files of the processes
 * resolve in rootfs-diff over the image's root: --root, else (podman) the image of
 * config.dump mounted with `podman image mount`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "images/archive.h"
#include "images/rewrite.h"
#include "images/swap.h"
#include "util/err.h"
#include "util/log.h"
#include "util/root-path.h"
#include "util/run.h"

#define NEW_DIR ".lup-new"
#define MAX_OUTPUT 65536

/* Runs argv; 0, or -LUP_EBADIMG (reported with what it said) when it fails. */
static int run(const char *what, char *const argv[])
{
	char *out;
	int st = lup_run_capture(argv, LUP_RUN_CAPTURE_STDERR, MAX_OUTPUT, &out);

	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(out);
		return 0;
	}
	if (out)
		out[strcspn(out, "\n")] = '\0';	/* its first line: one line per error */
	pr_err("%s: %s failed: %s", what, argv[0], st < 0 ? strerror(-st) : out ? out : "");
	free(out);
	return st < 0 ? st : -LUP_EBADIMG;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

/* The temporary directory: in/ (the archive's content), diff/ (its rootfs-diff.tar). */
struct work {
	char *top, *in, *diff, *img, *mounted;	/* mounted: the image podman mounted for us */
};

static int work_new(struct work *w)
{
	const char *tmp = getenv("TMPDIR");

	*w = (struct work){ 0 };
	if (asprintf(&w->top, "%s/lup-archive.XXXXXX", tmp && *tmp ? tmp : "/var/tmp") < 0)
		return -ENOMEM;
	if (!mkdtemp(w->top)) {
		pr_err("%s: %s", w->top, strerror(errno));
		return -errno;
	}
	if (asprintf(&w->in, "%s/in", w->top) < 0 || asprintf(&w->diff, "%s/diff", w->top) < 0 ||
	    asprintf(&w->img, "%s/in/checkpoint", w->top) < 0)
		return -ENOMEM;
	return mkdir(w->in, 0700) || mkdir(w->diff, 0700) ? -errno : 0;
}

static void work_free(struct work *w)
{
	if (w->mounted) {
		char *argv[] = { "podman", "image", "unmount", w->mounted, NULL };

		run(w->mounted, argv);
	}
	if (w->top)
		nftw(w->top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(w->top);
	free(w->in);
	free(w->diff);
	free(w->img);
	free(w->mounted);
}

/* tar's option for the compression out's name asks for ("": none). */
static const char *compression(const char *out)
{
	size_t n = strlen(out);

	if ((n > 3 && !strcmp(out + n - 3, ".gz")) || (n > 4 && !strcmp(out + n - 4, ".tgz")))
		return "--gzip";
	if (n > 4 && !strcmp(out + n - 4, ".zst"))
		return "--zstd";
	return NULL;
}

/* The image config.dump names, mounted by podman: its root file system. */
static int image_root(const char *in, struct work *w, char **root)
{
	char path[4200], *out = NULL;
	json_object *cfg, *id;
	int st;

	snprintf(path, sizeof(path), "%s/config.dump", w->in);
	cfg = json_object_from_file(path);
	if (!cfg || !json_object_object_get_ex(cfg, "rootfsImageID", &id)) {
		pr_err("%s: no --root, and no image named in config.dump to mount (give --root: the container image's root file system)",
		       in);
		json_object_put(cfg);
		return -LUP_EBADIMG;
	}
	w->mounted = strdup(json_object_get_string(id));
	json_object_put(cfg);
	if (!w->mounted)
		return -ENOMEM;
	{
		char *argv[] = { "podman", "image", "mount", w->mounted, NULL };

		st = lup_run_capture(argv, LUP_RUN_DROP_STDERR, 4096, &out);
	}
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) || !out || out[0] != '/') {
		pr_err("%s: podman image mount %s failed (give --root: the container image's root file system)",
		       in, w->mounted);
		free(out);
		free(w->mounted);
		w->mounted = NULL;
		return -LUP_EBADIMG;
	}
	out[strcspn(out, "\n")] = '\0';
	*root = out;
	return 0;
}

/* rootfs-diff over the image's root, as "DIFF:ROOT" (util/root-path.h). */
static int files_root(const struct lup_archive_opts *o, struct work *w, char **out)
{
	char tar[4200], *image = NULL;
	int ret = o->root ? 0 : image_root(o->in, w, &image);

	if (ret)
		return ret;
	snprintf(tar, sizeof(tar), "%s/rootfs-diff.tar", w->in);
	if (access(tar, F_OK) == 0) {
		char *argv[] = { "tar", "-xf", tar, "-C", w->diff, NULL };

		ret = run(o->in, argv);
	}
	if (!ret && asprintf(out, "%s:%s", w->diff, o->root ? o->root : image) < 0)
		ret = -ENOMEM;
	free(image);
	return ret;
}

static int patch_checkpoint(const struct lup_archive_opts *o, struct work *w, const char *root)
{
	char new_dir[4200];
	struct lup_rewrite_opts ro = { .img_dir = w->img, .out_dir = new_dir, .root = root,
				       .patches = o->patches, .nr_patches = o->nr_patches };
	int dfd, ret;

	snprintf(new_dir, sizeof(new_dir), "%s/" NEW_DIR, w->img);
	ret = lup_rewrite(&ro);
	if (ret)
		return ret;
	dfd = open(w->img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = lup_swap_in(dfd, w->img, NEW_DIR);
	close(dfd);
	nftw(new_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}

/* The archive again: the entries of in/ at its top, as the input had them (no "./"). */
static int pack(const struct lup_archive_opts *o, struct work *w)
{
	const char *z = compression(o->out);
	struct dirent **names = NULL;
	int n = scandir(w->in, &names, NULL, alphasort), k = 0, ret;
	char **argv = n < 0 ? NULL : calloc((size_t)n + 8, sizeof(*argv));

	if (!argv) {
		ret = n < 0 ? -errno : -ENOMEM;
		pr_err("%s: %s", w->in, strerror(-ret));
	} else {
		argv[k++] = "tar";
		argv[k++] = "-cf";
		argv[k++] = (char *)o->out;
		if (z)
			argv[k++] = (char *)z;
		argv[k++] = "-C";
		argv[k++] = w->in;
		for (int i = 0; i < n; i++)
			if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
				argv[k++] = names[i]->d_name;
		ret = run(o->out, argv);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(argv);
	return ret;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int lup_rewrite_archive(const struct lup_archive_opts *o)
{
	struct work w;
	char *root = NULL;
	int ret = access(o->out, F_OK) == 0 ? -EEXIST : work_new(&w);

	if (ret == -EEXIST) {
		pr_err("%s: exists: the output is never overwritten", o->out);
		return ret;
	}
	if (!ret) {
		char *argv[] = { "tar", "-xf", (char *)o->in, "-C", w.in, NULL };

		ret = run(o->in, argv);
	}
	if (!ret && !is_dir(w.img)) {
		/* Nor a link: the images are rewritten in place, where it would point. */
		pr_err("%s: not a checkpoint archive (no checkpoint/ directory in it)", o->in);
		ret = -LUP_EBADIMG;
	}
	if (!ret)
		ret = files_root(o, &w, &root);
	if (!ret)
		ret = patch_checkpoint(o, &w, root);
	if (!ret)
		ret = pack(o, &w);
	if (ret)
		unlink(o->out);
	free(root);
	work_free(&w);
	return ret;
}
