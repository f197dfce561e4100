/*
 * The plugin's configuration: lup.conf and the environment over it (util/conf.h): the
 * patch directory (patch_dir, LUP_PATCH_DIR), the default otherwise, and the revert a
 * dump is for (LUP_REVERT_ID, LUP_REVERT_ALL: lup's own runs only).
 */
#include <errno.h>
#include <stdlib.h>

#include "util/conf.h"
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
 * environment or lup.conf must exist: a typo must not silently turn patching off. An
 * empty one turns the plugin off (lup's own criu runs set LUP_PATCH_DIR empty).
 */
int lup_plugin_config_load(void)
{
	const char *set, *dir;
	struct lup_patch_set *s;
	int ret = lup_conf_load();

	if (ret)
		return ret;
	set = lup_setting(LUP_CONF_PATCH_DIR);
	dir = set ? set : LUP_DEFAULT_PATCH_DIR;
	load_revert();
	if (!*dir)
		return 0;
	ret = lup_patch_dir_load(dir, &s);
	if (ret == -ENOENT && !set)
		return 0;
	if (ret == -ENOENT)
		pr_err("%s: the patch directory (LUP_PATCH_DIR or patch_dir in %s) does not exist",
		       dir, lup_conf_path());
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
	lup_conf_free();
	lup_patch_set_free(lup_plugin_patches);
	lup_plugin_patches = NULL;
}
