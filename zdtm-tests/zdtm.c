/* The harness of the zdtm-style test programs (see zdtm.h). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "zdtm.h"

static int failed;

static void term_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
}

void zdtm_init(void)
{
	sigset_t set;

	term_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

void zdtm_ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

void zdtm_wait_signal(void)
{
	sigset_t set;
	int sig;

	term_set(&set);
	sigwait(&set, &sig);
}

void zdtm_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed = 1;
}

int zdtm_failed(void)
{
	return failed;
}

int zdtm_report(void)
{
	printf("%s\n", failed ? "FAIL" : "PASS");
	fflush(stdout);
	return failed;
}
