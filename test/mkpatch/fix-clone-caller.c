/* The way around a clone: a static copy of scale_by in the patch, called by the replaced run(). */
struct big {
	int a, b, c, d[16];
};

int check(int *p);
int sum(int *a, int n);

static int scale_by(int x, int k)
{
	return x * k + 1;
}

int run(struct big *b, int *p)
{
	return scale_by(b->a, 3) + b->b + check(p) + sum(p, b->c);
}
