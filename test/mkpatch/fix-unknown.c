/*
 * Uses nosuch_var, which no library found at build time defines: accepted for lib.so
 * (its program may define it) and for a program whose libtwo.so is missing here.
 * Replaces compute() in lib.so, report_two() in the two program.
 */
extern int nosuch_var;

int compute(int x)
{
	return x + nosuch_var;
}

int report_two(int x)
{
	return x - nosuch_var;
}
