/* Exit statuses shared by every lup program; documented in each man page. */
#ifndef LUP_EXIT_STATUS_H
#define LUP_EXIT_STATUS_H

enum lup_exit {
	LUP_EXIT_OK = 0,
	LUP_EXIT_FAIL = 1,		/* any other failure (I/O, memory) */
	LUP_EXIT_USAGE = 2,		/* bad command line */
	LUP_EXIT_BADINPUT = 3,		/* bad image, patch or ELF file */
	LUP_EXIT_NOTAPPLIC = 4,		/* patch for another build, or already applied */
	LUP_EXIT_BUSY = 5,		/* a thread is inside a function being replaced: try later */
	LUP_EXIT_NOSPACE = 6,		/* no room for the patch within +-2 GiB */
	LUP_EXIT_CRIU = 7,		/* criu dump or restore failed */
	LUP_EXIT_LOST = 8,		/* dumped but neither the patched nor the original images restored */
	LUP_EXIT_LOCKED = 9,		/* another lup run holds a process of the tree */
	LUP_EXIT_TREE = 10,		/* the tree cannot be taken (holds lup; outside pipe with --checkpoint) */
};

/* Maps a library error (negative errno or LUP_E*) to an exit status. */
int lup_exit_status(int err);
/*
 * The same, after saying "prog: what failed" when the library reported nothing (it
 * reports what it finds, naming the file, once: a second line would repeat it).
 */
int lup_exit_report(const char *prog, int err);

#endif
