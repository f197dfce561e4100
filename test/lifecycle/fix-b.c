/* Lifecycle test patch B: replaces word() only; built against the original, it stacks on A. */
const char *word(void)
{
	return "b";
}
