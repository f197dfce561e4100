/* Compiling and linking patch sources into a temporary shared object with $CC. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/run.h"
#include "mkpatch/mkpatch-priv.h"

#define MAX_OUTPUT (64 * 1024)


/*
 * Position independent, calls through the GOT; every function calls __fentry__ first:
 * the runtime's registration of the patch with the process's unwinders (runtime/begin.S).
 * Thread-locals through __tls_get_addr (global-dynamic), which finds a variable's block in
 * every thread, also a library's dynamic one (dlopen) and in threads made later; a static
 * program has no __tls_get_addr: there, by offset from the thread pointer (initial-exec).
 */
static const char *const compile_flags[] = {
	"-fPIC", "-O2", "-fno-plt", "-pg", "-mfentry",
};
#define TLS_DYNAMIC "-ftls-model=global-dynamic"
#define TLS_STATIC "-ftls-model=initial-exec"
/* One shared object, no startup files, bound now, code and data in separate pages. */
static const char *const link_flags[] = {
	"-shared", "-nostdlib", "-Wl,-z,now", "-Wl,-z,noexecstack", "-Wl,-z,separate-code",
};
/*
 * After the sources: libc itself (not its linker script, which adds libc_nonshared.a),
 * so that the linked object records the version of each libc name it uses (realpath
 * needs GLIBC_2.3), which the binding then honours.
 */
static const char *const link_libs[] = { "-Wl,--as-needed", "-l:libc.so.6" };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The runtime's sources (lib/mkpatch/runtime/, as text: the build makes them C strings). */
extern const char lup_rt_begin[], lup_rt_end[];
#define RT_BEGIN "lup-rt-begin.S"
#define RT_END "lup-rt-end.S"

/*
 * argv of the compiler: the words of cc, fixed flags, user flags, -o so, the runtime's
 * beginning, sources, its end (rt: their paths).
 */
static char **compiler_argv(const struct lup_mkpatch_opts *o, bool static_target,
			    char *cc_words, const char *so, char *const rt[2])
{
	size_t max = strlen(cc_words) / 2 + 1 + ARRAY_SIZE(compile_flags) + 1 +
		     ARRAY_SIZE(link_flags) + o->nr_cflags + 2 + 2 + o->nr_srcs +
		     ARRAY_SIZE(link_libs) + 1, n = 0;
	char **argv = calloc(max, sizeof(*argv)), *save = NULL;

	if (!argv)
		return NULL;
	for (char *w = strtok_r(cc_words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	for (size_t i = 0; i < ARRAY_SIZE(compile_flags); i++)
		argv[n++] = (char *)compile_flags[i];
	argv[n++] = static_target ? TLS_STATIC : TLS_DYNAMIC;
	for (size_t i = 0; i < ARRAY_SIZE(link_flags); i++)
		argv[n++] = (char *)link_flags[i];
	for (size_t i = 0; i < o->nr_cflags; i++)
		argv[n++] = o->cflags[i];
	argv[n++] = "-o";
	argv[n++] = (char *)so;
	argv[n++] = rt[0];
	for (size_t i = 0; i < o->nr_srcs; i++)
		argv[n++] = o->srcs[i];
	argv[n++] = rt[1];
	for (size_t i = 0; i < ARRAY_SIZE(link_libs); i++)
		argv[n++] = (char *)link_libs[i];
	return argv;
}

/* What the compiler's wait status st means; its output is shown either way. */
static int check_compiler(const char *cc, int st, const char *output)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (output && *output)
			pr_warn("%s says:\n%s", cc, output);
		return 0;
	}
	pr_err("%s: compilation failed (%s %d):\n%s", cc,
	       WIFEXITED(st) ? "exit status" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), output ? output : "");
	return -LUP_EBADPATCH;
}

static int run_compiler(const struct lup_mkpatch_opts *o, bool static_target, const char *so,
			char *const rt[2])
{
	char *words = strdup(o->cc && *o->cc ? o->cc : "gcc"), **argv = NULL, *output;
	int ret = -ENOMEM, st;

	if (words)
		argv = compiler_argv(o, static_target, words, so, rt);
	if (!argv || !argv[0]) {
		pr_err("%s: no compiler command", o->cc ? o->cc : "");
		ret = argv ? -EINVAL : ret;
		goto out;
	}
	st = lup_run_capture(argv, LUP_RUN_CAPTURE_STDERR, MAX_OUTPUT, &output);
	if (st < 0) {
		ret = st;
		pr_err("%s: cannot run: %s", argv[0], strerror(-st));
		goto out;
	}
	ret = check_compiler(argv[0], st, output);
	free(output);
out:
	free(argv);
	free(words);
	return ret;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wxe");
	int ret = 0;

	if (!f || fputs(text, f) < 0)
		ret = -errno;
	if (f && fclose(f) && !ret)
		ret = -errno;
	if (ret)
		pr_err("%s: %s", path, strerror(-ret));
	return ret;
}

/* The runtime's two files in dir (their paths in rt, malloc'ed, also on failure). */
static int write_runtime(const char *dir, char *rt[2])
{
	if (asprintf(&rt[0], "%s/" RT_BEGIN, dir) < 0)
		rt[0] = NULL;
	if (asprintf(&rt[1], "%s/" RT_END, dir) < 0)
		rt[1] = NULL;
	if (!rt[0] || !rt[1])
		return -ENOMEM;
	return write_file(rt[0], lup_rt_begin) ?: write_file(rt[1], lup_rt_end);
}

int lup_mkpatch_build_so(const struct lup_mkpatch_opts *o, bool static_target, char **dir,
			 char **so_path)
{
	const char *tmp = getenv("TMPDIR");
	char *rt[2] = { NULL, NULL };
	int ret;

	*so_path = NULL;
	if (asprintf(dir, "%s/lup-mkpatch.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return -ENOMEM;
	if (!mkdtemp(*dir)) {
		ret = -errno;
		pr_err("%s: %s", *dir, strerror(errno));
		free(*dir);
		*dir = NULL;
		return ret;
	}
	if (asprintf(so_path, "%s/patch.so", *dir) < 0) {
		*so_path = NULL;
		return -ENOMEM;
	}
	ret = write_runtime(*dir, rt);
	if (!ret)
		ret = run_compiler(o, static_target, *so_path, rt);
	free(rt[0]);
	free(rt[1]);
	return ret;
}

void lup_mkpatch_remove_dir(char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	/* The compiler may leave more than the .so (-save-temps): remove whatever is there. */
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	if (dir && rmdir(dir))
		pr_warn("%s: cannot remove: %s", dir, strerror(errno));
	free(dir);
}
