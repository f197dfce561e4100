/*
 * The scenario patch: version 2 of scn_step() and scn_version(). scn_step() does the
 * work of version 1 and sets one bit of enum scn_check per scenario that works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lup-patch.h"
#include "scenario.h"

/* A static function of the target with a unique name: found by its name alone. */
long static_fn(long x);
/* The two statics named "twin", told apart by the files that define them. */
extern long twin_funcs LUP_STATIC(twin, "funcs.c");
extern volatile long twin_other LUP_STATIC(twin, "twin.c");

/* Exist only in the patch: initialised data, zeroed data, read-only data, a function. */
static long new_data = 1000;
long scn_patch_calls;
static const char new_text[] = "version 2";

SCN_FN static long new_fn(long x)
{
	return x ^ 0x1234;
}

/* libc: formats x and reads it back. */
static int libc_ok(long x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", x);
	return strtol(buf, NULL, 10) == x;
}

/*
 * memcpy, memset, strlen and strchr are IFUNCs in glibc (the dynamic and the static
 * one): bound to their resolvers they would return garbage or crash. The data is made at
 * run time so that the compiler calls them.
 */
static int ifunc_ok(long x)
{
	char src[48], dst[48];
	size_t n;

	snprintf(src, sizeof(src), "scenario %ld", x);
	n = strlen(src);
	memset(dst, '#', sizeof(dst));
	memcpy(dst, src, n + 1);
	return n > 9 && strlen(dst) == n && strchr(dst, ' ') == dst + 8 && dst[n + 1] == '#' &&
	       strtol(dst + 9, NULL, 10) == x;
}

/*
 * realpath has a compat version (realpath@GLIBC_2.2.5) that refuses a NULL buffer;
 * the default one (realpath@@GLIBC_2.3) allocates it, as a program built now expects.
 */
static int versioned_ok(void)
{
	char *p = realpath("/", NULL);
	int ok = p && !strcmp(p, "/");

	free(p);
	return ok;
}

static long check_calls(long x)
{
	return (scn_global_fn(x) == SCN_GLOBAL_FN(x) ? SCN_CALL_GLOBAL : 0) |
	       (static_fn(x) == SCN_STATIC_FN(x) ? SCN_CALL_STATIC : 0) |
	       (libc_ok(x) ? SCN_CALL_LIBC : 0) |
	       (scn_helper_fn(x) == SCN_HELPER_FN(x) ? SCN_CALL_SHLIB : 0) |
	       (new_fn(x) == (x ^ 0x1234) ? SCN_CALL_NEW : 0) |
	       (ifunc_ok(x) ? SCN_CALL_IFUNC : 0) | (versioned_ok() ? SCN_CALL_VERSIONED : 0);
}

/*
 * Counters shared with version 1 went up once per call of any thread, so they are at
 * least this thread's calls; bound to the wrong object they would not be. The global
 * must also be the object the target's code uses (in a library, an executable's copy
 * interposes it).
 */
static long check_vars(const struct scn_ctx *c)
{
	long counter = __atomic_add_fetch(&scn_counter, 1, __ATOMIC_RELAXED);
	long twin = __atomic_add_fetch(&twin_funcs, 1, __ATOMIC_RELAXED);
	long tls_ok = scn_tls == c->calls && &scn_tls == scn_tls_addr();
	long lib_tls_ok = &scn_helper_tls == scn_helper_tls_addr() && ++scn_helper_tls > 0;
	long calls = __atomic_add_fetch(&scn_patch_calls, 1, __ATOMIC_RELAXED);
	long data = __atomic_add_fetch(&new_data, 1, __ATOMIC_RELAXED);

	scn_tls++;
	return (counter > c->calls && &scn_counter == scn_counter_addr() ? SCN_VAR_GLOBAL : 0) |
	       (twin > c->calls && scn_twin_funcs() >= twin && twin_other == SCN_TWIN_OTHER &&
		scn_twin_other() == SCN_TWIN_OTHER ? SCN_VAR_STATIC : 0) |
	       (scn_table[5] == SCN_TABLE_5 && scn_table[7] == 8 ? SCN_VAR_RODATA : 0) |
	       (tls_ok ? SCN_VAR_TLS : 0) | (lib_tls_ok ? SCN_VAR_LIB_TLS : 0) |
	       (calls >= 1 && data > 1000 && data - 1000 <= scn_patch_calls &&
		strcmp(new_text, "version 2") == 0 ? SCN_VAR_NEW : 0);
}

/* The C++ scenarios, where the target has them (scn-cxx): a weak reference, 0 elsewhere. */
extern long scn_cxx_checks(long x) __attribute__((weak));

/* Addresses taken here must be the ones the target's unchanged code uses. */
static long check_fnptrs(void)
{
	return ((void *)scn_global_fn == (void *)scn_callback ? SCN_FNPTR_GLOBAL : 0) |
	       ((void *)static_fn == scn_static_fn_addr() ? SCN_FNPTR_STATIC : 0) |
	       ((void *)scn_step == scn_step_addr() ? SCN_FNPTR_SELF : 0);
}

SCN_FN long scn_step(struct scn_ctx *c)
{
	c->checks = check_calls(c->calls) | check_vars(c) | check_fnptrs() |
		    (scn_cxx_checks ? scn_cxx_checks(c->calls) : 0);
	return c->checks;
}

SCN_FN int scn_version(void)
{
	return 2;
}
