/* Joining a root directory (--root, LUP_ROOT) and an absolute path from files.img. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root-path.h"

char *lup_root_join(const char *root, const char *path)
{
	size_t len = root ? strlen(root) : 0;
	char *s;

	while (len && root[len - 1] == '/')
		len--;
	if (!len)
		return strdup(path);
	return asprintf(&s, "%.*s%s%s", (int)len, root, path[0] == '/' ? "" : "/", path) < 0 ?
		NULL : s;
}
