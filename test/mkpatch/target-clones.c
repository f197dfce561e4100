/* Target whose functions GCC -O2 clones: constprop, isra and part replace them, cold splits one. */
#include <stdio.h>

struct big {
	int a, b, c, d[16];
};

/* Only ever called with k == 3: becomes scale_by.constprop.0, no scale_by is left. */
__attribute__((noinline)) static int scale_by(int x, int k)
{
	for (int i = 0; i < k; i++)
		x = x * 7 + i;
	return x;
}

/* Only p->b is used: becomes get_b.isra.0, taking the int. */
__attribute__((noinline)) static int get_b(struct big *p)
{
	return p->b * 3 + p->b / 7;
}

/* The NULL test is inlined into callers, which then call check.part.0 for the rest. */
int check(int *p)
{
	if (__builtin_expect(!p, 1))
		return 0;
	for (int i = 0; i < 100; i++)
		if (p[i] == 42) {
			printf("found %d\n", i);
			fprintf(stderr, "x %d %d\n", p[i], i);
			return i;
		}
	return -1;
}

__attribute__((cold, noinline)) void report_bad(int v, int i)
{
	fprintf(stderr, "bad %d %d\n", v, i);
}

/* Its unlikely branch moves to sum.cold, which only sum jumps to. */
__attribute__((noinline, noclone)) int sum(int *a, int n)
{
	int s = 0;

	for (int i = 0; i < n; i++) {
		if (a[i] < 0) {
			report_bad(a[i], i);
			printf("%d %d %d\n", a[i], i, s);
			s -= a[i] * 3;
			continue;
		}
		s += a[i];
	}
	return s;
}

__attribute__((noinline)) int run(struct big *b, int *p)
{
	return scale_by(b->a, 3) + get_b(b) + check(p) + check(p + 1) + sum(p, b->c);
}

int main(int argc, char **argv)
{
	struct big b = { argc, argc, 0, { 0 } };

	return run(&b, (int *)argv);
}
