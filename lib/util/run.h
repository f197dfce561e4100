/* Running a program and collecting what it prints (the compiler, a container runtime). */
#ifndef LUP_RUN_H
#define LUP_RUN_H

#include <stddef.h>

/* Its stderr: captured with stdout, or thrown away (a question whose "no" is expected). */
enum lup_run_stderr {
	LUP_RUN_CAPTURE_STDERR,
	LUP_RUN_DROP_STDERR,
};

/*
 * Runs argv (argv[0] searched in PATH) with signals unblocked; what it writes on stdout
 * goes into *out, at most max bytes kept, NUL terminated (malloc'ed; NULL without
 * memory). Its wait status, or -errno when it could not be started. Waits for it to end.
 */
int lup_run_capture(char *const argv[], enum lup_run_stderr err, size_t max, char **out);
/* Runs argv with stdio[0..2] as its standard streams; its wait status, or -errno. */
int lup_run_stdio(char *const argv[], const int stdio[3]);

#endif
