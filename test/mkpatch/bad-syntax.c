/* Fails: does not compile. */
int get(void)
{
	return nothing_here;
}
