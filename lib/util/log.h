/* One print callback for every message of the library: stderr in the tools, CRIU's log in the plugin. */
#ifndef LUP_LOG_H
#define LUP_LOG_H

#include <stdarg.h>

enum lup_log_level {
	LUP_LOG_ERROR,
	LUP_LOG_WARN,
	LUP_LOG_INFO,
	LUP_LOG_DEBUG,
};

typedef void (*lup_print_fn)(enum lup_log_level level, const char *fmt, va_list ap);

/* NULL restores the default (stderr, "lup: " prefix, debug hidden unless LUP_DEBUG is set). */
void lup_set_print(lup_print_fn fn);
/* What the default shows: "error", "warn", "info" or "debug" and above; -EINVAL. */
int lup_log_set_level(const char *name);
void lup_log(enum lup_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* How many errors were reported so far (a tool says something only when none was). */
unsigned long lup_log_nr_errors(void);

/* Messages name the object first: pr_err("%s: VMA %lx-%lx overlaps ...", path, ...). */
#define pr_err(fmt, ...) lup_log(LUP_LOG_ERROR, fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) lup_log(LUP_LOG_WARN, fmt "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...) lup_log(LUP_LOG_INFO, fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...) lup_log(LUP_LOG_DEBUG, fmt "\n", ##__VA_ARGS__)

#endif
