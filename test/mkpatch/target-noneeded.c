/* A shared-library target that calls no library: linked --as-needed, it has no DT_NEEDED. */
int noneeded_len(const char *s)
{
	int n = 0;

	while (s[n])
		n++;
	return n;
}
