/* Fails: callers of the target's check() call check.part.0, which the jump would not cover. */
int check(int *p)
{
	return p ? *p : 0;
}
