/* Fails: a constructor would never run (nothing of a patch runs when it is applied). */
static int ready;

__attribute__((constructor)) static void init_ready(void)
{
	ready = 1;
}

int compute(int x)
{
	return x * 1000 + ready;
}
