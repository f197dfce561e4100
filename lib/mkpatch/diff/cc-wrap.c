/* The compiler wrapper: adds what the comparison needs and records each compilation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkpatch/diff/cc-wrap.h"

/* Each function and variable in a section of its own, named after it; debug info. */
const char *const lup_cc_added_flags[] = { "-g", "-ffunction-sections", "-fdata-sections" };
const unsigned lup_cc_nr_added_flags = sizeof(lup_cc_added_flags) / sizeof(lup_cc_added_flags[0]);

const char *const lup_cc_names[] = {
	"cc", "gcc", "c++", "g++", "clang", "clang++", "x86_64-linux-gnu-gcc",
	"x86_64-linux-gnu-g++", "gcc-12", "g++-12", "x86_64-linux-gnu-gcc-12",
	"x86_64-linux-gnu-g++-12", NULL,
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool lup_cc_is_wrapper(const char *argv0)
{
	if (!getenv(LUP_CC_LOG_ENV) || !getenv(LUP_CC_DIR_ENV))
		return false;
	for (const char *const *n = lup_cc_names; *n; n++)
		if (strcmp(base_name(argv0), *n) == 0)
			return true;
	return false;
}

char *lup_cc_find(const char *name, const char *skip)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		if (skip && strcmp(d, skip) == 0)
			continue;
		if (asprintf(&found, "%s/%s", d, name) < 0)
			found = NULL;
		else if (access(found, X_OK)) {
			free(found);
			found = NULL;
		}
	}
	free(copy);
	return found;
}

/* Compiles, as opposed to preprocessing, assembling to text, or linking. */
static bool compiles(int argc, char **argv)
{
	bool c = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-E") == 0 || strcmp(argv[i], "-S") == 0 ||
		    strcmp(argv[i], "-M") == 0 || strcmp(argv[i], "-MM") == 0)
			return false;
		c |= strcmp(argv[i], "-c") == 0;
	}
	return c;
}

/* LOG/cc.XXXXXX: the directory, then each argument, each ended by a NUL. */
static void record(int argc, char **argv)
{
	char path[PATH_MAX], cwd[PATH_MAX];
	FILE *f;
	int fd;

	if (snprintf(path, sizeof(path), "%s/cc.XXXXXX", getenv(LUP_CC_LOG_ENV)) >= (int)sizeof(path) ||
	    !getcwd(cwd, sizeof(cwd)) || (fd = mkstemp(path)) < 0)
		return;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	fwrite(cwd, 1, strlen(cwd) + 1, f);
	fwrite(base_name(argv[0]), 1, strlen(base_name(argv[0])) + 1, f);
	for (int i = 1; i < argc; i++)
		fwrite(argv[i], 1, strlen(argv[i]) + 1, f);
	fclose(f);
}

int lup_cc_wrap(int argc, char **argv)
{
	const char *name = base_name(argv[0]);
	char *real = lup_cc_find(name, getenv(LUP_CC_DIR_ENV));
	char **args = calloc((size_t)argc + lup_cc_nr_added_flags + 1, sizeof(*args));
	bool c = compiles(argc, argv);
	int n = 0;

	if (!real || !args) {
		fprintf(stderr, "lup-mkpatch: no %s in PATH after %s\n", name,
			getenv(LUP_CC_DIR_ENV));
		return 127;
	}
	if (c)
		record(argc, argv);
	args[n++] = real;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	for (unsigned i = 0; c && i < lup_cc_nr_added_flags; i++)
		args[n++] = (char *)lup_cc_added_flags[i];
	execv(real, args);
	fprintf(stderr, "lup-mkpatch: %s: %s\n", real, strerror(errno));
	return 126;
}
