/* The scratch directory of unit tests (scratch.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "scratch.h"

char scratch_dir[256];

int scratch_make(const char *name)
{
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/lup-test-%s.XXXXXX", name);
	return mkdtemp(scratch_dir) ? 0 : -1;
}

void scratch_remove(void)
{
	if (scratch_dir[0])
		scratch_run("rm -rf %s", scratch_dir);
}

const char *scratch_path(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", scratch_dir, name);
	return p;
}

int scratch_run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

int scratch_write(const char *name, const char *text)
{
	FILE *f = fopen(scratch_path(name), "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}
