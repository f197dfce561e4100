/* A scratch directory for the unit tests that compile programs and objects to read. */
#ifndef LUP_TEST_SCRATCH_H
#define LUP_TEST_SCRATCH_H

/* The directory, made by scratch_make (a template naming the test until then). */
extern char scratch_dir[];

/* Makes the directory (name: the test's, in its name); 0, or -1. */
int scratch_make(const char *name);
/* Removes it and everything in it. */
void scratch_remove(void);
/* scratch_dir/name, in one of 8 rotating buffers. */
const char *scratch_path(const char *name);
/* system() of the formatted command; its status. */
int scratch_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes text to scratch_path(name); 0, or -1. */
int scratch_write(const char *name, const char *text);

#endif
