/* Version 1 of the functions the scenario patch replaces, and the objects the patch uses. */
#include "scenario.h"

long scn_counter;
const long scn_table[8] = { 1, 2, 3, 4, 5, SCN_TABLE_5, 7, 8 };
__thread long scn_tls;
long (*const scn_callback)(long) = scn_global_fn;

/* Counts calls of scn_step() like scn_counter; twin.c has a static of this name. */
static long twin;

SCN_FN long scn_global_fn(long x)
{
	return SCN_GLOBAL_FN(x);
}

SCN_FN static long static_fn(long x)
{
	return SCN_STATIC_FN(x);
}

/* Called in a loop by every working thread; version 1 passes no check. */
SCN_FN long scn_step(struct scn_ctx *c)
{
	__atomic_add_fetch(&scn_counter, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&twin, 1, __ATOMIC_RELAXED);
	scn_tls++;
	c->checks = 0;
	return c->checks;
}

SCN_FN int scn_version(void)
{
	return 1;
}

/* Unchanged code answering what the patch compares its own view with. */
SCN_FN long scn_twin_funcs(void)
{
	return __atomic_load_n(&twin, __ATOMIC_RELAXED);
}

SCN_FN long *scn_counter_addr(void)
{
	return &scn_counter;
}

SCN_FN void *scn_static_fn_addr(void)
{
	return (void *)static_fn;
}

SCN_FN void *scn_step_addr(void)
{
	return (void *)scn_step;
}

SCN_FN long *scn_tls_addr(void)
{
	return &scn_tls;
}
