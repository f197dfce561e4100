/* The compiler wrapper: adds what the comparison needs and records each compilation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mkpatch/diff/cc-wrap.h"

/* Each function and variable in a section of its own, named after it; debug info. */
const char *const lup_cc_added_flags[] = { "-g", "-ffunction-sections", "-fdata-sections" };
const unsigned lup_cc_nr_added_flags = sizeof(lup_cc_added_flags) / sizeof(lup_cc_added_flags[0]);

#define LUP_CC_FD_MIN 900

/* The names builds run compilers by (several may be one file). */
static const char *const names[] = {
	"cc", "gcc", "c++", "g++", "clang", "clang++", "x86_64-linux-gnu-gcc",
	"x86_64-linux-gnu-g++", NULL,
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool lup_cc_is_wrapper(const char *argv0)
{
	return getenv(LUP_CC_LOG_ENV) && getenv(LUP_CC_REAL_ENV) &&
	       strcmp(base_name(argv0), "lup-mkpatch");
}

char *lup_cc_find(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
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

/*
 * fd moved out of the way of the build's shells: libtool, configure scripts and make
 * recipes open and close descriptors 0-9 (exec 5<&-) and bash uses some from 10 up.
 */
static int high_fd(int fd)
{
	int high = fd >= 0 ? fcntl(fd, F_DUPFD, LUP_CC_FD_MIN) : -1;

	if (fd >= 0)
		close(fd);
	return high;
}

/* Appends "file=fd" for a compiler's file not covered yet; covers it with self. */
static int cover_one(const char *self, const char *name, char **env)
{
	char *found = lup_cc_find(name), *file = found ? realpath(found, NULL) : NULL, *n;
	char key[PATH_MAX + 2];
	int fd, ret = 0;

	free(found);
	if (!file)
		return 0;
	snprintf(key, sizeof(key), "%s=", file);
	if (strstr(*env, key) || (fd = high_fd(open(file, O_RDONLY))) < 0) {
		free(file);
		return 0;
	}
	if (mount(self, file, NULL, MS_BIND, NULL) || asprintf(&n, "%s%s%s%d", *env,
							       **env ? ":" : "", key, fd) < 0) {
		ret = -errno;
		close(fd);
	} else {
		free(*env);
		*env = n;
	}
	free(file);
	return ret;
}

int lup_cc_cover(const char *self)
{
	char *env = strdup("");
	int ret = env ? 0 : -ENOMEM;

	for (const char *const *n = names; !ret && *n; n++)
		ret = cover_one(self, *n, &env);
	if (!ret && setenv(LUP_CC_REAL_ENV, env, 1))
		ret = -errno;
	free(env);
	return ret;
}

/* The descriptor of the real compiler the wrapper was run as, or -1. */
static int real_fd(const char *argv0)
{
	char *found = strchr(argv0, '/') ? strdup(argv0) : lup_cc_find(argv0);
	char *file = found ? realpath(found, NULL) : NULL, key[PATH_MAX + 2];
	const char *at = NULL, *env = getenv(LUP_CC_REAL_ENV);

	if (file) {
		snprintf(key, sizeof(key), "%s=", file);
		for (at = strstr(env, key); at && at != env && at[-1] != ':';)
			at = strstr(at + 1, key);
	}
	free(found);
	free(file);
	return at ? atoi(at + strlen(key)) : -1;
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

extern char **environ;

int lup_cc_wrap(int argc, char **argv)
{
	char **args = calloc((size_t)argc + lup_cc_nr_added_flags + 1, sizeof(*args));
	bool c = compiles(argc, argv);
	int fd = real_fd(argv[0]), n = 0;

	if (fd < 0 || !args) {
		fprintf(stderr, "lup-mkpatch: %s: not a compiler the build may run\n", argv[0]);
		return 127;
	}
	if (c)
		record(argc, argv);
	/* argv[0] as given: gcc finds its own programs (cc1, as) from it */
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	for (unsigned i = 0; c && i < lup_cc_nr_added_flags; i++)
		args[n++] = (char *)lup_cc_added_flags[i];
	fexecve(fd, args, environ);
	fprintf(stderr, "lup-mkpatch: %s: %s\n", argv[0], strerror(errno));
	return 126;
}
