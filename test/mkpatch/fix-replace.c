/* Replaces compute(); binds to a static picked by file, a TLS variable, a global and libc. */
#include <stdio.h>
#include <lup/lup-patch.h>

extern int global_value;
extern int counter LUP_STATIC(counter, "target-other.c");
extern __thread int tls_count;

static int calls;	/* new, private to the patch */

int compute(int x)
{
	calls++;
	return x * 1000 + global_value + counter + tls_count + calls;
}

/* &compute must be the old entry, as in the target's code. */
int (*compute_ptr(void))(int)
{
	printf("compute is at %p\n", (void *)compute);
	return compute;
}
