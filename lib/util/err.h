/*
 * Errors of the library: a negative errno, or one of lup's own codes below for what
 * errno cannot say. Functions return 0 or a negative value, report the problem once
 * where it is found (naming the file), and never exit.
 */
#ifndef LUP_ERR_H
#define LUP_ERR_H

#define LUP_EBASE 4096

enum {
	LUP_EBADIMG = LUP_EBASE + 1,	/* a CRIU image is truncated, garbled or inconsistent */
	LUP_EBADPATCH,			/* a patch file is truncated, garbled or invalid */
	LUP_EBADELF,			/* an ELF file lacks what is needed (symbols, build-id) */
	LUP_ENOTAPPLIC,			/* the patch does not apply: other build, already applied */
	LUP_EBUSY,			/* a thread is inside a function being replaced: try later */
	LUP_ENOSPACE,			/* no free room within +-2 GiB of the target */
	LUP_EBADPARENT,			/* a parent link of an image directory is missing or broken */
	LUP_ECRIU,			/* criu dump or restore failed or timed out */
	LUP_ELOCKED,			/* another lup run holds a process of the tree */
	LUP_ETREE,			/* the tree cannot be taken (it holds lup, an outside pipe) */
	LUP_ELOST,			/* dumped, and no restore brought it back (lup recover may) */
	LUP_EEND,
};

/* Text for a negative error value (errno or LUP_E*). */
const char *lup_strerror(int err);

#endif
