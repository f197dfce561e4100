/* lup.conf (util/conf.h): a tiny KEY = VALUE format, documented in lup.conf(5). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/conf.h"
#include "util/log.h"

#define MAX_LINES 4096

static const struct {
	const char *name, *env;
} keys[LUP_CONF_NR] = {
	[LUP_CONF_PATCH_DIR] = { "patch_dir", "LUP_PATCH_DIR" },
	[LUP_CONF_TRUSTED_KEYS] = { "trusted_keys", "LUP_TRUSTED_KEYS" },
	[LUP_CONF_ROOT] = { "root", "LUP_ROOT" },
	[LUP_CONF_ON_FAILURE] = { "on_failure", "LUP_ON_FAILURE" },
	[LUP_CONF_CRIU] = { "criu", "CRIU" },
	[LUP_CONF_PLUGIN_DIR] = { "plugin_dir", "LUP_PLUGIN_DIR" },
	[LUP_CONF_TIMEOUT] = { "timeout", "LUP_TIMEOUT" },
	[LUP_CONF_LOG_LEVEL] = { "log_level", "LUP_LOG_LEVEL" },
};

static char *values[LUP_CONF_NR];
static bool loaded;

const char *lup_conf_path(void)
{
	const char *env = getenv("LUP_CONFIG");

	return env && *env ? env : LUP_CONF_DEFAULT;
}

const char *lup_conf_key_name(enum lup_conf_key key)
{
	return keys[key].name;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set(const char *path, unsigned line, const char *key, const char *value)
{
	for (int k = 0; k < LUP_CONF_NR; k++)
		if (!strcmp(key, keys[k].name)) {
			free(values[k]);
			values[k] = strdup(value);
			return values[k] ? 0 : -ENOMEM;
		}
	pr_err("%s:%u: unknown key '%s'", path, line, key);
	return -EINVAL;
}

/* One line: nothing, a comment, or KEY = VALUE. */
static int parse_line(const char *path, unsigned line, char *s)
{
	char *eq, *hash = strchr(s, '#');

	if (hash)
		*hash = '\0';
	s = trim(s);
	if (!*s)
		return 0;
	eq = strchr(s, '=');
	if (!eq) {
		pr_err("%s:%u: not KEY = VALUE: '%s'", path, line, s);
		return -EINVAL;
	}
	*eq = '\0';
	return set(path, line, trim(s), trim(eq + 1));
}

int lup_conf_load(void)
{
	const char *path = lup_conf_path();
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	int ret = 0;
	FILE *f;

	if (loaded)
		return 0;
	f = fopen(path, "re");
	if (!f) {
		loaded = errno == ENOENT && !getenv("LUP_CONFIG");
		if (loaded)
			return 0;	/* nothing configured */
		pr_err("%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (!ret && getline(&buf, &cap, f) > 0 && ++line <= MAX_LINES)
		ret = parse_line(path, line, buf);
	if (!ret && line > MAX_LINES) {
		pr_err("%s: more than %d lines", path, MAX_LINES);
		ret = -EINVAL;
	}
	free(buf);
	fclose(f);
	if (ret)
		lup_conf_free();
	loaded = !ret;
	return ret;
}

const char *lup_setting(enum lup_conf_key key)
{
	const char *env = getenv(keys[key].env);

	if (env)
		return env;
	return loaded ? values[key] : NULL;
}

void lup_conf_free(void)
{
	for (int k = 0; k < LUP_CONF_NR; k++) {
		free(values[k]);
		values[k] = NULL;
	}
	loaded = false;
}
