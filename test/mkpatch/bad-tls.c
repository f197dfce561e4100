/* Fails: a patch cannot add thread-local variables. */
__thread int mine;

int get(void)
{
	return ++mine;
}
