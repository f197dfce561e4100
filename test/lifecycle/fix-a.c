/* Lifecycle test patch A: replaces both word() and mark(). */
const char *word(void)
{
	return "a";
}

const char *mark(void)
{
	return "marked";
}
