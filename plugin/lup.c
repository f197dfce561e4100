/* lup.so: CRIU plugin descriptor, stages and hooks; messages go to CRIU's log. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "live/criu-exec.h"
#include "util/log.h"
#include "plugin.h"

/* CRIU's logger (criu/include/log.h); its levels are 1 error .. 4 debug. */
extern void print_on_level(unsigned int loglevel, const char *format, ...);

/* Kept for the status files: the gate records why it refused a dump. */
static char last_error[1024];

const char *lup_plugin_last_error(void)
{
	return last_error;
}

static void print_criu(enum lup_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	print_on_level(level + 1, "lup: %s", buf);
	if (level == LUP_LOG_ERROR)
		snprintf(last_error, sizeof(last_error), "%.*s", (int)strcspn(buf, "\n"), buf);
}

static int lup_plugin_init(int stage)
{
	lup_set_print(print_criu);
	/*
	 * A bad lup.conf or patch directory fails a dump (nothing is frozen); a restore as
	 * on_failure says (restore.c).
	 */
	if (lup_plugin_config_load() < 0)
		return stage == CR_PLUGIN_STAGE__RESTORE ? lup_plugin_on_failure() : -1;
	if (stage == CR_PLUGIN_STAGE__RESTORE && lup_plugin_patches)
		return lup_plugin_restore_images();
	/* A refusal recorded by an earlier dump into the same directory is not this one's. */
	if (stage == CR_PLUGIN_STAGE__DUMP)
		unlinkat(criu_get_image_dir(), LUP_DUMP_REFUSED_FILE, 0);
	return 0;
}

static void lup_plugin_exit(int stage, int ret)
{
	lup_plugin_verify_free();
	lup_plugin_gate_free();
	lup_plugin_config_free();
	lup_set_print(NULL);
}

/*
 * CRIU stops at the first plugin whose hook does not return -ENOTSUP: answer -ENOTSUP
 * whenever lup lets the process through, so that other plugins still see it.
 */
static int checkpoint_devices(int pid)
{
	int ret = lup_plugin_dump_lock(pid);

	if (!ret && (lup_plugin_patches || lup_plugin_revert.active))
		ret = lup_plugin_dump_gate(pid);

	return ret < 0 ? ret : -ENOTSUP;
}

/* Its return value is ignored by CRIU: the outcome goes to the log and the result file. */
static int resume_devices_late(int pid)
{
	if (lup_plugin_patches)
		lup_plugin_verify(pid);
	return -ENOTSUP;
}

/*
 * max_hooks must not exceed the count of the running CRIU, and the hooks used here are
 * the first 12 of every CRIU since 3.15: declare only those.
 */
cr_plugin_desc_t CR_PLUGIN_DESC = {
	.name = "lup",
	.init = lup_plugin_init,
	.exit = lup_plugin_exit,
	.version = CRIU_PLUGIN_VERSION,
	.max_hooks = CR_PLUGIN_HOOK__CHECKPOINT_DEVICES + 1,
	.hooks = {
		[CR_PLUGIN_HOOK__CHECKPOINT_DEVICES] = checkpoint_devices,
		[CR_PLUGIN_HOOK__RESUME_DEVICES_LATE] = resume_devices_late,
	},
};
