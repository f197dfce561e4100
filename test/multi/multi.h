/* What the targets of test/e2e/multi.sh share with their patches: the replaced functions. */
#ifndef MULTI_H
#define MULTI_H

/* multi-main.c, in the executable: the patch fix-exe.c replaces it. */
const char *multi_exe_word(void);
/* lib.c, in libmulti.so: the patch fix-lib.c replaces it. */
const char *multi_lib_word(void);

#endif
