/* The harness of lup's zdtm-style test programs: set up, wait for SIGTERM, check, report. */
#ifndef LUP_ZDTM_H
#define LUP_ZDTM_H

/* Blocks SIGTERM: call first, before any thread or child exists. */
void zdtm_init(void);
/* Tells the driver that set-up is done ("ready" on stdout). */
void zdtm_ready(void);
/* Blocks until the driver sends SIGTERM (the dumps and restores happen meanwhile). */
void zdtm_wait_signal(void);
/* Records a failed check: the reason goes to stdout; zdtm_report() then says FAIL. */
void zdtm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether a check failed so far. */
int zdtm_failed(void);
/* Prints PASS or FAIL; returns the exit status. */
int zdtm_report(void);

#endif
