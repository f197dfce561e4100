/* What a lup patch source may include: naming one static of the target by its file. */
#ifndef LUP_LUP_PATCH_H
#define LUP_LUP_PATCH_H

/*
 * A patch refers to (or replaces) a function or variable of the target by its name.
 * When the target has several statics of that name in different source files,
 * lup-mkpatch refuses the name and lists the files; pick one by giving the declaration
 * an assembler name made of the name, LUP_FILE_SEP and the file's name as recorded in
 * the target's symbol table (its STT_FILE, usually the basename of the .c file):
 *
 *	extern int counter LUP_STATIC(counter, "stats.c");
 *	int helper(int) LUP_STATIC(helper, "util.c");		// call util.c's helper
 *	int parse(const char *s) LUP_STATIC(parse, "cfg.c");	// replace it: declare,
 *	int parse(const char *s) { ... }			// then define
 *
 * The assembler name is quoted, so the file name may hold any character but '"' and '\\'.
 * Declare the target's statics without "static" (that would ask for a definition).
 */
#define LUP_FILE_SEP "__lup_in__"
#define LUP_STATIC(name, file) __asm__("\"" #name LUP_FILE_SEP file "\"")

#endif
