/*
 * lup-mkpatch's compiler wrapper: lup-mkpatch run under a compiler's name (gcc, cc, g++,
 * ...) from the directory lup-mkpatch --diff puts first in PATH for the builds.
 */
#ifndef LUP_DIFF_CC_WRAP_H
#define LUP_DIFF_CC_WRAP_H

#include <stdbool.h>

/* Set for the builds: where records go, and the directory of the compiler names. */
#define LUP_CC_LOG_ENV "LUP_CC_LOG"
#define LUP_CC_DIR_ENV "LUP_CC_DIR"

/* What every compilation gets, in the builds and when compiled again for the patch. */
extern const char *const lup_cc_added_flags[];
extern const unsigned lup_cc_nr_added_flags;
/* The compiler names the wrapper stands for, NULL terminated. */
extern const char *const lup_cc_names[];

/* Whether this process is the wrapper: run as a compiler's name inside a build. */
bool lup_cc_is_wrapper(const char *argv0);
/*
 * Runs the compiler of argv[0]'s name found after the wrapper's directory in PATH, with
 * lup_cc_added_flags when it compiles, after recording the compilation (directory and
 * command line) in a file of $LUP_CC_LOG. Returns only on failure (an exit status).
 */
int lup_cc_wrap(int argc, char **argv);
/* The compiler of that name in PATH, skipping directory skip; malloc'ed or NULL. */
char *lup_cc_find(const char *name, const char *skip);

#endif
