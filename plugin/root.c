/*
 * The root a restored tree sees its files under (lup_rewrite binds against the files
 * there): root in lup.conf or LUP_ROOT, a path; else ("auto") the rootfs of the OCI
 * bundle the container runs from, found as runtimes lay it out: config.json beside the
 * images directory (podman: userdata/checkpoint and userdata/config.json), else in the
 * bundle of the runtime that runs criu (runc, crun: its --bundle, else its working
 * directory); else the host's own (none: a process of the host).
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/conf.h"
#include "util/log.h"
#include "plugin.h"

/* The root.path of bundle/config.json, made absolute; NULL when there is none. */
static char *bundle_rootfs(const char *bundle)
{
	char path[PATH_MAX], *out = NULL;
	json_object *cfg, *root, *p;
	const char *s;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (access(path, R_OK))
		return NULL;
	cfg = json_object_from_file(path);
	if (!cfg) {
		pr_warn("%s: not JSON: %s", path, json_util_get_last_err());
		return NULL;
	}
	if (json_object_object_get_ex(cfg, "root", &root) &&
	    json_object_object_get_ex(root, "path", &p) && (s = json_object_get_string(p)) && *s &&
	    asprintf(&out, "%s%s%s", *s == '/' ? "" : bundle, *s == '/' ? "" : "/", s) < 0)
		out = NULL;
	json_object_put(cfg);
	if (out)
		pr_info("%s: the container's root is %s", path, out);
	return out;
}

/* --bundle DIR (-b DIR, --bundle=DIR) of the runtime that runs criu, or its cwd. */
static char *runtime_bundle(void)
{
	char path[64], buf[8192], cwd[PATH_MAX];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)getppid());
	f = fopen(path, "re");
	n = f ? (ssize_t)fread(buf, 1, sizeof(buf) - 1, f) : -1;
	if (f)
		fclose(f);
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(buf + i) + 1) {
		buf[n] = '\0';
		if (!strncmp(buf + i, "--bundle=", 9))
			return strdup(buf + i + 9);
		if ((!strcmp(buf + i, "--bundle") || !strcmp(buf + i, "-b")) &&
		    i + (ssize_t)strlen(buf + i) + 1 < n)
			return strdup(buf + i + strlen(buf + i) + 1);
	}
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)getppid());
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return NULL;
	cwd[n] = '\0';
	return strdup(cwd);
}

char *lup_plugin_root(const char *img_dir)
{
	const char *set = lup_setting(LUP_CONF_ROOT);
	char up[PATH_MAX], *bundle, *root;

	if (set && *set && strcmp(set, "auto"))
		return strdup(set);
	snprintf(up, sizeof(up), "%s/..", img_dir);
	root = bundle_rootfs(up);
	if (root)
		return root;
	bundle = runtime_bundle();
	root = bundle ? bundle_rootfs(bundle) : NULL;
	free(bundle);
	return root;
}
