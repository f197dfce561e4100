#include <stdio.h>

#include "exit-status.h"
#include "tool-setup.h"
#include "util/conf.h"
#include "util/log.h"

void lup_tool_version(const char *prog)
{
	printf("%s %s\n", prog, LUP_VERSION);
}

int lup_tool_setup(void)
{
	const char *level;

	if (lup_conf_load())
		return LUP_EXIT_BADINPUT;
	level = lup_setting(LUP_CONF_LOG_LEVEL);
	if (level && *level && lup_log_set_level(level)) {
		pr_err("%s: %s '%s': not error, warn, info or debug", lup_conf_path(),
		       lup_conf_key_name(LUP_CONF_LOG_LEVEL), level);
		return LUP_EXIT_BADINPUT;
	}
	return 0;
}
