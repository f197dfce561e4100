/* The library's print callback and its default (stderr). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static int max_level = -1;	/* shown up to it; -1: info, debug with LUP_DEBUG */

int lup_log_set_level(const char *name)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i])) {
			max_level = i;
			return 0;
		}
	return -EINVAL;
}

static void print_stderr(enum lup_log_level level, const char *fmt, va_list ap)
{
	if (max_level < 0)
		max_level = getenv("LUP_DEBUG") ? LUP_LOG_DEBUG : LUP_LOG_INFO;
	if ((int)level > max_level)
		return;
	fputs("lup: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static lup_print_fn print_fn = print_stderr;
static unsigned long nr_errors;

void lup_set_print(lup_print_fn fn)
{
	print_fn = fn ? fn : print_stderr;
}

void lup_log(enum lup_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LUP_LOG_ERROR)
		nr_errors++;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

unsigned long lup_log_nr_errors(void)
{
	return nr_errors;
}
