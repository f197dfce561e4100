/* The plugin's status files in the images directory: one line appended per event. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "util/log.h"
#include "plugin.h"

void lup_plugin_record(const char *file, const char *fmt, ...)
{
	int fd = openat(criu_get_image_dir(), file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			0644);
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		pr_err("%s: cannot record '%s': %s", file, line, strerror(errno));
	if (fd >= 0)
		close(fd);
}
