/*
 * lup's configuration file, /etc/lup/lup.conf ($LUP_CONFIG names another): what the
 * tools and the plugin use when neither an option nor the environment says, so that the
 * settings reach CRIU under any runtime (conmon passes no environment). Lines
 * "KEY = VALUE"; '#' starts a comment; blank lines are ignored; an unknown key or a line
 * without '=' is refused with its line number. A setting is taken from the environment
 * when its variable is set (empty too), else from the file, else the caller's default.
 */
#ifndef LUP_CONF_H
#define LUP_CONF_H

#define LUP_CONF_DEFAULT "/etc/lup/lup.conf"

enum lup_conf_key {
	LUP_CONF_PATCH_DIR,	/* patch_dir, LUP_PATCH_DIR: the plugin's patches */
	LUP_CONF_TRUSTED_KEYS,	/* trusted_keys, LUP_TRUSTED_KEYS: the trust store */
	LUP_CONF_ROOT,		/* root, LUP_ROOT: a restored tree's root: auto, or a path */
	LUP_CONF_ON_FAILURE,	/* on_failure, LUP_ON_FAILURE: fail, or restore-unpatched */
	LUP_CONF_CRIU,		/* criu, CRIU: the criu binary */
	LUP_CONF_PLUGIN_DIR,	/* plugin_dir, LUP_PLUGIN_DIR: where lup.so is */
	LUP_CONF_TIMEOUT,	/* timeout, LUP_TIMEOUT: seconds per criu run */
	LUP_CONF_LOG_LEVEL,	/* log_level, LUP_LOG_LEVEL: error, warn, info or debug */
	LUP_CONF_NR,
};

/* Reads the file (once); a missing default file is no error. -EINVAL, reported. */
int lup_conf_load(void);
/* The setting, or NULL for the caller's default. */
const char *lup_setting(enum lup_conf_key key);
/* The file's path and a setting's name in it, for messages. */
const char *lup_conf_path(void);
const char *lup_conf_key_name(enum lup_conf_key key);
/* Drops what was read (the plugin, between criu runs in one process). */
void lup_conf_free(void);

#endif
