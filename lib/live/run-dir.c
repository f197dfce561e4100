#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "live/run-dir.h"
#include "util/log.h"

int lup_run_subdir(const char *dir)
{
	if ((mkdir(LUP_RUN_DIR, 0755) && errno != EEXIST) || (mkdir(dir, 0700) && errno != EEXIST)) {
		int ret = -errno;

		pr_err("%s: %s", dir, strerror(errno));
		return ret;
	}
	return 0;
}
