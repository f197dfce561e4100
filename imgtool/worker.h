/* A worker process that outlives lup, for the in-place transport (imgtool/worker.c). */
#ifndef LUP_WORKER_H
#define LUP_WORKER_H

#include <signal.h>

/*
 * Runs fn(arg) in the worker and returns its exit status once it ends; stop is set in
 * the worker when lup gets SIGINT, SIGTERM or SIGHUP.
 */
int lup_worker_run(int (*fn)(void *arg), void *arg, volatile sig_atomic_t *stop);

#endif
