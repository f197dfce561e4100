/* Fails on a static target: no library can provide this symbol. */
extern int nosuch_var;

int get(void)
{
	return nosuch_var;
}
