/*
 * init(RESTORE): before CRIU reads any image, the images directory is patched in place:
 * lup_rewrite builds a parent-linked directory inside it, which lup_plugin_swap_in puts
 * in place of the original images (kept in LUP_ORIG_DIR).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "images/dump.h"
#include "util/err.h"
#include "util/log.h"
#include "plugin.h"
#include "images/rewrite.h"

#define LUP_NEW_DIR ".lup-new"

static char img_dir[PATH_MAX];

static int remove_new_dir(int dfd)
{
	char path[PATH_MAX];
	struct dirent *de;
	int nfd = openat(dfd, LUP_NEW_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (nfd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(nfd);
	if (!d) {
		close(nfd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(path, sizeof(path), LUP_NEW_DIR "/%s", de->d_name);
			unlinkat(dfd, path, 0);
		}
	closedir(d);
	return unlinkat(dfd, LUP_NEW_DIR, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int rewrite_in_place(int dfd, LupPatch **todo, size_t nr, const char *root)
{
	char out[PATH_MAX + 16];
	struct lup_rewrite_opts o = {
		.img_dir = img_dir, .out_dir = out, .root = root, .patches = todo, .nr_patches = nr,
	};
	int ret;

	snprintf(out, sizeof(out), "%s/" LUP_NEW_DIR, img_dir);
	remove_new_dir(dfd);
	ret = lup_rewrite(&o);
	if (ret < 0)
		pr_err("%s: patches not applied, the process(es) restore unpatched: %s", img_dir,
		       lup_strerror(ret));
	else
		ret = lup_plugin_swap_in(dfd, img_dir, LUP_NEW_DIR);
	remove_new_dir(dfd);
	return ret;
}

/*
 * Which configured patches to apply: those whose target some process maps with the
 * original bytes at every entry. A patch whose jumps are already in the images (a
 * patched process dumped again) is skipped: it is never applied twice.
 */
static size_t select_patches(const struct lup_dump *d, const char *root, LupPatch **todo)
{
	struct lup_img_state *st = malloc(sizeof(*st));
	size_t i, k, nr = 0;

	for (i = 0; st && i < lup_plugin_patches->nr; i++) {
		LupPatch *p = lup_plugin_patches->patches[i];
		int mapped = 0, applied = 0, original = 0;

		for (k = 0; k < d->nr_procs; k++) {
			if (lup_plugin_img_state(d, &d->procs[k], root, p, st) < 0 || !st->mapped)
				continue;
			mapped = 1;
			applied |= st->jumped == p->n_funcs;
			original |= st->original == p->n_funcs;
		}
		if (applied)
			pr_info("patch %s: already applied in %s, skipped", p->id, img_dir);
		else if (original)
			todo[nr++] = p;
		else if (mapped)
			pr_err("patch %s: the entries of %s differ from the patch's: not applied",
			       p->id, p->target_name);
	}
	free(st);
	return nr;
}

static int image_dir_path(int dfd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	n = readlink(link, img_dir, sizeof(img_dir) - 1);
	if (n < 0) {
		pr_err("%s: %s", link, strerror(errno));
		return -errno;
	}
	img_dir[n] = '\0';
	return 0;
}

int lup_plugin_restore_images(void)
{
	const char *root = getenv("LUP_ROOT");
	int dfd = criu_get_image_dir();
	struct lup_dump *d;
	LupPatch **todo;
	size_t nr;
	int ret;

	if (image_dir_path(dfd) < 0)
		return 0;
	ret = lup_dump_open(img_dir, &d);
	todo = calloc(lup_plugin_patches->nr, sizeof(*todo));
	if (ret < 0 || !todo) {
		if (!ret)
			lup_dump_close(d);
		free(todo);
		return 0;
	}
	nr = select_patches(d, root, todo);
	lup_dump_close(d);
	if (nr)
		rewrite_in_place(dfd, todo, nr, root);
	free(todo);
	return lup_plugin_verify_collect(img_dir, root);
}
