/* Fails: counter is a static in two files of the target. */
extern int counter;

int get(void)
{
	return counter;
}
