/* Building a lup patch from C sources against a target ELF (the logic of lup-mkpatch). */
#ifndef LUP_MKPATCH_H
#define LUP_MKPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/patch.h"

struct lup_mkpatch_opts {
	const char *target;		/* the executable or library to patch */
	const char *debug_file;		/* its symbols when stripped; NULL: looked up by build-id */
	const char *debug_dir;		/* where to look it up (DIR/.build-id/xx/yyyy.debug); NULL: /usr/lib/debug */
	const char *out;		/* the patch file to write */
	const char *id;			/* NULL: the output's file name without ".lup" */
	char *const *expects;		/* ids of the patches this one stacks on */
	size_t nr_expects;
	const char *cc;			/* compiler command, split at blanks; NULL: "gcc" */
	char *const *srcs;
	size_t nr_srcs;
	char *const *cflags;		/* added to the compiler's command line */
	size_t nr_cflags;
	bool no_library_check;		/* names not in the target are not looked up in its libraries */
	const char *sign_key;		/* Ed25519 private key (PEM) to sign with; NULL: unsigned */
	/* --diff: the patch built from a fix to the target's sources instead of srcs */
	const char *diff;		/* the fix, a unified diff */
	const char *srcdir;		/* the target's sources as built, before the fix */
	const char *build_cmd;		/* NULL: "make" */
	int strip;			/* patch -pN */
	char *const *ons;		/* patches applied already, whose fixes srcdir has */
	size_t nr_ons;
	const char *json;		/* the summary as JSON to this file ("-": stdout), or NULL */
};

/*
 * Compiles and links the sources into a temporary shared object, binds it to the target
 * and writes the patch. -LUP_EBADELF for a target that cannot be patched that way,
 * -LUP_EBADPATCH for sources that do not make a valid patch (compiler errors included);
 * every problem is reported naming its file.
 */
int lup_mkpatch(const struct lup_mkpatch_opts *o);

/* A readable listing of a patch: one line per segment, function, symbol and reloc. */
void lup_patch_dump(const LupPatch *p, FILE *f);

#endif
