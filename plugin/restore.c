/*
 * init(RESTORE): before CRIU reads any image, the images directory is patched in place:
 * lup_rewrite builds a parent-linked directory inside it, which lup_swap_in puts
 * in place of the original images (kept in LUP_ORIG_DIR). A configured patch that could
 * not be applied (its rewrite failed: a file of the process not found under the root, a
 * name no library defines, ...) is recorded as NOT APPLIED in lup-restore.status, and
 * the restore fails (on_failure = fail, the default: the runtime's user sees it; the
 * images stay the originals, to restore again) or goes on unpatched
 * (on_failure = restore-unpatched).
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
#include "images/swap.h"
#include "util/conf.h"
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

int lup_plugin_on_failure(void)
{
	const char *set = lup_setting(LUP_CONF_ON_FAILURE);

	if (!set || !*set || !strcmp(set, "fail"))
		return -1;
	if (!strcmp(set, "restore-unpatched"))
		return 0;
	pr_err("%s: on_failure '%s': not fail or restore-unpatched: the restore fails",
	       lup_conf_path(), set);
	return -1;
}

/* The patches of todo not applied, why, and what happens now. */
static int not_applied(LupPatch **todo, size_t nr, const char *why)
{
	int ret = lup_plugin_on_failure();

	for (size_t i = 0; i < nr; i++)
		lup_plugin_record(LUP_RESULT_FILE, "- %s NOT APPLIED: %s\n", todo[i]->id, why);
	pr_err("%s: %zu configured patch(es) not applied (%s): %s", img_dir, nr, why,
	       ret ? "the restore fails (on_failure = fail); the images are the originals" :
		     "the process(es) restore unpatched (on_failure = restore-unpatched)");
	return ret;
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
	if (!ret)
		ret = lup_swap_in(dfd, img_dir, LUP_NEW_DIR);
	remove_new_dir(dfd);
	if (ret < 0) {
		snprintf(out, sizeof(out), "%s", lup_plugin_last_error());
		return not_applied(todo, nr, *out ? out : lup_strerror(ret));
	}
	return 0;
}

/*
 * Which configured patches to apply: those whose target some process maps with the
 * original bytes at every entry (in todo). A patch whose jumps are already in the images
 * (a patched process dumped again) is skipped: it is never applied twice. One whose
 * target is mapped with other bytes there (another patch's jump, not one it expects)
 * cannot be applied (in refused, *nr_refused).
 */
static size_t select_patches(const struct lup_dump *d, const char *root, LupPatch **todo,
			     LupPatch **refused, size_t *nr_refused)
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
			applied |= st->recorded;
			original |= st->original == p->n_funcs;
		}
		if (applied)
			pr_info("patch %s: already applied in %s, skipped", p->id, img_dir);
		else if (original)
			todo[nr++] = p;
		else if (mapped)
			refused[(*nr_refused)++] = p;
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
	int dfd = criu_get_image_dir();
	char *root = NULL;
	struct lup_dump *d;
	LupPatch **todo, **refused;
	size_t nr, nr_refused = 0;
	int ret;

	/* What an earlier restore from this directory recorded is not this one's. */
	unlinkat(dfd, LUP_RESULT_FILE, 0);
	if (image_dir_path(dfd) < 0)
		return not_applied(lup_plugin_patches->patches, lup_plugin_patches->nr,
				   "the images directory has no path");
	ret = lup_dump_open(img_dir, &d);
	todo = calloc(lup_plugin_patches->nr, sizeof(*todo));
	refused = calloc(lup_plugin_patches->nr, sizeof(*refused));
	if (ret < 0 || !todo || !refused) {
		if (!ret)
			lup_dump_close(d);
		free(todo);
		free(refused);
		return not_applied(lup_plugin_patches->patches, lup_plugin_patches->nr,
				   "the images cannot be read");
	}
	root = lup_plugin_root(img_dir);
	nr = select_patches(d, root, todo, refused, &nr_refused);
	lup_dump_close(d);
	ret = nr_refused ? not_applied(refused, nr_refused, "its functions' entries hold other "
				       "bytes (another patch it does not expect)") : 0;
	if (!ret && nr)
		ret = rewrite_in_place(dfd, todo, nr, root);
	free(todo);
	free(refused);
	if (!ret)
		ret = lup_plugin_verify_collect(img_dir, root);
	free(root);
	return ret;
}
