/*
 * The plugin's configuration: the patch directory named by LUP_PATCH_DIR, or the
 * default, and the revert a dump is for (LUP_REVERT_ID, LUP_REVERT_ALL).
 */
#include <errno.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "plugin.h"

struct lup_patch_set *lup_plugin_patches;
struct lup_plugin_revert lup_plugin_revert;

static void load_revert(void)
{
	const char *id = getenv("LUP_REVERT_ID");

	lup_plugin_revert.id = id && *id ? id : NULL;
	lup_plugin_revert.active = lup_plugin_revert.id || getenv("LUP_REVERT_ALL");
}

/*
 * The default directory may be absent (nothing configured). A directory named by the
 * environment must exist: a typo must not silently turn patching off. An empty
 * LUP_PATCH_DIR turns the plugin off.
 */
int lup_plugin_config_load(void)
{
	const char *env = getenv("LUP_PATCH_DIR");
	const char *dir = env ? env : LUP_DEFAULT_PATCH_DIR;
	struct lup_patch_set *s;
	int ret;

	load_revert();
	if (!*dir)
		return 0;
	ret = lup_patch_dir_load(dir, &s);
	if (ret == -ENOENT && !env)
		return 0;
	if (ret == -ENOENT)
		pr_err("%s: the patch directory of LUP_PATCH_DIR does not exist", dir);
	if (ret < 0) {
		pr_err("%s: patches not loaded: %s", dir, lup_strerror(ret));
		return ret;
	}
	if (!s->nr) {
		lup_patch_set_free(s);
		return 0;
	}
	lup_plugin_patches = s;
	pr_info("%s: %zu patch(es) configured", dir, s->nr);
	return 0;
}

void lup_plugin_config_free(void)
{
	lup_patch_set_free(lup_plugin_patches);
	lup_plugin_patches = NULL;
}
