/* The library's print callback and its default (stderr). */
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

static void print_stderr(enum lup_log_level level, const char *fmt, va_list ap)
{
	static int debug = -1;

	if (debug < 0)
		debug = getenv("LUP_DEBUG") != NULL;
	if (level == LUP_LOG_DEBUG && !debug)
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
