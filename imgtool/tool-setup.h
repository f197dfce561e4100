/* What every program of lup does first: its configuration (util/conf.h). */
#ifndef LUP_TOOL_SETUP_H
#define LUP_TOOL_SETUP_H

/*
 * Reads lup.conf and applies what every program uses from it (the log level): 0, or the
 * exit status of a bad file (reported with its line).
 */
int lup_tool_setup(void);

/* "PROG VERSION", on stdout: the version the build was made from. */
void lup_tool_version(const char *prog);

#endif
