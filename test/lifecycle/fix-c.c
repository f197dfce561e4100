/* Lifecycle test patch C: replaces word(), built with --expects fix-a (A must stay under it). */
const char *word(void)
{
	return "c";
}
