/*
 * Target of test/e2e/untrusted.sh: a counter like rewrite-counter whose r_debug (what
 * DT_DEBUG points to, read by debuggers and lup) leads to a cyclic copy of its link_map
 * list. The dynamic linker's own list is untouched, so the process runs on normally.
 */
#include <link.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_OBJS 64

static struct link_map copy[MAX_OBJS];

__attribute__((noinline, noipa)) long compute(long x)
{
	return x + 1;
}

/* The r_debug DT_DEBUG points to (a reference to _r_debug might bind to a copy). */
static struct r_debug *dt_debug(void)
{
	ElfW(Dyn) *d;

	for (d = _DYNAMIC; d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_DEBUG)
			return (struct r_debug *)d->d_un.d_ptr;
	return NULL;
}

/* r_map now names a copy of the list whose last object links back to the first. */
static void make_cycle(void)
{
	struct r_debug *r = dt_debug();
	struct link_map *l = r ? r->r_map : NULL;
	int n = 0;

	for (; l && n < MAX_OBJS; l = l->l_next, n++) {
		copy[n] = *l;
		copy[n].l_next = &copy[n + 1];
	}
	if (!n) {
		fprintf(stderr, "no link_map list to copy\n");
		_exit(1);
	}
	copy[n - 1].l_next = &copy[0];
	r->r_map = &copy[0];
}

int main(void)
{
	long counter = 0;

	make_cycle();
	for (;;) {
		counter++;
		printf("%ld %ld\n", counter, compute(counter));
		fflush(stdout);
		usleep(20000);
	}
}
