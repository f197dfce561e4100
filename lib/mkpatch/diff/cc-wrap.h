/*
 * lup-mkpatch's compiler wrapper. In the mount namespace of a build of --diff, every
 * compiler of the machine (cc, gcc, g++, clang... as found in PATH, their files) is
 * covered by lup-mkpatch itself, so that a build that runs one by name or by absolute
 * path (CMake records one) runs the wrapper, which runs the real compiler from a
 * descriptor opened before it was covered.
 */
#ifndef LUP_DIFF_CC_WRAP_H
#define LUP_DIFF_CC_WRAP_H

#include <stdbool.h>

/* Set for the builds: where records go; the covered compilers ("FILE=FD:..."). */
#define LUP_CC_LOG_ENV "LUP_CC_LOG"
#define LUP_CC_REAL_ENV "LUP_CC_REAL"

/* What every compilation gets, in the builds and when compiled again for the patch. */
extern const char *const lup_cc_added_flags[];
extern const unsigned lup_cc_nr_added_flags;

/* Whether this process is the wrapper: a covered compiler run inside a build. */
bool lup_cc_is_wrapper(const char *argv0);
/*
 * Records the compilation (directory and command line) in a file of $LUP_CC_LOG, then
 * runs the real compiler with lup_cc_added_flags when it compiles. Returns only on
 * failure (an exit status).
 */
int lup_cc_wrap(int argc, char **argv);
/*
 * In a build's new mount namespace: covers each compiler's file with self (this
 * program), keeping it open for the wrapper, and sets LUP_CC_REAL. -errno.
 */
int lup_cc_cover(const char *self);
/* The compiler of that name in PATH (malloc'ed), or NULL. */
char *lup_cc_find(const char *name);

#endif
